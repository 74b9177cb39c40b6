import type { SimulatedProvider } from '../../core.js';
import { demandAt, utcMonthBounds } from '../../curves.js';
import type { SimulatorCredentials } from '../account.js';
import {
  METERED_APP_ID,
  METERED_PLAN,
  METERED_TYPICAL_PEAK,
  messagesUsedSince,
  routeMetered,
} from './routes.js';

const SECRET_NAME = 'collector/metered';

export const metered: SimulatedProvider<SimulatorCredentials['metered']> = {
  route: routeMetered,
  credentials: { secretKey: 'sk_sim_9b1e44c0' },
  secretName: SECRET_NAME,
  secret: ({ secretKey }) => ({ secretKey }),
  targets: (base) => [
    { name: 'signalling', endpoint: 'metered.usage', baseUrl: base, secret: SECRET_NAME, interval: '1m' },
  ],
  typicalPeak: METERED_TYPICAL_PEAK,
  series: () => {
    let peak = 0;
    let periodStart = 0;
    return {
      project: METERED_APP_ID,
      fieldsAt: (time) => {
        const { startUnix, endUnix } = utcMonthBounds(time);
        if (startUnix !== periodStart) {
          periodStart = startUnix;
          peak = 0;
        }
        const live = demandAt(`metered:${METERED_APP_ID}`, time, METERED_TYPICAL_PEAK);
        peak = Math.max(peak, live);
        return {
          live,
          period_peak: peak,
          messages_used: messagesUsedSince(startUnix * 1000, time),
          overage_messages: 0,
          overage_connections: Math.max(0, peak - METERED_PLAN.maxConcurrentConnections),
          plan_max_connections: METERED_PLAN.maxConcurrentConnections,
          plan_max_messages: METERED_PLAN.maxMessagesPerPeriod,
          period_start: startUnix,
          period_end: endUnix,
        };
      },
    };
  },
};

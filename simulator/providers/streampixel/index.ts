import type { SimulatedProvider } from '../../core.js';
import { liveUsers } from '../../curves.js';
import type { SimulatorCredentials } from '../account.js';
import { routeStreampixel, STREAMPIXEL_CAPACITY, streampixelUser } from './routes.js';

/** Project ids the ready-made config polls (the stats routes answer any id). */
const PROJECT_IDS = ['64f1c0ffee0001', '64f1c0ffee0002'] as const;
const SECRET_NAME = 'collector/streampixel';

export const streampixel: SimulatedProvider<SimulatorCredentials['streampixel']> = {
  route: routeStreampixel,
  credentials: { userId: 'sim-user-0001', apikey: 'sim-sp-apikey-7f3a9c' },
  secretName: SECRET_NAME,
  secret: ({ userId, apikey }) => ({ userId, apikey }),
  targets: (base) => [
    {
      name: 'eu-prod',
      endpoint: 'streampixel.liveStats',
      projectId: PROJECT_IDS[0],
      baseUrl: base,
      secret: SECRET_NAME,
      interval: '10s',
      tags: { env: 'prod' },
    },
    {
      name: 'eu-prod-users',
      endpoint: 'streampixel.userStats',
      projectId: PROJECT_IDS[1],
      baseUrl: base,
      secret: SECRET_NAME,
      interval: '30s',
    },
  ],
  typicalPeak: STREAMPIXEL_CAPACITY,
  series: (target) => {
    const project = target.projectId ?? '';
    return { project, fieldsAt: (time) => ({ ...liveUsers(project, time, STREAMPIXEL_CAPACITY) }) };
  },
  account: streampixelUser,
};

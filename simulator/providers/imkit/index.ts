import type { SimulatedProvider } from '../../core.js';
import { demandAt } from '../../curves.js';
import type { SimulatorCredentials } from '../account.js';
import { IMKIT_TYPICAL_PEAK, routeImkit } from './routes.js';

/** The app the ready-made config polls, served under `{url}/imkit/acme`. */
const APP = 'acme';
const SECRET_NAME = 'collector/imkit';

export const imkit: SimulatedProvider<SimulatorCredentials['imkit']> = {
  route: routeImkit,
  credentials: { apiKey: 'sim-imkit-key-51d2e8' },
  secretName: SECRET_NAME,
  secret: ({ apiKey }) => ({ apiKey }),
  targets: (base) => [
    {
      name: 'chat',
      endpoint: 'imkit.connectionCount',
      baseUrl: `${base}/imkit/${APP}`,
      secret: SECRET_NAME,
      interval: '30s',
    },
  ],
  typicalPeak: IMKIT_TYPICAL_PEAK,
  // The collector's IMKit project is the URL's host; the routes seed the curve by app.
  series: (target) => ({
    project: new URL(target.baseUrl).hostname,
    fieldsAt: (time) => ({ live: demandAt(`imkit:${APP}`, time, IMKIT_TYPICAL_PEAK) }),
  }),
};

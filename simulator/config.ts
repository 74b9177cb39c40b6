import type { EndpointId } from '../functions/providers/registry.js';
/**
 * Credentials the simulator accepts, and a collector configuration + secrets map pointing at it,
 * shared by the `simulate` CLI, the demo and the tests.
 */

/** The credentials the simulator checks, one set per provider. */
export interface SimulatorCredentials {
  streampixel: { userId: string; apikey: string };
  imkit: { apiKey: string };
  metered: { secretKey: string };
}

/** Fake credentials the simulator accepts unless told otherwise. None of them is a real key. */
export const DEFAULT_SIMULATOR_CREDENTIALS: SimulatorCredentials = {
  streampixel: { userId: 'sim-user-0001', apikey: 'sim-sp-apikey-7f3a9c' },
  imkit: { apiKey: 'sim-imkit-key-51d2e8' },
  metered: { secretKey: 'sk_sim_9b1e44c0' },
};

/** Secret names used by {@link simulatorConfig}; {@link simulatorSecrets} fills them. */
export const SIMULATOR_SECRET_NAMES = {
  streampixel: 'collector/streampixel',
  imkit: 'collector/imkit',
  metered: 'collector/metered',
  influx: 'collector/influx',
} as const;

/** The IMKit app the default configuration polls, served under `{url}/imkit/acme`. */
export const SIMULATOR_IMKIT_APP = 'acme';

/** Streampixel project ids the default configuration polls. */
export const SIMULATOR_PROJECT_IDS = ['64f1c0ffee0001', '64f1c0ffee0002'] as const;

/** One collector target, in the collector's configuration format. */
export interface SimulatorTarget {
  name: string;
  endpoint: EndpointId;
  projectId?: string;
  baseUrl: string;
  secret: string;
  interval: string;
  tags?: Record<string, string>;
}

/** A collector configuration: the influx section is passed through untouched. */
export interface SimulatorCollectorConfig {
  influx: Record<string, unknown>;
  targets: SimulatorTarget[];
}

/** InfluxDB 1.x on its default local port; tests usually substitute their own instance. */
const DEFAULT_INFLUX_SECTION: Record<string, unknown> = {
  url: 'http://127.0.0.1:8086',
  apiVersion: 1,
  database: 'concurrency',
  tokenSecret: SIMULATOR_SECRET_NAMES.influx,
};

/**
 * A ready-to-use collector configuration whose four targets all point at a simulator.
 *
 * @param url - the simulator's base url, e.g. `http://127.0.0.1:8787` (a trailing slash is dropped).
 * @param influx - replaces the default influx section (InfluxDB 1.x at 127.0.0.1:8086).
 */
export function simulatorConfig(url: string, influx?: Record<string, unknown>): SimulatorCollectorConfig {
  const base = url.replace(/\/+$/, '');
  const [liveProject, usersProject] = SIMULATOR_PROJECT_IDS;
  return {
    influx: { ...(influx ?? DEFAULT_INFLUX_SECTION) },
    targets: [
      {
        name: 'eu-prod',
        endpoint: 'streampixel.liveStats',
        projectId: liveProject,
        baseUrl: base,
        secret: SIMULATOR_SECRET_NAMES.streampixel,
        interval: '10s',
        tags: { env: 'prod' },
      },
      {
        name: 'eu-prod-users',
        endpoint: 'streampixel.userStats',
        projectId: usersProject,
        baseUrl: base,
        secret: SIMULATOR_SECRET_NAMES.streampixel,
        interval: '30s',
      },
      {
        name: 'chat',
        endpoint: 'imkit.connectionCount',
        baseUrl: `${base}/imkit/${SIMULATOR_IMKIT_APP}`,
        secret: SIMULATOR_SECRET_NAMES.imkit,
        interval: '30s',
      },
      {
        name: 'signalling',
        endpoint: 'metered.usage',
        baseUrl: base,
        secret: SIMULATOR_SECRET_NAMES.metered,
        interval: '1m',
      },
    ],
  };
}

/**
 * The secrets map matching {@link simulatorConfig}: secret name → the JSON its `SecretString` holds.
 * The influx secret is empty because the local InfluxDB 1.x needs no token.
 */
export function simulatorSecrets(
  creds: SimulatorCredentials = DEFAULT_SIMULATOR_CREDENTIALS,
): Record<string, Record<string, string>> {
  return {
    [SIMULATOR_SECRET_NAMES.streampixel]: {
      userId: creds.streampixel.userId,
      apikey: creds.streampixel.apikey,
    },
    [SIMULATOR_SECRET_NAMES.imkit]: { apiKey: creds.imkit.apiKey },
    [SIMULATOR_SECRET_NAMES.metered]: { secretKey: creds.metered.secretKey },
    [SIMULATOR_SECRET_NAMES.influx]: {},
  };
}

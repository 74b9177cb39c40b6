/**
 * Credentials the simulator accepts, and a collector configuration + secrets map pointing at it, shared by the
 * `simulate` CLI, the demo and the tests. Each provider folder gives its part (`SimulatedProvider`).
 */
import type { SimulatorTarget } from './core.js';
import { SIMULATED_PROVIDERS, SIMULATED_TAGS, type SimulatorCredentials } from './providers/index.js';

export type { SimulatorTarget } from './core.js';
export type { SimulatorCredentials } from './providers/index.js';

/** Fake credentials the simulator accepts unless told otherwise. None of them is a real key. */
export const DEFAULT_SIMULATOR_CREDENTIALS: SimulatorCredentials = Object.fromEntries(
  SIMULATED_TAGS.map((tag) => [tag, SIMULATED_PROVIDERS[tag].credentials]),
) as unknown as SimulatorCredentials;

const INFLUX_SECRET_NAME = 'collector/influx';

/** Secret names used by {@link simulatorConfig}, per provider tag and `influx`; {@link simulatorSecrets} fills them. */
export const SIMULATOR_SECRET_NAMES = {
  ...(Object.fromEntries(SIMULATED_TAGS.map((tag) => [tag, SIMULATED_PROVIDERS[tag].secretName])) as Record<
    keyof SimulatorCredentials,
    string
  >),
  influx: INFLUX_SECRET_NAME,
};

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
  tokenSecret: INFLUX_SECRET_NAME,
};

/**
 * A ready-to-use collector configuration whose targets (every provider's) all point at a simulator.
 *
 * @param url - the simulator's base url, e.g. `http://127.0.0.1:8787` (a trailing slash is dropped).
 * @param influx - replaces the default influx section (InfluxDB 1.x at 127.0.0.1:8086).
 */
export function simulatorConfig(url: string, influx?: Record<string, unknown>): SimulatorCollectorConfig {
  const base = url.replace(/\/+$/, '');
  return {
    influx: { ...(influx ?? DEFAULT_INFLUX_SECTION) },
    targets: SIMULATED_TAGS.flatMap((tag) => SIMULATED_PROVIDERS[tag].targets(base)),
  };
}

/**
 * The secrets map matching {@link simulatorConfig}: secret name → the JSON its `SecretString` holds.
 * The influx secret is empty because the local InfluxDB 1.x needs no token.
 */
export function simulatorSecrets(
  creds: SimulatorCredentials = DEFAULT_SIMULATOR_CREDENTIALS,
): Record<string, Record<string, string>> {
  const secretOf = <Tag extends keyof SimulatorCredentials>(tag: Tag) => {
    const provider = SIMULATED_PROVIDERS[tag];
    return [provider.secretName, provider.secret(creds[tag])] as const;
  };
  return { ...Object.fromEntries(SIMULATED_TAGS.map(secretOf)), [INFLUX_SECRET_NAME]: {} };
}

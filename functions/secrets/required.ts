import type * as z from 'zod';
import type { Config } from '../config/schema.js';
import { adapterFor } from '../providers/registry.js';
import { credentialsSchemaOf } from '../providers/types.js';

/** A Secrets Manager secret the collector reads, with the JSON keys its `SecretString` must hold. */
export interface RequiredSecret {
  name: string;
  /** Sorted; the union over every target that shares the secret. */
  keys: string[];
}

/** The keys of the InfluxDB token secret: a v2 token, or a v1 user and password. */
export function influxSecretKeys(apiVersion: 1 | 2): string[] {
  return apiVersion === 2 ? ['token'] : ['password', 'username'];
}

/**
 * Every secret the config names (the targets' `secret` and `influx.tokenSecret`), each once, sorted by name,
 * with the keys the adapters' credential schemas require: the stack grants reading exactly these.
 */
export function requiredSecrets(config: Pick<Config, 'targets' | 'influx'>): RequiredSecret[] {
  const keys = new Map<string, Set<string>>();
  const add = (name: string, names: readonly string[]): void => {
    const set = keys.get(name) ?? new Set<string>();
    for (const key of names) set.add(key);
    keys.set(name, set);
  };
  for (const target of config.targets) {
    const credentials = credentialsSchemaOf(adapterFor(target.endpoint), target) as z.ZodObject;
    add(target.secret, Object.keys(credentials.shape));
  }
  if (config.influx.tokenSecret) add(config.influx.tokenSecret, influxSecretKeys(config.influx.apiVersion));
  return [...keys.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, set]) => ({ name, keys: [...set].sort() }));
}

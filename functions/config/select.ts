import { ConfigError } from './errors.js';
import type { Config, Target } from './schema.js';

/**
 * Each config's targets by name, built once: a warm Lambda selects its shard from the same parsed config every
 * invocation. Keyed by the targets array, which nothing changes once the config is parsed.
 */
const byNameOf = new WeakMap<readonly Target[], ReadonlyMap<string, Target>>();

function targetsByName(targets: readonly Target[]): ReadonlyMap<string, Target> {
  let byName = byNameOf.get(targets);
  if (!byName) {
    byName = new Map(targets.map((target) => [target.name, target]));
    byNameOf.set(targets, byName);
  }
  return byName;
}

/** The targets named (all when `names` is empty or absent); an unknown name is a configuration error. */
export function selectTargets(config: Config, names?: readonly string[]): Target[] {
  if (!names || names.length === 0) return config.targets;
  const byName = targetsByName(config.targets);
  const unknown = names.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    const known = config.targets.map((target) => target.name).join(', ');
    throw new ConfigError(unknown.map((name) => `target "${name}" is not in the config (targets: ${known})`));
  }
  return [...new Set(names)].map((name) => byName.get(name) as Target);
}

import { ConfigError } from './errors.js';
import type { Config, Target } from './schema.js';

/** The targets named (all when `names` is empty or absent); an unknown name is a configuration error. */
export function selectTargets(config: Config, names?: readonly string[]): Target[] {
  if (!names || names.length === 0) return config.targets;
  const byName = new Map(config.targets.map((target) => [target.name, target]));
  const unknown = names.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    const known = config.targets.map((target) => target.name).join(', ');
    throw new ConfigError(unknown.map((name) => `target "${name}" is not in the config (targets: ${known})`));
  }
  return [...new Set(names)].map((name) => byName.get(name) as Target);
}

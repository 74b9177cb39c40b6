import { json } from './http/json.js';
import { connectionCount } from './imkit/connectionCount.js';
import { usage } from './metered/usage.js';
import { liveStats } from './streampixel/liveStats.js';
import { userStats } from './streampixel/userStats.js';
import type { AnyAdapter } from './types.js';

/** Every endpoint the collector can poll. Adding a provider is a folder beside this file and a line here. */
export const ADAPTERS = [
  liveStats,
  userStats,
  connectionCount,
  usage,
  json,
] as const satisfies readonly AnyAdapter[];

export type EndpointId = (typeof ADAPTERS)[number]['endpoint'];

const BY_ENDPOINT: ReadonlyMap<string, AnyAdapter> = new Map(
  ADAPTERS.map((adapter) => [adapter.endpoint, adapter]),
);

/** The adapter of an endpoint id; the config schema guarantees it exists for a validated target. */
export function adapterFor(endpoint: string): AnyAdapter {
  const adapter = BY_ENDPOINT.get(endpoint);
  if (!adapter) throw new Error(`no adapter is registered for endpoint "${endpoint}"`);
  return adapter;
}

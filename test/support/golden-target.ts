import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Target } from '../../functions/config/schema.js';
import type { AnyAdapter, BaseTarget } from '../../functions/providers/types.js';

/** `test/fixtures/providers/`: one folder per endpoint id, holding its golden cases and its `target.json`. */
export const PROVIDER_FIXTURES = fileURLToPath(new URL('../fixtures/providers/', import.meta.url));

/**
 * The fixed target every golden case of an endpoint is read for: name `t1`, static tag `env=test`, plus the keys
 * of the endpoint's own `target.json` (Streampixel's `projectId`, IMKit's `baseUrl`, the generic endpoint's
 * `url`/`auth`/`fields`), so that a new endpoint brings its target with its fixtures.
 */
export function goldenTarget(adapter: AnyAdapter): Target {
  const base: BaseTarget = {
    name: 't1',
    endpoint: adapter.endpoint,
    secret: 's1',
    interval: 60_000,
    timeout: 10_000,
    tags: { env: 'test' },
  };
  const file = join(PROVIDER_FIXTURES, adapter.endpoint, 'target.json');
  const own = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  // `Target` cannot spell a target whose endpoint adds no keys: hence the cast.
  return { ...base, ...own } as Target;
}

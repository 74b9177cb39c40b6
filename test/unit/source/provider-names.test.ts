import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../../functions/providers/registry.js';
import { codeFiles, REPO_ROOT } from '../../support/source-tree.js';

/**
 * A provider is one folder: outside `functions/providers/` no code names a provider or an endpoint id, in code,
 * strings or comments. Everything else selects through the registry and the adapters' capabilities.
 */

/** Where provider knowledge belongs. */
const OWNERS = [/^functions\/providers\//, /^simulator\/providers\//];

/** The bench's load scenario polls particular providers' endpoints of the simulator (issue 14 owns bench/). */
const SCENARIOS = [/^bench\//];

/**
 * The report's `metered` key, kept one release as the alias of `plan` (the issue asks for it). Remove this line
 * when the alias goes.
 */
const IN_FLIGHT = [/^functions\/report\/(model|compute)\.ts$/];

/**
 * Provider names as words (`streampixel`, `IMKit`, `Metered`), except `http`, which names a protocol as often as
 * the generic provider: only its quoted tag value counts. Endpoint ids anywhere.
 */
function namesPattern(): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const providers = [...new Set(ADAPTERS.map((adapter) => adapter.provider))];
  const words = providers.filter((name) => name !== 'http').map((name) => `\\b${literal(name)}\\b`);
  const quoted = providers.filter((name) => name === 'http').map((name) => `['"\`]${literal(name)}['"\`]`);
  const endpoints = ADAPTERS.map((adapter) => literal(adapter.endpoint));
  return new RegExp([...words, ...quoted, ...endpoints].join('|'), 'i');
}

function offences(allowed: RegExp[]): string[] {
  const pattern = namesPattern();
  return codeFiles()
    .filter((path) => !OWNERS.some((owner) => owner.test(path)))
    .filter((path) => !allowed.some((allow) => allow.test(path)))
    .flatMap((path) =>
      readFileSync(join(REPO_ROOT, path), 'utf8')
        .split('\n')
        .flatMap((line, index) => (pattern.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
    );
}

describe('provider knowledge stays in its folder', () => {
  it('no code outside functions/providers/ names a provider or an endpoint id', () => {
    expect(offences([...SCENARIOS, ...IN_FLIGHT])).toEqual([]);
  });

  it('the check itself catches every provider tag and endpoint id, as code would spell them', () => {
    const pattern = namesPattern();
    for (const adapter of ADAPTERS) {
      expect(`if (target.provider === '${adapter.provider}')`).toMatch(pattern);
      expect(`const id = "${adapter.endpoint}";`).toMatch(pattern);
    }
    expect("import { httpGet } from '../http/get.js'; fetch('http://127.0.0.1')").not.toMatch(pattern);
  });
});

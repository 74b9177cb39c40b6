import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pointsOf, type SampleRecord, toLines } from '../../../functions/points/build.js';
import { ADAPTERS, adapterFor } from '../../../functions/providers/registry.js';
import type { ProviderResponse } from '../../../functions/providers/types.js';
import { goldenTarget, PROVIDER_FIXTURES } from '../../support/golden-target.js';

/**
 * Golden cases: `test/fixtures/providers/<endpoint id>/<case>/` holds `response.json` (the HTTP answer, body as a
 * raw string) and `expected.lp` (both points, or only `collector_run` for a failure), plus
 * `expected-failure.json` when the answer must be a failure. Adding a case is adding a folder.
 */
const FIXTURES = PROVIDER_FIXTURES;

/** 2026-01-01T00:00:00Z: every golden line carries `1767225600` (whole seconds). */
const AT = 1_767_225_600_000;

interface ResponseFixture {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface ExpectedFailure {
  outcome: string;
  httpStatus: number;
  retryable: boolean;
  retryAfterMs?: number;
  messageIncludes: string;
}

function foldersIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function readResponse(dir: string): ProviderResponse {
  const fixture = readJson<ResponseFixture>(join(dir, 'response.json'));
  expect(fixture.status, 'response.json: status').toBeTypeOf('number');
  expect(fixture.body, 'response.json: body must be the raw body as a string').toBeTypeOf('string');
  return { status: fixture.status, headers: new Headers(fixture.headers ?? {}), body: fixture.body };
}

function expectedLines(dir: string): string[] {
  return readFileSync(join(dir, 'expected.lp'), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '');
}

const endpoints = foldersIn(FIXTURES);

describe('golden fixtures', () => {
  it('has a folder of cases for every registered endpoint, and none for an unknown one', () => {
    expect(endpoints).toEqual(ADAPTERS.map((adapter) => adapter.endpoint).sort());
  });

  for (const endpoint of endpoints) {
    describe(endpoint, () => {
      const adapter = adapterFor(endpoint);
      const target = goldenTarget(adapter);
      const cases = foldersIn(join(FIXTURES, endpoint));

      it('has at least one success case and one failure case', () => {
        const dirs = cases.map((name) => join(FIXTURES, endpoint, name));
        expect(dirs.some((dir) => !existsSync(join(dir, 'expected-failure.json')))).toBe(true);
        expect(dirs.some((dir) => existsSync(join(dir, 'expected-failure.json')))).toBe(true);
      });

      for (const name of cases) {
        it(name, () => {
          const dir = join(FIXTURES, endpoint, name);
          const hasLines = existsSync(join(dir, 'expected.lp'));
          const hasFailure = existsSync(join(dir, 'expected-failure.json'));
          if (!hasLines && !hasFailure) {
            expect.fail(`${endpoint}/${name} has neither expected.lp nor expected-failure.json`);
          }
          // A failure still writes its collector_run point: its line is part of the case.
          expect(hasLines, `${endpoint}/${name}: expected.lp is missing`).toBe(true);

          const response = readResponse(dir);
          const parsed = adapter.parse(response, target);
          const base = {
            target,
            adapter,
            at: AT,
            project: adapter.project(target),
            attempts: 1,
            durationMs: 12,
            latenessMs: 0,
          };
          let record: SampleRecord;
          if (hasFailure) {
            const expected = readJson<ExpectedFailure>(join(dir, 'expected-failure.json'));
            expect(parsed.ok, 'the response must be read as a failure').toBe(false);
            if (parsed.ok) return;
            const { failure } = parsed;
            expect({
              outcome: failure.outcome,
              httpStatus: failure.httpStatus,
              retryable: failure.retryable,
              retryAfterMs: failure.retryAfterMs,
            }).toEqual({
              outcome: expected.outcome,
              httpStatus: expected.httpStatus,
              retryable: expected.retryable,
              retryAfterMs: expected.retryAfterMs,
            });
            expect(failure.message).toContain(expected.messageIncludes);
            record = {
              ...base,
              outcome: failure.outcome,
              httpStatus: failure.httpStatus,
              error: failure.message,
            };
          } else {
            expect(parsed.ok, parsed.ok ? '' : `unexpected failure: ${parsed.failure.message}`).toBe(true);
            if (!parsed.ok) return;
            record = {
              ...base,
              outcome: 'ok',
              httpStatus: response.status,
              error: '',
              sample: parsed.sample,
            };
          }

          expect(toLines(pointsOf(record))).toEqual(expectedLines(dir));
        });
      }
    });
  }
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import type { Target } from '../../../functions/config/schema.js';
import { InfluxWriter } from '../../../functions/influx/writer.js';
import { pointsOf, type SampleRecord, toLines } from '../../../functions/points/build.js';
import { carriedName, carriedString } from '../../../functions/points/line-protocol.js';
import { adapterFor } from '../../../functions/providers/registry.js';
import { decodeBatch, encodeBatch } from '../../../functions/spill/store.js';

const DB = 'hostile';
/** 2026-01-01T00:00:00Z. */
const AT = 1_767_225_600_000;

let influxd: Influxd;
let writer: InfluxWriter;

beforeAll(async () => {
  influxd = await startInfluxd();
  await influxd.createDatabase(DB);
  writer = new InfluxWriter({ url: influxd.url, apiVersion: 1, database: DB, timeout: 10_000 } as never, {});
});

afterAll(async () => {
  await influxd?.stop();
});

/** The characters line protocol and our own files treat specially, and some that merely look odd. */
const HOSTILE = [
  '\\',
  ',',
  '=',
  ' ',
  '"',
  "'",
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u007f',
  '\u0085',
  '#',
  '😀',
  '\uD800',
  '\uDC00',
  'é',
  'a',
];

/** Any Unicode (lone surrogates included), hostile characters densely, long runs, and trailing backslashes. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...HOSTILE), minLength: 1, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...HOSTILE), minLength: 300, maxLength: 400 }),
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 1, max: 3 }))
    .map(([t, n]) => `${t}${'\\'.repeat(n)}`),
);

const usage = adapterFor('metered.usage');

/** A Metered sample whose static tag, configured app id, listed project name and plan name are all `values`. */
function recordOf(
  index: number,
  values: { tag: string; project: string; name: string; plan: string },
): SampleRecord {
  const target = {
    name: `t${index}`,
    endpoint: 'metered.usage',
    secret: 's',
    interval: 60_000,
    timeout: 10_000,
    tags: { env: values.tag },
    projectTags: { project_name: values.name },
  } as unknown as Target;
  return {
    target,
    adapter: usage,
    at: AT + index * 1_000,
    latenessMs: 0,
    outcome: 'ok',
    project: values.project,
    httpStatus: 200,
    attempts: 1,
    durationMs: 5,
    error: '',
    sample: { ints: { live: index }, strings: { plan: values.plan } },
  };
}

/** A tag InfluxDB stores as absent when its carried value is empty. */
const tagAsStored = (value: string) => (carriedName(value) === '' ? null : carriedName(value));

describe('any text from a provider or a config, written to a real InfluxDB 1.6.7', () => {
  it('lands as one point per sample and reads back as the data contract promises', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ tag: text, project: text, name: text, plan: text }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (samples) => {
          run++;
          const measurementTargets = samples.map((values, index) => recordOf(run * 100 + index, values));
          const lines = toLines(measurementTargets.flatMap(pointsOf));
          // One line per point: a dry run prints these, a spill file keeps them, replay splits them again.
          expect(lines).toHaveLength(samples.length * 2);
          expect(lines.every((line) => !/[\n\r]/.test(line))).toBe(true);
          expect(await decodeBatch(await encodeBatch(lines))).toEqual(lines);
          await writer.write(lines);

          const rows = await influxd.rows(
            `SELECT * FROM concurrency WHERE time >= ${AT + run * 100_000}ms AND time < ${AT + (run + 1) * 100_000}ms`,
            DB,
          );
          expect(rows).toHaveLength(samples.length);
          samples.forEach((values, index) => {
            const row = rows[index] as Record<string, unknown>;
            expect(row.time).toBe(AT + (run * 100 + index) * 1_000);
            expect(row.target).toBe(`t${run * 100 + index}`);
            // A tag key no series of the shard has yet is no column at all, rather than a null one.
            expect(row.env ?? null).toBe(tagAsStored(values.tag));
            expect(row.project ?? null).toBe(tagAsStored(values.project));
            expect(row.project_name ?? null).toBe(tagAsStored(values.name));
            expect(row.plan).toBe(carriedString(values.plan));
            expect(row.live).toBe(run * 100 + index);
          });
        },
      ),
      { numRuns: 60, endOnFailure: true },
    );
  });
});

describe('the rule for text a point cannot carry exactly', () => {
  it('carries a trailing backslash with "_" appended, and control characters as spaces', () => {
    expect(carriedName('eu\\')).toBe('eu\\_');
    expect(carriedName('a\\ b\\,c')).toBe('a\\_ b\\,c');
    expect(carriedName('a\nb\rc\td')).toBe('a b c d');
    expect(carriedString('Pro\nplan\\')).toBe('Pro plan\\');
    expect(carriedString('x\uD800y')).toBe('x\uFFFDy');
  });
});

import { describe, expect, it } from 'vitest';
import type { Target } from '../../../functions/config/schema.js';
import { MEASUREMENT, pointsOf, type SampleRecord, toLines } from '../../../functions/points/build.js';
import { adapterFor } from '../../../functions/providers/registry.js';
import type { Sample } from '../../../functions/providers/types.js';

/** 2026-01-01T00:00:00Z. */
const AT = 1_767_225_600_000;

const liveStats = adapterFor('streampixel.liveStats');
const usage = adapterFor('metered.usage');

function target(extra: Partial<Target> = {}): Target {
  return {
    name: 't1',
    endpoint: 'streampixel.liveStats',
    secret: 's1',
    interval: 10_000,
    timeout: 10_000,
    tags: { env: 'test' },
    projectId: 'p1',
    ...extra,
  } as Target;
}

const STATS: Sample = { ints: { live: 7, queued: 2 }, strings: {} };

function ok(extra: Partial<SampleRecord> = {}): SampleRecord {
  return {
    target: target(),
    adapter: liveStats,
    at: AT,
    outcome: 'ok',
    project: 'p1',
    httpStatus: 200,
    attempts: 1,
    durationMs: 12,
    latenessMs: 1_234,
    error: '',
    sample: STATS,
    ...extra,
  };
}

function failed(extra: Partial<SampleRecord> = {}): SampleRecord {
  return {
    target: target(),
    adapter: liveStats,
    at: AT,
    outcome: 'auth',
    project: 'p1',
    httpStatus: 401,
    attempts: 2,
    durationMs: 34,
    latenessMs: 0,
    error: 'HTTP 401: Invalid User',
    ...extra,
  };
}

function linesOf(record: SampleRecord): string[] {
  return toLines(pointsOf(record));
}

/** The tag set of a line: everything between the measurement and the first unescaped space. */
function tagsOf(line: string): string {
  const head = line.match(/^(?:[^ \\]|\\.)*/)?.[0] ?? '';
  return head.slice(head.indexOf(','));
}

describe('pointsOf', () => {
  it('writes concurrency then collector_run for a successful sample', () => {
    expect(linesOf(ok())).toEqual([
      'concurrency,endpoint=streampixel.liveStats,env=test,project=p1,provider=streampixel,target=t1 live=7i,queued=2i 1767225600',
      'collector_run,endpoint=streampixel.liveStats,outcome=ok,project=p1,provider=streampixel,target=t1 attempts=1i,duration_ms=12i,http_status=200i,lateness_ms=1234i,up=1i 1767225600',
    ]);
    expect(pointsOf(ok()).map((point) => point.toLineProtocol()?.split(',')[0])).toEqual([
      MEASUREMENT.concurrency,
      MEASUREMENT.run,
    ]);
  });

  it('writes only collector_run for a failed sample, with up=0 and the error', () => {
    expect(linesOf(failed())).toEqual([
      'collector_run,endpoint=streampixel.liveStats,outcome=auth,project=p1,provider=streampixel,target=t1 attempts=2i,duration_ms=34i,error="HTTP 401: Invalid User",http_status=401i,lateness_ms=0i,up=0i 1767225600',
    ]);
  });
});

describe('field types', () => {
  it('writes every count as an integer, zero included', () => {
    const [concurrency] = linesOf(ok({ sample: { ints: { live: 0, queued: 0 }, strings: {} } }));
    expect(concurrency).toContain(' live=0i,queued=0i ');
  });

  it('writes the integers of collector_run with an i suffix, in success and in failure', () => {
    for (const line of [linesOf(ok())[1], linesOf(failed())[0]]) {
      expect(line).toMatch(/ attempts=\d+i,/);
      expect(line).toMatch(/duration_ms=\d+i,/);
      expect(line).toMatch(/http_status=\d+i,/);
      expect(line).toMatch(/lateness_ms=\d+i,/);
      expect(line).toMatch(/up=[01]i /);
    }
  });

  it('writes lateness_ms as a whole, non-negative number of ms, on every collector_run point', () => {
    expect(linesOf(ok({ latenessMs: 6_000.4 }))[1]).toContain('lateness_ms=6000i');
    expect(linesOf(failed({ outcome: 'missed', latenessMs: 16_020 }))[0]).toContain('lateness_ms=16020i');
    // A `--once` sample stamped a few ms after its truncated time never reads as early.
    expect(linesOf(ok({ latenessMs: -3 }))[1]).toContain('lateness_ms=0i');
  });

  it('rounds a fractional duration so that duration_ms stays an integer', () => {
    expect(linesOf(ok({ durationMs: 12.6 }))[1]).toContain('duration_ms=13i');
  });

  it('writes http_status 0 when there was no response', () => {
    const line = linesOf(
      failed({ outcome: 'timeout', httpStatus: 0, error: 'no complete answer within 10000 ms' }),
    )[0];
    expect(line).toContain('http_status=0i');
    expect(line).toContain('outcome=timeout');
  });

  it('writes string fields quoted, escaping quotes and backslashes', () => {
    const line = linesOf(failed({ error: 'say "hi" \\ bye' }))[0];
    expect(line).toContain('error="say \\"hi\\" \\\\ bye"');
  });

  it("writes Metered's plan as a string field and its counters as integers", () => {
    const sample: Sample = {
      project: 'app_abc',
      ints: { live: 7, period_peak: 132, period_start: 1714435200 },
      strings: { plan: 'SIGNALLING_BASIC' },
    };
    const [line] = linesOf(ok({ adapter: usage, project: undefined, sample }));
    expect(line).toContain(' live=7i,period_peak=132i,period_start=1714435200i,plan="SIGNALLING_BASIC" ');
  });
});

describe('tags', () => {
  it('escapes spaces, commas and equals signs in target names and tag values', () => {
    const record = ok({
      target: target({ name: 'hall a,b=c', tags: { site: 'Hall A, east=1' } }),
      project: 'p 1,2=3',
    });
    const [concurrency, run] = linesOf(record);
    expect(concurrency).toContain(',site=Hall\\ A\\,\\ east\\=1');
    expect(concurrency).toContain(',target=hall\\ a\\,b\\=c');
    expect(concurrency).toContain(',project=p\\ 1\\,2\\=3');
    expect(run).toContain(',target=hall\\ a\\,b\\=c');
    // Still exactly one unescaped space between tags and fields, and one before the timestamp.
    for (const line of [concurrency, run]) expect(line?.split(/(?<!\\) /)).toHaveLength(3);
  });

  it('puts static tags on concurrency and not on collector_run', () => {
    const [concurrency, run] = linesOf(ok({ target: target({ tags: { env: 'prod', team: 'xr' } }) }));
    expect(tagsOf(concurrency as string)).toContain(',env=prod');
    expect(tagsOf(concurrency as string)).toContain(',team=xr');
    expect(tagsOf(run as string)).not.toContain('env=');
    expect(tagsOf(run as string)).not.toContain('team=');
    expect(tagsOf(linesOf(failed({ target: target({ tags: { env: 'prod' } }) }))[0] as string)).not.toContain(
      'env=',
    );
  });

  it('leaves the project tag out when the project is unknown', () => {
    const line = linesOf(
      failed({ adapter: usage, project: undefined, outcome: 'upstream', httpStatus: 503 }),
    )[0];
    expect(tagsOf(line as string)).toBe(
      ',endpoint=metered.usage,outcome=upstream,provider=metered,target=t1',
    );
  });

  it("takes the project from the sample when only the response knows it (Metered's appId)", () => {
    const sample: Sample = { project: 'app_abc', ints: { live: 7 }, strings: {} };
    const [concurrency, run] = linesOf(ok({ adapter: usage, project: undefined, sample }));
    expect(tagsOf(concurrency as string)).toContain(',project=app_abc');
    expect(tagsOf(run as string)).toContain(',project=app_abc');
  });

  it('carries the provider, endpoint and target of the record', () => {
    const [concurrency] = linesOf(ok());
    expect(tagsOf(concurrency as string)).toBe(
      ',endpoint=streampixel.liveStats,env=test,project=p1,provider=streampixel,target=t1',
    );
  });
});

describe('error field', () => {
  it('is omitted when the sample is ok', () => {
    for (const line of linesOf(ok())) expect(line).not.toContain('error=');
  });

  it('is present on a failure', () => {
    expect(linesOf(failed({ error: 'HTTP 500: Internal server error' }))[0]).toContain(
      'error="HTTP 500: Internal server error"',
    );
  });
});

describe('timestamps', () => {
  it('are whole seconds of the scheduled time, the same on both points', () => {
    const lines = linesOf(ok({ at: AT + 10_000 }));
    for (const line of lines) expect(line.endsWith(' 1767225610')).toBe(true);
  });

  it('truncate milliseconds instead of rounding them', () => {
    expect(linesOf(ok({ at: AT + 999 }))[0]?.endsWith(' 1767225600')).toBe(true);
    expect(linesOf(failed({ at: AT + 1_999 }))[0]?.endsWith(' 1767225601')).toBe(true);
  });

  it('do not depend on how long the sample took', () => {
    expect(linesOf(ok({ durationMs: 9_000 }))[0]).toBe(linesOf(ok({ durationMs: 5 }))[0]);
  });
});

describe('the capacity field', () => {
  const metered = (capacity?: number, plan = 250): SampleRecord =>
    ok({
      target: target(capacity === undefined ? {} : { capacity }),
      adapter: usage,
      project: undefined,
      sample: { project: 'app_abc', ints: { live: 7, plan_max_connections: plan }, strings: {} },
    });
  const fieldsOf = (record: SampleRecord) => (linesOf(record)[0] as string).split(' ')[1] as string;

  it("is the target's configured capacity, as an integer, on every concurrency point and never on collector_run", () => {
    const [concurrency, run] = linesOf(ok({ target: target({ capacity: 40 }) }));
    expect(concurrency?.split(' ')[1]).toBe('capacity=40i,live=7i,queued=2i');
    expect(run).not.toContain('capacity');
  });

  it("is the plan's plan_max_connections for an endpoint with plan figures, unless the target configures one", () => {
    expect(fieldsOf(metered())).toBe('capacity=250i,live=7i,plan_max_connections=250i');
    expect(fieldsOf(metered(400))).toBe('capacity=400i,live=7i,plan_max_connections=250i');
  });

  it('is absent when nothing says what the capacity is (no config, no plan, or a plan cap of 0)', () => {
    expect(fieldsOf(ok())).toBe('live=7i,queued=2i');
    expect(fieldsOf(metered(undefined, 0))).toBe('live=7i,plan_max_connections=0i');
  });

  it('on a project of a discovering target is the account capacity, the same on every project', () => {
    const discovering = target({ capacity: 40, projectTags: { project_name: 'Hall', region: 'eu' } });
    const a = linesOf(ok({ target: discovering, project: 'p1' }))[0];
    const b = linesOf(
      ok({ target: discovering, project: 'p2', sample: { ints: { live: 1 }, strings: {} } }),
    )[0];
    expect(a).toContain('capacity=40i');
    expect(b).toContain(' capacity=40i,live=1i ');
  });
});

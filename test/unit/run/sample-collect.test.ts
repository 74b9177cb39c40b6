import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config/load.js';
import type { Target } from '../../../functions/config/schema.js';
import { TransportError } from '../../../functions/http/get.js';
import { WriteError } from '../../../functions/influx/writer.js';
import { collect, type RunPlan } from '../../../functions/run/collect.js';
import {
  DEFAULT_RATE_LIMIT_BACKOFF_MS,
  retryDelayOf,
  type SampleContext,
  takeSample,
} from '../../../functions/run/sample.js';
import { planOnce } from '../../../functions/schedule/plan.js';
import { RunSecrets } from '../../../functions/secrets/run-secrets.js';
import {
  fakeGet,
  MemorySecrets,
  MemorySink,
  MemorySpill,
  manualClock,
  recordingLog,
} from '../../support/fakes.js';

const KEY = 'k-0123456789abcdef';

/** Generic targets: the run knows no provider, so the generic endpoint exercises all of it. */
function targets(...names: string[]): Target[] {
  return parseConfig({
    influx: { url: 'http://127.0.0.1:9', bucket: 'b' },
    targets: names.map((name) => ({
      name,
      endpoint: 'http.json',
      url: `https://stats.example.com/${name}`,
      secret: 'collector/example',
      auth: { type: 'bearer', key: 'apiKey' },
      fields: { live: '/online' },
      interval: '10s',
    })),
  }).targets;
}

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers(headers),
  body: JSON.stringify(value),
});

function contextOf(
  get: SampleContext['get'],
  clock = manualClock(),
  secrets = new MemorySecrets({ 'collector/example': { apiKey: KEY } }),
): SampleContext & { source: MemorySecrets } {
  return {
    secrets: new RunSecrets(secrets),
    source: secrets,
    maxAttempts: 3,
    stopAt: clock.now() + 30_000,
    backoff: new Map(),
    now: clock.now,
    retryDelayMs: 1,
    ...(get ? { get } : {}),
  };
}

describe('takeSample', () => {
  const [target] = targets('t1') as [Target];
  const planned = { target, at: Date.UTC(2026, 0, 1) };

  it('reads a sample through the adapter, with the credential where the target says', async () => {
    const get = fakeGet(() => json({ online: 12 }));
    const record = await takeSample(planned, contextOf(get));
    expect(record).toMatchObject({
      outcome: 'ok',
      attempts: 1,
      httpStatus: 200,
      sample: { ints: { live: 12 } },
    });
    expect(get.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('retries a 5xx and counts the attempts', async () => {
    const get = fakeGet((_, index) => (index === 0 ? json({ message: 'busy' }, 503) : json({ online: 3 })));
    expect(await takeSample(planned, contextOf(get))).toMatchObject({ outcome: 'ok', attempts: 2 });
  });

  it('gives up after maxAttempts and reports the last failure', async () => {
    const get = fakeGet(() => json({ message: 'busy' }, 503));
    const record = await takeSample(planned, contextOf(get));
    expect(record).toMatchObject({
      outcome: 'upstream',
      attempts: 3,
      httpStatus: 503,
      error: 'HTTP 503: busy',
    });
  });

  it('does not poll a scheduled sample whose window has closed: it is missed, not stamped late', async () => {
    const get = fakeGet(() => json({ online: 1 }));
    const context = { ...contextOf(get), windowed: true };
    const record = await takeSample(planned, context, planned.at + 10 * target.interval);
    expect(record).toMatchObject({ outcome: 'missed', attempts: 0 });
    expect(get.requests).toEqual([]);
  });

  it('rests a target after a 429 for as long as asked, and does not poll it meanwhile', async () => {
    const clock = manualClock();
    const get = fakeGet(() => json({ message: 'slow down' }, 429, { 'retry-after': '30' }));
    const context = contextOf(get, clock);
    expect(await takeSample(planned, context)).toMatchObject({ outcome: 'rate_limited', attempts: 1 });
    expect(context.backoff.get('t1')).toBe(clock.now() + 30_000);
    clock.advance(10_000);
    expect(await takeSample(planned, context)).toMatchObject({ outcome: 'rate_limited', attempts: 0 });
    expect(get.requests).toHaveLength(1);
  });

  it('rests a minute after a 429 that names no wait', async () => {
    const clock = manualClock();
    const context = contextOf(
      fakeGet(() => json({ message: 'no' }, 429)),
      clock,
    );
    await takeSample(planned, context);
    expect(context.backoff.get('t1')).toBe(clock.now() + DEFAULT_RATE_LIMIT_BACKOFF_MS);
  });

  it('after a 401, reads the secret once more, bypassing caches, and uses a rotated key', async () => {
    const get = fakeGet((request) =>
      request.headers.authorization === 'Bearer rotated-key-0001' ? json({ online: 5 }) : json({}, 401),
    );
    // A cache that still hands out the old key; only a fresh read sees the rotation.
    const cached = new MemorySecrets({ 'collector/example': { apiKey: KEY } });
    const rotated = new MemorySecrets({ 'collector/example': { apiKey: 'rotated-key-0001' } });
    const context = contextOf(get);
    const secrets = new RunSecrets({
      get: (name, options) => (options?.fresh ? rotated.get(name, options) : cached.get(name)),
    });
    const record = await takeSample(planned, { ...context, secrets });
    expect(record).toMatchObject({ outcome: 'ok', attempts: 2 });
  });

  it('reports auth when the secret did not change, with no credential in the error', async () => {
    const get = fakeGet(() => json({ message: `key ${KEY} is not valid` }, 401));
    const context = contextOf(get);
    const record = await takeSample(planned, context);
    expect(record).toMatchObject({ outcome: 'auth', attempts: 1 });
    expect(record.error).not.toContain(KEY);
    expect(context.source.reads.filter((read) => read.fresh)).toHaveLength(1);
  });

  it('turns a secret without the named key into config, naming secret and key', async () => {
    const context = contextOf(
      fakeGet(() => json({ online: 1 })),
      manualClock(),
      new MemorySecrets({ 'collector/example': { token: KEY } }),
    );
    const record = await takeSample(planned, context);
    expect(record).toMatchObject({ outcome: 'config', attempts: 0 });
    expect(record.error).toBe('secret "collector/example": key "apiKey" is missing');
  });

  it('does not retry when the pause would reach past the stop time', async () => {
    const clock = manualClock();
    const get = fakeGet(() => json({ message: 'busy' }, 503, { 'retry-after': '5' }));
    const context = { ...contextOf(get, clock), stopAt: clock.now() + 4_000 };
    expect(await takeSample(planned, context)).toMatchObject({ outcome: 'upstream', attempts: 1 });
    expect(get.requests).toHaveLength(1);
  });

  it('probes a target whose last sample timed out with one attempt, and retries it fully once it answers', async () => {
    const answers = ['hang', 'hang', 'hang', 'hang', 'ok', 'busy', 'busy', 'busy'];
    const get = fakeGet((_, index) => {
      const answer = answers[index];
      if (answer === 'hang') throw new TransportError('timeout', 'no answer within 10000 ms');
      return answer === 'ok' ? json({ online: 7 }) : json({ message: 'busy' }, 503);
    });
    const context = { ...contextOf(get), timedOut: new Set<string>() };
    expect(await takeSample(planned, context)).toMatchObject({ outcome: 'timeout', attempts: 3 });
    expect([...context.timedOut]).toEqual(['t1']);
    expect(await takeSample(planned, context)).toMatchObject({ outcome: 'timeout', attempts: 1 });
    expect(await takeSample(planned, context)).toMatchObject({ outcome: 'ok', attempts: 1 });
    expect(context.timedOut.size).toBe(0);
    expect(await takeSample(planned, context)).toMatchObject({ outcome: 'upstream', attempts: 3 });
    expect(get.requests).toHaveLength(answers.length);
  });

  it('stops probing a timed-out target once it answers, even with an error', async () => {
    const get = fakeGet((_, index) => {
      if (index === 0) throw new TransportError('timeout', 'no answer within 10000 ms');
      return json({ message: 'busy' }, 503);
    });
    const context = { ...contextOf(get), maxAttempts: 1, timedOut: new Set<string>() };
    await takeSample(planned, context);
    expect(context.timedOut.has('t1')).toBe(true);
    // It answered: a server that answers is retried as any other again.
    expect(await takeSample(planned, { ...context, maxAttempts: 3 })).toMatchObject({
      outcome: 'upstream',
      attempts: 1,
    });
    expect(context.timedOut.has('t1')).toBe(false);
  });

  it('starts no attempt once the run has reached its stop time', async () => {
    const get = fakeGet(() => json({ online: 1 }));
    const context = { ...contextOf(get), stopAt: 0 };
    expect(await takeSample(planned, context)).toMatchObject({ outcome: 'timeout', attempts: 0 });
    expect(get.requests).toEqual([]);
  });
});

describe('collect', () => {
  function planFor(list: Target[], now: number): RunPlan {
    return {
      samples: planOnce(list, now),
      waitForSchedule: false,
      stopSamplingAt: now + 20_000,
      finishBy: now + 40_000,
    };
  }

  function depsOf(sink: MemorySink, spill: MemorySpill | undefined, get: SampleContext['get']) {
    return {
      secrets: new RunSecrets(new MemorySecrets({ 'collector/example': { apiKey: KEY } })),
      sink,
      ...(spill ? { spill } : {}),
      log: recordingLog(),
      concurrency: 4,
      maxAttempts: 2,
      get,
    };
  }

  it('samples every target and writes their points as one batch', async () => {
    const sink = new MemorySink();
    const get = fakeGet((request) => json({ online: request.url.pathname === '/a' ? 1 : 2 }));
    const summary = await collect(
      planFor(targets('a', 'b'), Date.now()),
      depsOf(sink, new MemorySpill(), get),
    );
    expect(summary.records.map((record) => [record.target.name, record.outcome])).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
    ]);
    expect(summary.pointsWritten).toBe(4);
    expect(sink.written).toHaveLength(1);
    expect(sink.lines.filter((line) => line.startsWith('concurrency,'))).toHaveLength(2);
  });

  it('writes a failed sample as collector_run alone, and the run goes on', async () => {
    const sink = new MemorySink();
    const get = fakeGet((request) => (request.url.pathname === '/a' ? json({}, 404) : json({ online: 2 })));
    const summary = await collect(planFor(targets('a', 'b'), Date.now()), depsOf(sink, undefined, get));
    expect(summary.records.map((record) => record.outcome)).toEqual(['not_found', 'ok']);
    expect(sink.lines.filter((line) => line.startsWith('collector_run,'))).toHaveLength(2);
    expect(sink.lines.filter((line) => line.startsWith('concurrency,'))).toHaveLength(1);
  });

  it('spills a batch InfluxDB does not take, and replays it in the next run', async () => {
    const [sink, spill] = [new MemorySink(), new MemorySpill()];
    const get = fakeGet(() => json({ online: 7 }));
    sink.fail = () => new WriteError('connect ECONNREFUSED', 0, true, 3);
    const first = await collect(planFor(targets('a'), Date.now()), depsOf(sink, spill, get));
    expect(first.pointsWritten).toBe(0);
    expect(first.unwritten).toHaveLength(1);
    expect(first.unwritten[0]?.spilledAs).toBeDefined();
    expect(spill.batches.size).toBe(1);

    sink.fail = () => undefined;
    const second = await collect(planFor(targets('a'), Date.now()), depsOf(sink, spill, get));
    expect(second.replay).toMatchObject({ batches: 1, points: 2, remaining: 0 });
    expect(spill.batches.size).toBe(0);
    expect(sink.written).toHaveLength(2);
  });

  it('reports a batch lost, never silently, when it can be neither written nor spilled', async () => {
    const [sink, spill] = [new MemorySink(), new MemorySpill()];
    sink.fail = () => new WriteError('HTTP 503', 503, true, 3);
    spill.failPut = true;
    const deps = depsOf(
      sink,
      spill,
      fakeGet(() => json({ online: 7 })),
    );
    const summary = await collect(planFor(targets('a'), Date.now()), deps);
    expect(summary.unwritten).toHaveLength(1);
    expect(summary.unwritten[0]?.spilledAs).toBeUndefined();
    expect(deps.log.entries.map((entry) => entry.message)).toContain('write failed: batch lost');
  });

  it('keeps lines InfluxDB refuses under rejected/, writing the rest', async () => {
    const [sink, spill] = [new MemorySink(), new MemorySpill()];
    sink.fail = (lines) =>
      lines.some((line) => line.startsWith('concurrency,'))
        ? new WriteError('unable to parse', 400, false, 1)
        : undefined;
    const summary = await collect(
      planFor(targets('a'), Date.now()),
      depsOf(
        sink,
        spill,
        fakeGet(() => json({ online: 7 })),
      ),
    );
    expect(summary.rejected).toBe(1);
    expect(summary.pointsWritten).toBe(1);
    expect(spill.rejected.map((entry) => entry.lines[0]?.split(',')[0])).toEqual(['concurrency']);
  });
});

describe('retryDelayOf', () => {
  it('doubles per attempt with a jitter factor from 1 to 2, and stays within 4 s', () => {
    for (let attemptNo = 1; attemptNo <= 6; attemptNo++) {
      const base = Math.min(4_000, 250 * 2 ** (attemptNo - 1));
      for (let draw = 0; draw < 50; draw++) {
        const delay = retryDelayOf(attemptNo, 250);
        expect(delay).toBeGreaterThanOrEqual(base);
        expect(delay).toBeLessThanOrEqual(Math.min(4_000, 2 * base));
      }
    }
  });
});

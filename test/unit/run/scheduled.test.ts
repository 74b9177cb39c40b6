import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config/load.js';
import { TransportError } from '../../../functions/http/get.js';
import { CarriedBackoff, scopeOf } from '../../../functions/run/backoff.js';
import { scheduledRun, summaryFields } from '../../../functions/run/scheduled.js';
import { RunSecrets } from '../../../functions/secrets/run-secrets.js';
import { fakeGet, MemorySecrets, MemorySink, MemorySpill, recordingLog } from '../../support/fakes.js';

const config = parseConfig({
  influx: { url: 'http://127.0.0.1:9', bucket: 'b' },
  targets: ['fast', 'resting'].map((name) => ({
    name,
    endpoint: 'http.json',
    url: `https://stats.example.com/${name}`,
    secret: 'collector/example',
    auth: { type: 'header', name: 'X-Key', key: 'apiKey' },
    fields: { live: '/n' },
    interval: name === 'fast' ? '10s' : '1m',
  })),
});

describe('scheduledRun', () => {
  it("takes the tick's plan, marks closed windows missed, and carries the back-offs of an earlier process on", async () => {
    const tick = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const [sink, spill, log] = [new MemorySink(), new MemorySpill(), recordingLog()];
    const names = config.targets.map((target) => target.name);
    const until = Date.now() + 30_000;
    spill.state.set(scopeOf(names), JSON.stringify({ resting: until }));
    const get = fakeGet(() => ({ body: JSON.stringify({ n: 4 }) }));

    const summary = await scheduledRun(
      { config, targets: config.targets, tick, finishBy: Date.now() + 60_000 },
      {
        secrets: new RunSecrets(new MemorySecrets({ 'collector/example': { apiKey: 'k-1234' } })),
        sink,
        spill,
        log,
        get,
        backoff: new CarriedBackoff(spill, log),
      },
    );

    // A past tick: six samples of the 10 s target, each at its own time, all past their window, so missed and not
    // requested; the back-off read from the store is saved back for the next process.
    const fast = summary.records.filter((record) => record.target.name === 'fast');
    expect(fast.map((record) => record.at - tick)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(new Set(summary.records.map((record) => record.outcome))).toEqual(new Set(['missed']));
    expect(get.requests).toHaveLength(0);
    expect(JSON.parse(spill.state.get(scopeOf(names)) as string)).toEqual({ resting: until });
    expect(summaryFields(summary)).toMatchObject({ samples: 7, ok: 0, failed: 0, missed: 7, points_lost: 0 });
  });

  it('probes a target that timed out in the run before with one attempt, as a warm function does', async () => {
    const targets = config.targets.filter((target) => target.name === 'resting');
    const log = recordingLog();
    const backoff = new CarriedBackoff(undefined, log);
    const get = fakeGet(() => {
      throw new TransportError('timeout', 'no answer within 10000 ms');
    });
    const run = () =>
      scheduledRun(
        { config, targets, tick: Date.now(), finishBy: Date.now() + 60_000, missClosedWindows: false },
        {
          secrets: new RunSecrets(new MemorySecrets({ 'collector/example': { apiKey: 'k-1234' } })),
          sink: new MemorySink(),
          log,
          get,
          backoff,
        },
      );

    expect((await run()).records).toMatchObject([{ outcome: 'timeout', attempts: config.maxAttempts }]);
    expect((await run()).records).toMatchObject([{ outcome: 'timeout', attempts: 1 }]);
    expect(get.requests).toHaveLength(config.maxAttempts + 1);
  });
});

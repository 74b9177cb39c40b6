import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config/load.js';
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
  it("takes the tick's plan, honours back-offs carried from an earlier process, and carries them on", async () => {
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

    // Six samples of the 10 s target in the tick's minute, each at its own time; the resting one not polled.
    const fast = summary.records.filter((record) => record.target.name === 'fast');
    expect(fast.map((record) => record.at - tick)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(fast.every((record) => record.outcome === 'ok')).toBe(true);
    expect(summary.records.find((record) => record.target.name === 'resting')?.outcome).toBe('rate_limited');
    expect(get.requests).toHaveLength(6);
    expect(JSON.parse(spill.state.get(scopeOf(names)) as string)).toEqual({ resting: until });
    expect(summaryFields(summary)).toEqual({
      samples: 7,
      ok: 6,
      failed: 1,
      points_written: 13,
      points_spilled: 0,
      points_rejected: 0,
      points_lost: 0,
      points_replayed: 0,
      spill_waiting: 0,
    });
  });
});

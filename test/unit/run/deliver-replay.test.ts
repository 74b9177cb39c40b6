import { describe, expect, it } from 'vitest';
import { WriteError } from '../../../functions/influx/writer.js';
import { deliver } from '../../../functions/run/deliver.js';
import { replaySpilled } from '../../../functions/run/replay.js';
import { MemorySink, MemorySpill, manualClock, recordingLog } from '../../support/fakes.js';

const DEADLINE = Date.UTC(2030, 0, 1);
const lines = (n: number, tag = 'ok') => Array.from({ length: n }, (_, i) => `m,t=${tag} v=${i}i ${i}`);
const refused = () => new WriteError('partial write: unable to parse', 400, false, 1);
const down = () => new WriteError('connect ECONNREFUSED', 0, true, 3);

describe('deliver', () => {
  it('writes nothing for an empty batch', async () => {
    const sink = new MemorySink();
    expect(await deliver(sink, [], DEADLINE)).toEqual({ written: 0, rejected: [], unsent: [] });
    expect(sink.calls).toEqual([]);
  });

  it('writes a batch in one request, passing the deadline', async () => {
    const sink = new MemorySink();
    expect(await deliver(sink, lines(5), DEADLINE)).toEqual({ written: 5, rejected: [], unsent: [] });
    expect(sink.calls).toEqual([{ lines: lines(5), options: { deadline: DEADLINE } }]);
  });

  it('keeps every line unsent, with the error, when InfluxDB is down', async () => {
    const sink = new MemorySink();
    sink.fail = down;
    const delivery = await deliver(sink, lines(4), DEADLINE);
    expect(delivery.written).toBe(0);
    expect(delivery.unsent).toEqual(lines(4));
    expect(delivery.error?.retryable).toBe(true);
  });

  it('halves a refused batch until the malformed lines stand alone, writing all the others', async () => {
    const sink = new MemorySink();
    const bad = ['bad line one', 'bad line two'];
    const batch = [...lines(3), bad[0] as string, ...lines(4, 'x'), bad[1] as string];
    sink.fail = (sent) => (sent.some((line) => line.startsWith('bad')) ? refused() : undefined);
    const delivery = await deliver(sink, batch, DEADLINE);
    expect(delivery.written).toBe(batch.length - 2);
    expect(delivery.rejected.map((r) => r.lines)).toEqual([[bad[0]], [bad[1]]]);
    expect(delivery.unsent).toEqual([]);
    expect(sink.lines.sort()).toEqual(batch.filter((line) => !line.startsWith('bad')).sort());
  });

  it('treats an unexpected exception as a retryable failure, not a crash', async () => {
    const sink = new MemorySink();
    sink.fail = () => new TypeError('socket hang up');
    const delivery = await deliver(sink, lines(2), DEADLINE);
    expect(delivery.unsent).toEqual(lines(2));
    expect(delivery.error).toBeInstanceOf(WriteError);
    expect(delivery.error?.message).toContain('socket hang up');
  });
});

describe('replaySpilled', () => {
  it('writes spilled batches oldest first and deletes each once written', async () => {
    const [sink, spill, clock, log] = [new MemorySink(), new MemorySpill(), manualClock(), recordingLog()];
    await spill.put(lines(2, 'late'), 2_000);
    await spill.put(lines(3, 'early'), 1_000);
    const summary = await replaySpilled(spill, sink, clock.now() + 1_000, log, undefined, clock.now);
    expect(summary).toEqual({ batches: 2, points: 5, rejected: 0, remaining: 0 });
    expect(sink.written).toEqual([lines(3, 'early'), lines(2, 'late')]);
    expect(spill.batches.size).toBe(0);
    expect(log.entries.map((entry) => entry.message)).toEqual(['replayed spilled batches']);
  });

  it('stops at the first batch InfluxDB still refuses to take, deleting nothing it did not write', async () => {
    const [sink, spill, clock, log] = [new MemorySink(), new MemorySpill(), manualClock(), recordingLog()];
    await spill.put(lines(1, 'a'), 1_000);
    await spill.put(lines(1, 'b'), 2_000);
    sink.fail = down;
    const summary = await replaySpilled(spill, sink, clock.now() + 1_000, log, undefined, clock.now);
    expect(summary).toEqual({ batches: 0, points: 0, rejected: 0, remaining: 2 });
    expect(spill.batches.size).toBe(2);
    expect(log.entries[0]).toMatchObject({
      level: 'warn',
      message: 'replay stopped: InfluxDB still failing',
    });
  });

  it('moves refused lines to rejected/ and still deletes the batch', async () => {
    const [sink, spill, clock] = [new MemorySink(), new MemorySpill(), manualClock()];
    await spill.put(['bad', ...lines(2)], 1_000);
    sink.fail = (sent) => (sent.includes('bad') ? refused() : undefined);
    const summary = await replaySpilled(
      spill,
      sink,
      clock.now() + 1_000,
      recordingLog(),
      undefined,
      clock.now,
    );
    expect(summary).toEqual({ batches: 1, points: 2, rejected: 1, remaining: 0 });
    expect(spill.rejected).toEqual([
      { lines: ['bad'], message: 'partial write: unable to parse', at: clock.now() },
    ]);
    expect(spill.batches.size).toBe(0);
  });

  it('leaves the rest for the next run once its share of the run is over', async () => {
    const [sink, spill, clock] = [new MemorySink(), new MemorySpill(), manualClock()];
    for (const at of [1_000, 2_000, 3_000]) await spill.put(lines(1), at);
    const until = clock.now() + 100;
    sink.fail = () => {
      clock.advance(100);
      return undefined;
    };
    const summary = await replaySpilled(spill, sink, until, recordingLog(), undefined, clock.now);
    expect(summary).toEqual({ batches: 1, points: 1, rejected: 0, remaining: 2 });
    expect(spill.batches.size).toBe(2);
  });
});

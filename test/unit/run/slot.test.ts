import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bulkOf, gatherSlot, MIN_GRACE_MS, writeDeadlineOf } from '../../../functions/run/slot.js';

/** A sample that finishes when the test says so. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('bulkOf', () => {
  it('leaves out the slowest twentieth, at least one, except from a slot of one', () => {
    expect([0, 1, 2, 10, 20, 100, 200, 1_000].map(bulkOf)).toEqual([0, 1, 1, 9, 19, 95, 190, 950]);
  });
});

describe('writeDeadlineOf', () => {
  const timing = { reachedAt: 1_000, latestAt: 31_000, now: () => 0 };
  it('gives the stragglers a quarter of the time the bulk took', () => {
    expect(writeDeadlineOf(timing, 1_400)).toBe(1_500);
  });
  it('never less than the minimum grace, never past the latest time', () => {
    expect(writeDeadlineOf(timing, 1_010)).toBe(1_010 + MIN_GRACE_MS);
    expect(writeDeadlineOf(timing, 30_000)).toBe(31_000);
  });
});

describe('gatherSlot', () => {
  it('returns at once when every sample is done, with nothing late', async () => {
    const samples = [1, 2, 3].map((value) => Promise.resolve(value));
    const onLate = vi.fn(async () => {});
    const gathered = await gatherSlot(
      samples,
      { reachedAt: Date.now(), latestAt: Date.now() + 30_000, now: Date.now },
      onLate,
    );
    expect(gathered.onTime.sort()).toEqual([1, 2, 3]);
    await gathered.late;
    expect(onLate).not.toHaveBeenCalled();
  });

  it('writes the bulk at its deadline while one hangs, then hands the late one over alone, once', async () => {
    const started = Date.now();
    const hanging = deferred<number>();
    const healthy = Array.from({ length: 19 }, () => deferred<number>());
    const late: number[] = [];
    let done = false;
    const gathering = gatherSlot(
      [hanging.promise, ...healthy.map((one) => one.promise)],
      { reachedAt: started, latestAt: started + 30_000, now: Date.now },
      async (value) => {
        late.push(value);
      },
    ).then((gathered) => {
      done = true;
      return gathered;
    });
    await vi.advanceTimersByTimeAsync(400);
    healthy.forEach((one, index) => {
      one.resolve(index);
    });
    // The bulk (19 of 20) was done at 400 ms: the grace is a quarter of that.
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    const gathered = await gathering;
    expect(gathered.onTime.sort((a, b) => a - b)).toEqual(healthy.map((_, index) => index));
    expect(late).toEqual([]);
    hanging.resolve(99);
    await gathered.late;
    expect(late).toEqual([99]);
    expect(gathered.onTime).not.toContain(99);
  });

  it('stops waiting at the latest time when more than the stragglers hang', async () => {
    const started = Date.now();
    const samples = Array.from({ length: 10 }, () => deferred<number>());
    let done = false;
    const gathering = gatherSlot(
      samples.map((one) => one.promise),
      { reachedAt: started, latestAt: started + 5_000, now: Date.now },
      async () => {},
    ).then((gathered) => {
      done = true;
      return gathered;
    });
    samples[0]?.resolve(0);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await gathering).onTime).toEqual([0]);
  });

  it('a sample that finishes between the bulk and the deadline is on time', async () => {
    const started = Date.now();
    const samples = Array.from({ length: 3 }, () => deferred<string>());
    const late: string[] = [];
    const gathering = gatherSlot(
      samples.map((one) => one.promise),
      { reachedAt: started, latestAt: started + 30_000, now: Date.now },
      async (value) => {
        late.push(value);
      },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    samples[0]?.resolve('a');
    samples[1]?.resolve('b');
    await vi.advanceTimersByTimeAsync(200);
    samples[2]?.resolve('c');
    const gathered = await gathering;
    await gathered.late;
    expect(gathered.onTime).toEqual(['a', 'b', 'c']);
    expect(late).toEqual([]);
  });
});

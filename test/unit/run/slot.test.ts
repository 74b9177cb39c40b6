import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  bulkOf,
  gatherSlot,
  MIN_ALLOWANCE_MS,
  type SlotSample,
  STRAGGLER_FACTOR,
  writeDeadlineOf,
} from '../../../functions/run/slot.js';

/** A sample that starts and finishes when the test says so. */
interface Controlled<T> extends SlotSample<T> {
  start(): void;
  finish(value: T): void;
}

function controlled<T>(startNow = true): Controlled<T> {
  let finish: (value: T) => void = () => {};
  const result = new Promise<T>((done) => {
    finish = done;
  });
  let started: number | undefined = startNow ? Date.now() : undefined;
  return {
    result,
    startedAt: () => started,
    start: () => {
      started = Date.now();
    },
    finish: (value) => finish(value),
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Gathers a slot reached now, with a latest time 30 s on, keeping what is handed over late. */
function gather<T>(samples: SlotSample<T>[], latestInMs = 30_000) {
  const late: T[] = [];
  let done = false;
  const gathering = gatherSlot(
    samples,
    { reachedAt: Date.now(), latestAt: Date.now() + latestInMs, now: Date.now },
    async (value) => {
      late.push(value);
    },
  ).then((gathered) => {
    done = true;
    return gathered;
  });
  return { gathering, late, isDone: () => done };
}

describe('bulkOf', () => {
  it('leaves out the slowest twentieth, at least one, except from a slot of one', () => {
    expect([0, 1, 2, 10, 20, 100, 200, 1_000].map(bulkOf)).toEqual([0, 1, 1, 9, 19, 95, 190, 950]);
  });
});

describe('writeDeadlineOf', () => {
  const timing = { reachedAt: 1_000, latestAt: 31_000, now: () => 2_000 };
  it('gives each sample still out the straggler factor times the slowest finished duration from its start', () => {
    expect(writeDeadlineOf(timing, 200, [1_950, 1_990])).toBe(1_990 + STRAGGLER_FACTOR * 200);
  });
  it('gives at least the minimum allowance, against fast answers on a busy machine', () => {
    expect(writeDeadlineOf(timing, 5, [1_990])).toBe(1_990 + MIN_ALLOWANCE_MS);
  });
  it('counts a sample not started yet from now, and one overdue not at all', () => {
    expect(writeDeadlineOf(timing, 200, [undefined])).toBe(2_000 + STRAGGLER_FACTOR * 200);
    expect(writeDeadlineOf(timing, 200, [1_000])).toBe(2_000);
  });
  it('never goes past the latest time', () => {
    expect(writeDeadlineOf(timing, 100_000, [1_990])).toBe(31_000);
  });
});

describe('gatherSlot', () => {
  it('returns once every sample is done, with nothing late', async () => {
    const samples = [1, 2, 3].map(() => controlled<number>());
    const { gathering, late } = gather(samples);
    samples.forEach((sample, index) => {
      sample.finish(index);
    });
    const gathered = await gathering;
    await gathered.late;
    expect(gathered.onTime.sort()).toEqual([0, 1, 2]);
    expect(late).toEqual([]);
  });

  it('writes the bulk as soon as only a sample hanging since the start is left, then hands it over alone, once', async () => {
    const hanging = controlled<number>();
    const healthy = Array.from({ length: 19 }, () => controlled<number>());
    const { gathering, late, isDone } = gather([hanging, ...healthy]);
    await vi.advanceTimersByTimeAsync(200);
    healthy.forEach((one, index) => {
      one.finish(index);
    });
    // The hanging one has been out as long as the healthy ones took: it is overdue at the factor times that.
    await vi.advanceTimersByTimeAsync(STRAGGLER_FACTOR * 200 - 200 - 1);
    expect(isDone()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(isDone()).toBe(true);
    const gathered = await gathering;
    expect(gathered.onTime.sort((a, b) => a - b)).toEqual(healthy.map((_, index) => index));
    hanging.finish(99);
    await gathered.late;
    expect(late).toEqual([99]);
    expect(gathered.onTime).not.toContain(99);
  });

  it('waits for a healthy straggler that started late, within the slowest finished duration', async () => {
    const early = Array.from({ length: 19 }, () => controlled<string>());
    const straggler = controlled<string>(false);
    const { gathering, late, isDone } = gather([...early, straggler]);
    await vi.advanceTimersByTimeAsync(200);
    early.forEach((one) => {
      one.finish('early');
    });
    straggler.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(isDone()).toBe(false);
    straggler.finish('late start');
    const gathered = await gathering;
    await gathered.late;
    expect(gathered.onTime).toContain('late start');
    expect(late).toEqual([]);
  });

  it('stops waiting at the latest time when more than the stragglers hang', async () => {
    const samples = Array.from({ length: 10 }, () => controlled<number>());
    const { gathering, isDone } = gather(samples, 5_000);
    samples[0]?.finish(0);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(isDone()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await gathering).onTime).toEqual([0]);
  });
});

/**
 * When a slot's batch is written. A slot's samples run together; one target that accepts a connection and never
 * answers must not hold back the others' write for its timeouts and retries. So the batch goes out as soon as
 * every sample is done, or at the slot's write deadline, whichever comes first; a sample that finishes after it
 * is handed over on its own, to be written in a batch of its own.
 *
 * The write deadline follows from the healthy samples. Once all but the slowest twentieth (at least one) are
 * done, the longest of the finished samples' durations is what a healthy sample may take: it grows with the
 * provider's spread and with a busy machine's scheduling noise alike. Each sample still out gets
 * {@link STRAGGLER_FACTOR} times that (at least {@link MIN_ALLOWANCE_MS}) from its own start (one still queued
 * behind the concurrency bound, from now). So a healthy straggler that began late is waited for, while a request that has been hanging since the
 * slot began is not: the batch goes as soon as only such requests are left. Half the slot's shortest interval
 * (`latestAt`) caps it: the batch is out before the same targets' next slot begins.
 */

/** Share of a slot's samples the bulk leaves out: those the batch may go without once the bulk is done. */
export const STRAGGLER_SHARE = 0.05;
/** How many times the slowest finished sample's duration one still out may take, from its start, before the batch leaves it. */
export const STRAGGLER_FACTOR = 1.5;
/**
 * The least time, in ms, a sample still out gets from its start: a few event-loop turns, so that answers of a
 * millisecond or two do not leave a sample behind that is merely being parsed.
 */
export const MIN_ALLOWANCE_MS = 50;

export interface SlotTiming {
  /** Epoch ms at which the run reached the slot and its samples began. */
  reachedAt: number;
  /** Epoch ms by which the batch is written whatever is still out. */
  latestAt: number;
  now: () => number;
}

/** One sample of a slot, as the run takes it. */
export interface SlotSample<T> {
  /** Settles with the sample; `takeSample` never rejects. */
  result: Promise<T>;
  /** Epoch ms at which the sample began, once it did (it may wait for the run's concurrency bound first). */
  startedAt(): number | undefined;
}

export interface GatheredSlot<T> {
  /** The samples done by the write deadline, in the order they finished. */
  onTime: T[];
  /** Settles once every sample that finished later was handed to `onLate` and its promise settled. */
  late: Promise<void>;
}

/** How many samples of a slot of `size` make its bulk. */
export function bulkOf(size: number): number {
  if (size <= 1) return size;
  return size - Math.max(1, Math.floor(size * STRAGGLER_SHARE));
}

/**
 * The write deadline once the bulk is done: each sample still out may take {@link STRAGGLER_FACTOR} times the
 * slowest finished sample's duration (at least {@link MIN_ALLOWANCE_MS}) from its start (`undefined`: not
 * started, counted from `now`); never past `latestAt`.
 */
export function writeDeadlineOf(
  timing: SlotTiming,
  slowestMs: number,
  pendingStarts: readonly (number | undefined)[],
): number {
  const now = timing.now();
  const allowance = Math.max(MIN_ALLOWANCE_MS, STRAGGLER_FACTOR * slowestMs);
  let deadline = now;
  for (const start of pendingStarts) deadline = Math.max(deadline, (start ?? now) + allowance);
  return Math.min(timing.latestAt, deadline);
}

/**
 * Waits for a slot's samples until they are all done or the write deadline passes, and hands each sample that
 * finishes later to `onLate`. Every sample ends up in exactly one of the two: none is lost, none handed twice.
 */
export function gatherSlot<T>(
  samples: readonly SlotSample<T>[],
  timing: SlotTiming,
  onLate: (sample: T) => Promise<void>,
): Promise<GatheredSlot<T>> {
  const onTime: T[] = [];
  let slowest = 0;
  const done = new Set<number>();
  const bulk = bulkOf(samples.length);
  let released = false;
  let timer: NodeJS.Timeout | undefined;
  let release: () => void = () => {};
  const gathered = new Promise<void>((resolve) => {
    release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      resolve();
    };
  });
  const armAt = (deadline: number): void => {
    clearTimeout(timer);
    const wait = deadline - timing.now();
    if (wait <= 0) release();
    else timer = setTimeout(release, wait);
  };
  const rearm = (): void => {
    const pending = samples.filter((_, index) => !done.has(index)).map((sample) => sample.startedAt());
    armAt(writeDeadlineOf(timing, slowest, pending));
  };
  const late = Promise.all(
    samples.map((sample, index) =>
      sample.result.then((value) => {
        if (released) return onLate(value);
        done.add(index);
        onTime.push(value);
        slowest = Math.max(slowest, timing.now() - (sample.startedAt() ?? timing.reachedAt));
        if (onTime.length === samples.length) release();
        else if (onTime.length >= bulk) rearm();
        return undefined;
      }),
    ),
  ).then(() => undefined);
  if (samples.length === 0) release();
  else armAt(timing.latestAt);
  // A rejection reaches the caller through `late`; the on-time batch must still go out.
  late.catch(release);
  return gathered.then(() => ({ onTime: [...onTime], late }));
}

/**
 * When a slot's batch is written. A slot's samples run together; one target that accepts a connection and never
 * answers must not hold back the others' write for its timeouts and retries. So the batch goes out as soon as
 * every sample is done, or at the slot's write deadline, whichever comes first; a sample that finishes after it
 * is handed over on its own, to be written in a batch of its own.
 *
 * The write deadline follows from the healthy samples: once all but the slowest twentieth (at least one) are
 * done, the rest get a grace of a quarter of the time the bulk took (at least {@link MIN_GRACE_MS}). Samples of
 * one slot share a latency and a concurrency bound, so the healthy stragglers finish within it, and a hanging
 * one costs the slot's freshness a quarter at most. Half the slot's shortest interval (`latestAt`) caps it:
 * the batch is out before the same targets' next slot begins.
 */

/** Share of a slot's samples the bulk leaves out: those the batch does not wait for once the bulk is done. */
export const STRAGGLER_SHARE = 0.05;
/** Grace after the bulk, as a share of the time the bulk took since the slot was reached. */
export const GRACE_SHARE = 0.25;
/** The shortest grace, in ms: timer and scheduling noise on a busy machine. */
export const MIN_GRACE_MS = 20;

export interface SlotTiming {
  /** Epoch ms at which the run reached the slot and its samples began. */
  reachedAt: number;
  /** Epoch ms by which the batch is written whatever is still out. */
  latestAt: number;
  now: () => number;
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

/** The write deadline once the bulk was done at `bulkDoneAt` (epoch ms). */
export function writeDeadlineOf(timing: SlotTiming, bulkDoneAt: number): number {
  const grace = Math.max(MIN_GRACE_MS, GRACE_SHARE * (bulkDoneAt - timing.reachedAt));
  return Math.min(timing.latestAt, bulkDoneAt + grace);
}

/**
 * Waits for a slot's samples until they are all done or the write deadline passes, and hands each sample that
 * finishes later to `onLate`. Every sample ends up in exactly one of the two: none is lost, none handed twice.
 * The samples must not reject (`takeSample` never throws); one that does rejects `late`.
 */
export function gatherSlot<T>(
  samples: readonly Promise<T>[],
  timing: SlotTiming,
  onLate: (sample: T) => Promise<void>,
): Promise<GatheredSlot<T>> {
  const onTime: T[] = [];
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
    timer = setTimeout(release, Math.max(0, deadline - timing.now()));
  };
  const late = Promise.all(
    samples.map((sample) =>
      sample.then((value) => {
        if (released) return onLate(value);
        onTime.push(value);
        if (onTime.length === samples.length) release();
        else if (onTime.length === bulk) armAt(writeDeadlineOf(timing, timing.now()));
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

/**
 * How long a shard's tick lasts on Lambda. A function gets CPU in proportion to its memory (1769 MB is one
 * vCPU), so a tick is the longer of its wait for answers and its CPU time stretched by that share: at 256 MB a
 * tick that costs 700 ms of CPU on a whole core takes about 4.8 s. `npm run bench` measures both figures.
 */

/**
 * The collector function's memory, in MB: a run mostly waits, so its cost is memory × duration; 256 MB holds a
 * 200-target shard (docs/performance.md) and buys 0.145 vCPU, which shard sizing accounts for.
 */
export const COLLECTOR_MEMORY_MB = 256;

/** Lambda gives a function one vCPU's worth of CPU time at this memory size, and a proportional share below it. */
export const MB_PER_VCPU = 1_769;

/**
 * CPU time of one sample on one vCPU, in ms: the deployed handler bundle's warm ticks in `npm run bench`
 * (docs/performance.md), rounded up; the whole of a tick's CPU (requests, parsing, points, the write) per sample.
 */
export const CPU_MS_PER_SAMPLE = 1;

/** The answer time sizing assumes per request, in ms: the slow end of what the providers' APIs take. */
export const ASSUMED_LATENCY_MS = 300;

export interface TickShape {
  /** Requests one run keeps in flight (`concurrency`). */
  inFlight: number;
  /** The function's memory, in MB. */
  memoryMb: number;
}

/** The estimated wall time of one slot of `samples` samples on Lambda, in ms: waiting or CPU, whichever is longer. */
export function estimatedTickMs(samples: number, shape: TickShape): number {
  const waiting = Math.ceil(samples / shape.inFlight) * ASSUMED_LATENCY_MS;
  const cpu = (samples * CPU_MS_PER_SAMPLE * MB_PER_VCPU) / shape.memoryMb;
  return Math.max(waiting, cpu);
}

/**
 * The most samples one slot of a shard may hold so that its tick fits in half of `intervalMs` (the slot's
 * batch is written, and the run is ready for the next slot, with half an interval to spare); at least one.
 */
export function maxSamplesPerTick(intervalMs: number, shape: TickShape): number {
  const budget = intervalMs / 2;
  let low = 1;
  let high = 1;
  while (estimatedTickMs(high * 2, shape) <= budget) high *= 2;
  high *= 2;
  // The estimate grows with the samples: the largest count within the budget lies in [low, high).
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (estimatedTickMs(middle, shape) <= budget) low = middle;
    else high = middle;
  }
  return low;
}

import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8 from collecting the heap in the idle gap after a tick, for a process that polls on a schedule (the
 * CLI's loop, a warm Lambda environment). Call it once, before the first tick.
 *
 * Why: V8's memory reducer starts full collections when the mutator goes quiet, about 8 s after the heap
 * grew, which for a poller means in the gap after nearly every tick. Such a collection clears the maps of the
 * finished tick's objects, and V8 throws away the optimised code that checked them (`--trace-deopt`: "weak
 * objects"), to compile it again over the next ticks. Measured (docs/performance.md): at 100 targets polled
 * every 2 s that was 40–50 % of the CLI's CPU time per sample. The reducer can only start incremental marking,
 * so without incremental marking it never runs; a full collection still happens when the old generation
 * reaches its limit, in one pause: tens of ms on these heaps, by which a sample's `duration_ms` may read long.
 *
 * Set at run time because Lambda accepts no V8 flag in `NODE_OPTIONS`; V8 reads this one each time it decides
 * whether to start marking. `--no-memory-reducer` is read once, at start-up, so setting it here would do nothing.
 */
export function keepCompiledCodeAcrossIdleGaps(): void {
  setFlagsFromString('--no-incremental-marking');
}

import type { Target } from '../config/schema.js';
import { MINUTE_MS } from '../time/units.js';

/** One sample to take: which target, at which scheduled time (ms since the epoch). */
export interface PlannedSample {
  target: Target;
  at: number;
}

/**
 * How EventBridge serves an interval. A schedule fires at most once a minute, so a sub-minute target is
 * sampled `60 / interval` times within each one-minute run; longer intervals are the schedule's own rate.
 */
export function scheduleOf(intervalMs: number): { rateMinutes: number; samplesPerRun: number } {
  if (intervalMs < MINUTE_MS) return { rateMinutes: 1, samplesPerRun: MINUTE_MS / intervalMs };
  return { rateMinutes: intervalMs / MINUTE_MS, samplesPerRun: 1 };
}

/** The scheduled time a run triggered at `tickMs` assigns to a target's first sample: the tick on its interval. */
export function firstSampleTime(tickMs: number, intervalMs: number): number {
  const step = Math.max(intervalMs, MINUTE_MS);
  return Math.floor(tickMs / step) * step;
}

/** Every sample a scheduled run owes, in time order: the tick's sample times, offsets included. */
export function planTick(targets: readonly Target[], tickMs: number): PlannedSample[] {
  const planned: PlannedSample[] = [];
  for (const target of targets) {
    const start = firstSampleTime(tickMs, target.interval);
    const { samplesPerRun } = scheduleOf(target.interval);
    for (let index = 0; index < samplesPerRun; index++) {
      planned.push({ target, at: start + index * target.interval });
    }
  }
  return planned.sort((a, b) => a.at - b.at);
}

/** `--once`: one sample of each target, now, stamped with the current time truncated to its interval. */
export function planOnce(targets: readonly Target[], nowMs: number): PlannedSample[] {
  return targets.map((target) => ({ target, at: Math.floor(nowMs / target.interval) * target.interval }));
}

/** Samples grouped by scheduled time, oldest first: each group is polled together and written as one batch. */
export function slotsOf(planned: readonly PlannedSample[]): PlannedSample[][] {
  const byTime = new Map<number, PlannedSample[]>();
  for (const sample of planned) {
    const slot = byTime.get(sample.at);
    if (slot) slot.push(sample);
    else byTime.set(sample.at, [sample]);
  }
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([, slot]) => slot);
}

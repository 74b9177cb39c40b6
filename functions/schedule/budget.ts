import type { Config, Target } from '../config/schema.js';
import { projectsOf } from '../providers/discovering.js';
import { scheduleOf } from './plan.js';

/** Time kept after the last sample for the final batch: InfluxDB's timeout per attempt, plus backoff. */
export function writeReserveMs(config: Pick<Config, 'influx' | 'maxAttempts'>): number {
  return config.influx.timeout * config.maxAttempts + 5_000;
}

/** The worst case of one sample: every attempt times out, with the backoff between attempts (at most 4 s). */
export function sampleWorstCaseMs(target: Target, maxAttempts: number): number {
  return target.timeout * maxAttempts + 4_000 * (maxAttempts - 1);
}

/**
 * How long a run of these targets may take at worst: its last sample's offset in the minute, that sample's
 * worst case, and the final write. A target that discovers its projects polls up to `maxProjects` of them, at
 * most `maxInFlightPerAccount` at a time. The Lambda timeout is derived from it, so that a run always ends.
 */
export function runBudgetMs(
  targets: readonly Target[],
  config: Pick<Config, 'influx' | 'maxAttempts' | 'maxInFlightPerAccount'>,
): number {
  let sampling = 0;
  for (const target of targets) {
    const lastOffset = (scheduleOf(target.interval).samplesPerRun - 1) * target.interval;
    const rounds = Math.ceil(projectsOf(target) / config.maxInFlightPerAccount);
    sampling = Math.max(sampling, lastOffset + rounds * sampleWorstCaseMs(target, config.maxAttempts));
  }
  return sampling + writeReserveMs(config);
}

import type { Config, Target } from '../config/schema.js';
import { writeReserveMs } from '../schedule/budget.js';
import { planTick } from '../schedule/plan.js';
import type { CarriedBackoff } from './backoff.js';
import { scopeOf } from './backoff.js';
import { collect, limitsOf, type RunDependencies, type RunSummary, tally } from './collect.js';

/** One run of the schedule: which targets, for which tick, until when. */
export interface ScheduledRun {
  config: Pick<Config, 'influx' | 'concurrency' | 'maxInFlightPerAccount' | 'maxAttempts'>;
  targets: readonly Target[];
  /** The schedule's time, ms since the epoch: the run owes the samples `planTick` derives from it. */
  tick: number;
  /** Epoch ms by which every write and spill must be over; sampling stops the write reserve earlier. */
  finishBy: number;
  /** A sample whose window closed before the run reached it is recorded `missed`, not polled. @default true */
  missClosedWindows?: boolean;
}

export type ScheduledRunDependencies = Omit<
  RunDependencies,
  'concurrency' | 'maxInFlightPerAccount' | 'maxAttempts' | 'backoff'
> & {
  /**
   * 429 back-offs carried across runs and processes (loaded before the run, saved after it), and the targets
   * that last timed out, across the runs of this process.
   */
  backoff?: CarriedBackoff;
  /** The target names that scope the carried back-offs. @default the run's targets */
  scope?: readonly string[];
};

/**
 * A scheduled run as the Lambda handler, the CLI's loop and the tests all take it: the tick's plan, sampling
 * stopped in time to write, the config's limits, and the back-offs of earlier runs carried in and out.
 */
export async function scheduledRun(run: ScheduledRun, deps: ScheduledRunDependencies): Promise<RunSummary> {
  const { backoff, scope: scopeNames, ...wiring } = deps;
  const names = scopeNames ?? run.targets.map((target) => target.name);
  const scope = scopeOf(names);
  await backoff?.load(scope);
  const summary = await collect(
    {
      samples: planTick(run.targets, run.tick),
      waitForSchedule: true,
      stopSamplingAt: run.finishBy - writeReserveMs(run.config),
      finishBy: run.finishBy,
      missClosedWindows: run.missClosedWindows ?? true,
    },
    { ...wiring, ...limitsOf(run.config), ...backoff?.forRun() },
  );
  await backoff?.save(scope, names);
  return summary;
}

/** The fields of every run's `run finished` line, whoever ran it. */
export function summaryFields(summary: RunSummary): Record<string, number> {
  const { failed, missed, pointsSpilled, pointsLost } = tally(summary);
  return {
    samples: summary.records.length,
    ok: summary.records.length - failed - missed,
    failed,
    points_written: summary.pointsWritten,
    points_spilled: pointsSpilled,
    points_rejected: summary.rejected,
    points_lost: pointsLost,
    points_replayed: summary.replay.points,
    spill_waiting: summary.replay.remaining,
    missed,
  };
}

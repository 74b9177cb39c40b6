import type { Point } from '@influxdata/influxdb-client';
import pLimit from 'p-limit';
import type { PointSink } from '../influx/writer.js';
import { WriteError } from '../influx/writer.js';
import { pointsOf, type SampleRecord } from '../points/build.js';
import { type PlannedSample, slotsOf } from '../schedule/plan.js';
import type { RunSecrets } from './credentials.js';
import { type SampleContext, takeSample } from './sample.js';

/** Structured log lines; Powertools' Logger fits, and so does the CLI's stderr printer. */
export interface RunLog {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** A batch that could not be written, kept whole so that it can be spilled and replayed. */
export interface UnwrittenBatch {
  /** Scheduled time of the batch's samples, ms since the epoch. */
  at: number;
  points: Point[];
  error: WriteError;
}

export interface RunSummary {
  /** Every sample's record, in scheduled order, failures included. */
  records: SampleRecord[];
  pointsWritten: number;
  unwritten: UnwrittenBatch[];
}

export interface RunPlan {
  samples: readonly PlannedSample[];
  /** Scheduled runs wait for each sample's time; `--once` samples at once. */
  waitForSchedule: boolean;
  /** Epoch ms after which no sample or retry starts, so that the run keeps time to write. */
  stopSamplingAt: number;
  /** Epoch ms by which every write must be over. */
  finishBy: number;
  /** See `SampleContext.maxLatenessMs`. */
  maxLatenessMs?: number;
}

export interface RunDependencies {
  secrets: RunSecrets;
  sink: PointSink;
  log: RunLog;
  /** Requests in flight at most, across the run. */
  concurrency: number;
  maxAttempts: number;
  /** Target name → epoch ms before which it is not polled (after a 429); kept by the caller across runs. */
  backoff?: Map<string, number>;
  now?: () => number;
  signal?: AbortSignal;
}

/**
 * One run: takes the planned samples slot by slot (all samples of one scheduled time together), and writes
 * each slot's points as one batch as soon as the slot is done. A slot does not wait for a slow earlier one:
 * each waits only for its own time, and the concurrency bound is shared.
 */
export async function collect(plan: RunPlan, deps: RunDependencies): Promise<RunSummary> {
  const now = deps.now ?? Date.now;
  const limit = pLimit(deps.concurrency);
  const context: SampleContext = {
    secrets: deps.secrets,
    maxAttempts: deps.maxAttempts,
    stopAt: plan.stopSamplingAt,
    backoff: deps.backoff ?? new Map(),
    now,
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(plan.maxLatenessMs !== undefined ? { maxLatenessMs: plan.maxLatenessMs } : {}),
  };
  const summary: RunSummary = { records: [], pointsWritten: 0, unwritten: [] };

  const runSlot = async (slot: PlannedSample[]): Promise<void> => {
    const at = Math.min(...slot.map((planned) => planned.at));
    if (plan.waitForSchedule) await sleepUntil(Math.min(at, plan.stopSamplingAt), now, deps.signal);
    const records = await Promise.all(slot.map((planned) => limit(() => takeSample(planned, context))));
    for (const failed of records.filter((record) => record.outcome !== 'ok')) {
      deps.log.warn('sample failed', {
        target: failed.target.name,
        outcome: failed.outcome,
        http_status: failed.httpStatus,
        attempts: failed.attempts,
        error: failed.error,
        at: new Date(failed.at).toISOString(),
      });
    }
    summary.records.push(...records);
    const points = records.flatMap(pointsOf);
    try {
      await deps.sink.write(points, { deadline: plan.finishBy });
      summary.pointsWritten += points.length;
    } catch (error) {
      const writeError =
        error instanceof WriteError ? error : new WriteError(String(error), 0, true, 1, { cause: error });
      deps.log.error('write failed', {
        at: new Date(at).toISOString(),
        points: points.length,
        http_status: writeError.httpStatus,
        error: writeError.message,
      });
      summary.unwritten.push({ at, points, error: writeError });
    }
  };

  // `--once` samples everything now: one slot, one batch, whatever each target's truncated time.
  const slots = plan.waitForSchedule ? slotsOf(plan.samples) : [[...plan.samples]];
  await Promise.all(slots.filter((slot) => slot.length > 0).map(runSlot));
  summary.records.sort((a, b) => a.at - b.at || a.target.name.localeCompare(b.target.name));
  summary.unwritten.sort((a, b) => a.at - b.at);
  return summary;
}

function sleepUntil(time: number, now: () => number, signal?: AbortSignal): Promise<void> {
  const wait = time - now();
  if (wait <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, wait);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

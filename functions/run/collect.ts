import { setTimeout } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Config } from '../config/schema.js';
import { ProjectDiscovery } from '../discovery/discover.js';
import { expandDiscovery } from '../discovery/expand.js';
import { accountLimiter } from '../http/account-limit.js';
import type { PointSink, WriteError } from '../influx/writer.js';
import type { RunLog } from '../log/run-log.js';
import { pointsOf, type SampleRecord, toLines } from '../points/build.js';
import { shortMessage } from '../providers/failures.js';
import { isFailure } from '../providers/outcome.js';
import { type PlannedSample, slotsOf } from '../schedule/plan.js';
import { scrubbedLog } from '../secrets/redact.js';
import type { RunSecrets } from '../secrets/run-secrets.js';
import type { SpillStore } from '../spill/store.js';
import { deliver, type RejectedLines } from './deliver.js';
import { type ReplaySummary, replaySpilled } from './replay.js';
import { type SampleContext, takeSample } from './sample.js';
import { gatherSlot, type SlotSample } from './slot.js';

/** A batch that could not be written now. */
export interface UnwrittenBatch {
  /** Scheduled time of the batch's samples, ms since the epoch. */
  at: number;
  lines: string[];
  error: WriteError;
  /** Where it waits for the next run; absent when it could not be spilled either: then it is lost. */
  spilledAs?: string;
}

export interface RunSummary {
  /** Every sample's record, in scheduled order, failures included. */
  records: SampleRecord[];
  pointsWritten: number;
  /** Batches not written now: spilled for the next run, or (without `spilledAs`) lost. */
  unwritten: UnwrittenBatch[];
  /** Lines InfluxDB refused as malformed, kept under `rejected/`. */
  rejected: number;
  replay: ReplaySummary;
}

export interface RunPlan {
  samples: readonly PlannedSample[];
  /** Scheduled runs wait for each sample's time; `--once` samples at once. */
  waitForSchedule: boolean;
  /**
   * A scheduled run that may start late (the Lambda handler, the CLI's minute loop): a sample whose window
   * `[at, at + interval)` closed before the run reached it is `missed`. Off where past ticks are replayed on purpose.
   * @default false
   */
  missClosedWindows?: boolean;
  /** Epoch ms after which no sample or retry starts and requests in flight are abandoned, to keep time to write. */
  stopSamplingAt: number;
  /** Epoch ms by which every write and spill must be over. */
  finishBy: number;
}

export interface RunDependencies {
  secrets: RunSecrets;
  sink: PointSink;
  /** Where unwritten batches wait; without one (dry run) they are reported lost. */
  spill?: SpillStore;
  log: RunLog;
  /** Requests in flight at most, across the run. */
  concurrency: number;
  /** Requests in flight at most per provider account (see `Adapter.accountOf`), listings included. @default 4 */
  maxInFlightPerAccount?: number;
  maxAttempts: number;
  /** Project listings, cached across runs when the caller keeps one; a fresh one per run otherwise. */
  discovery?: ProjectDiscovery;
  /** Target name → epoch ms before which it is not polled (after a 429); kept by the caller across runs. */
  backoff?: Map<string, number>;
  /** Targets whose last sample timed out, probed with one attempt (see `SampleContext`); kept across runs. */
  timedOut?: Set<string>;
  now?: () => number;
  signal?: AbortSignal;
  /** The HTTP edge of the samples: a seam for unit tests. @default httpGet */
  get?: SampleContext['get'];
}

/** The samples of one scheduled time, written together, with any failed listing of that time. */
interface Batch {
  slot: PlannedSample[];
  at: number;
  listings: SampleRecord[];
}

/** Time kept back from `finishBy` to spill a batch whose write failed. */
const SPILL_RESERVE_MS = 3_000;
/**
 * After a stop (SIGTERM, SIGINT), how long a write in flight may still finish before it is cut and its batch
 * spilled: a healthy InfluxDB answers well within it, and the CLI must be gone within 5 s.
 */
export const STOP_WRITE_GRACE_MS = 1_500;
/** At most this share of a run goes to replaying spilled batches, so replay never starves the current tick. */
const REPLAY_SHARE = 0.5;

/**
 * One run: replays what earlier runs spilled, takes the planned samples slot by slot (all samples of one
 * scheduled time together), and writes each slot's points as one batch as soon as the slot is done or its write
 * deadline passes (see `slot.ts`), a late sample in a batch of its own, spilling what InfluxDB does not take. A
 * slot does not wait for a slow earlier one, nor for a hanging target; the concurrency bound is shared.
 */
export async function collect(plan: RunPlan, input: RunDependencies): Promise<RunSummary> {
  // Every line this run logs, wherever it goes (stderr, CloudWatch), passes the run's scrubber.
  const deps = { ...input, log: scrubbedLog(input.log, (text) => input.secrets.scrub(text)) };
  const now = deps.now ?? Date.now;
  const started = now();
  const limit = pLimit(deps.concurrency);
  const limitAccount = accountLimiter(deps.maxInFlightPerAccount ?? 4);
  const samplingStop = AbortSignal.timeout(Math.max(0, plan.stopSamplingAt - started));
  const signal = deps.signal ? AbortSignal.any([deps.signal, samplingStop]) : samplingStop;
  const context: SampleContext = {
    secrets: deps.secrets,
    maxAttempts: deps.maxAttempts,
    stopAt: plan.stopSamplingAt,
    backoff: deps.backoff ?? new Map(),
    timedOut: deps.timedOut ?? new Set(),
    now,
    signal,
    limitAccount,
    ...(deps.get ? { get: deps.get } : {}),
    windowed: plan.missClosedWindows ?? false,
  };
  const writeDeadline = plan.finishBy - SPILL_RESERVE_MS;
  const writeStop = deps.signal ? graceAfter(deps.signal, STOP_WRITE_GRACE_MS) : undefined;
  const summary: RunSummary = {
    records: [],
    pointsWritten: 0,
    unwritten: [],
    rejected: 0,
    replay: { batches: 0, points: 0, rejected: 0, remaining: 0 },
  };

  const replaying = deps.spill
    ? replaySpilled(
        deps.spill,
        deps.sink,
        started + Math.floor((writeDeadline - started) * REPLAY_SHARE),
        deps.log,
        writeStop,
        now,
      ).catch((error: unknown) => {
        deps.log.error('replay failed', { error: String(error) });
        return summary.replay;
      })
    : undefined;

  const expansion = await expandDiscovery(plan.samples, {
    discovery: deps.discovery ?? new ProjectDiscovery(deps.spill),
    secrets: deps.secrets,
    limit: limitAccount,
    log: deps.log,
    now,
    signal,
  });

  const runSlot = async ({ slot, at, listings }: Batch): Promise<void> => {
    if (plan.waitForSchedule) await sleepUntil(Math.min(at, plan.stopSamplingAt), now, deps.signal);
    const reachedAt = now();
    // Stopped before this slot was due: it is not sampled, and nothing is recorded for a time still to come.
    if (deps.signal?.aborted && reachedAt < at) return;
    const sampling = slot.map((planned): SlotSample<SampleRecord> => {
      let started: number | undefined;
      const result = limit(() => {
        started = now();
        return takeSample(planned, context, reachedAt);
      });
      return { result, startedAt: () => started };
    });
    const shortestInterval = Math.min(...slot.map((planned) => planned.target.interval));
    const timing = {
      reachedAt,
      latestAt: Math.min(reachedAt + shortestInterval / 2, plan.stopSamplingAt),
      now,
    };
    // A sample that finishes after the slot's batch was written follows in a batch of its own.
    const { onTime, late } = await gatherSlot(sampling, timing, (record) => settle(at, [record]));
    await settle(at, [...listings, ...onTime]);
    await late;
  };

  const settle = async (at: number, records: SampleRecord[]): Promise<void> => {
    for (const failed of records) {
      if (failed.outcome === 'ok') continue;
      deps.log.warn(failed.outcome === 'missed' ? 'sample missed' : 'sample failed', {
        target: failed.target.name,
        outcome: failed.outcome,
        http_status: failed.httpStatus,
        attempts: failed.attempts,
        error: failed.error,
        at: new Date(failed.at).toISOString(),
      });
    }
    summary.records.push(...records);
    await writeBatch(at, toLines(records.flatMap(pointsOf)));
  };

  const refusals: { batches: number; messages: string[]; files: string[]; unkept: number } = {
    batches: 0,
    messages: [],
    files: [],
    unkept: 0,
  };
  // One file per refused batch and one log line per run: a batch of 10,000 refused points is one problem.
  const keepRefused = async (at: number, refused: readonly RejectedLines[]): Promise<void> => {
    const scrubbed = refused.map(({ lines, message }) => ({ lines, message: deps.secrets.scrub(message) }));
    const points = refused.reduce((count, group) => count + group.lines.length, 0);
    summary.rejected += points;
    refusals.batches++;
    refusals.messages.push(...scrubbed.map((group) => group.message));
    try {
      if (deps.spill) refusals.files.push(await deps.spill.reject(scrubbed, at));
      else refusals.unkept += points;
    } catch {
      refusals.unkept += points;
    }
  };

  const writeBatch = async (at: number, lines: string[]): Promise<void> => {
    const delivery = await deliver(deps.sink, lines, writeDeadline, writeStop);
    summary.pointsWritten += delivery.written;
    if (delivery.rejected.length > 0) await keepRefused(at, delivery.rejected);
    if (!delivery.error) return;
    const batch: UnwrittenBatch = { at, lines: delivery.unsent, error: delivery.error };
    try {
      if (deps.spill) batch.spilledAs = await deps.spill.put(delivery.unsent, at);
    } catch (error) {
      deps.log.error('spill failed', { error: String(error) });
    }
    summary.unwritten.push(batch);
    deps.log.error(
      batch.spilledAs ? 'write failed: batch spilled for the next run' : 'write failed: batch lost',
      {
        at: new Date(at).toISOString(),
        points: batch.lines.length,
        http_status: batch.error.httpStatus,
        error: batch.error.message,
        spilled_as: batch.spilledAs,
      },
    );
  };

  // `--once` samples everything now: one slot, one batch, whatever each target's truncated time.
  const slots = plan.waitForSchedule ? slotsOf(expansion.samples) : [expansion.samples];
  const batches: Batch[] = slots
    .filter((slot) => slot.length > 0)
    .map((slot) => ({ slot, at: Math.min(...slot.map((planned) => planned.at)), listings: [] }));
  // A failed listing is written with the batch of its target's first sample, or alone when none is left.
  for (const record of expansion.records) {
    let batch = plan.waitForSchedule ? batches.find((candidate) => candidate.at === record.at) : batches[0];
    if (!batch) {
      batch = { slot: [], at: record.at, listings: [] };
      batches.push(batch);
    }
    batch.listings.push(record);
  }
  await Promise.all(batches.map(runSlot));
  if (replaying) summary.replay = await replaying;
  if (summary.rejected > 0) {
    deps.log.error('InfluxDB refused points', {
      points: summary.rejected,
      batches: refusals.batches,
      first_errors: [...new Set(refusals.messages)]
        .slice(0, 3)
        .map((message) => shortMessage(message))
        .join(' | '),
      kept_in: refusals.files.join(' '),
      not_kept: refusals.unkept || undefined,
    });
  }
  summary.records.sort((a, b) => a.at - b.at || a.target.name.localeCompare(b.target.name));
  summary.unwritten.sort((a, b) => a.at - b.at);
  return summary;
}

/** The run's limits as the config sets them. */
export function limitsOf(
  config: Pick<Config, 'concurrency' | 'maxInFlightPerAccount' | 'maxAttempts'>,
): Pick<RunDependencies, 'concurrency' | 'maxInFlightPerAccount' | 'maxAttempts'> {
  return {
    concurrency: config.concurrency,
    maxInFlightPerAccount: config.maxInFlightPerAccount,
    maxAttempts: config.maxAttempts,
  };
}

/** Batches neither written nor spilled: the only data a run can lose. */
export function lostBatches(summary: RunSummary): UnwrittenBatch[] {
  return summary.unwritten.filter((batch) => batch.spilledAs === undefined);
}

/** The counts a run reports (log line, metrics): failed and missed samples, and points spilled or lost. */
export function tally(summary: RunSummary): {
  failed: number;
  missed: number;
  pointsSpilled: number;
  pointsLost: number;
} {
  const points = (batches: readonly UnwrittenBatch[]) =>
    batches.reduce((sum, batch) => sum + batch.lines.length, 0);
  const pointsLost = points(lostBatches(summary));
  return {
    failed: summary.records.filter((record) => isFailure(record.outcome)).length,
    missed: summary.records.filter((record) => record.outcome === 'missed').length,
    pointsSpilled: points(summary.unwritten) - pointsLost,
    pointsLost,
  };
}

/** A signal that aborts `graceMs` after `signal` does (its timer does not keep the process alive). */
function graceAfter(signal: AbortSignal, graceMs: number): AbortSignal {
  const grace = new AbortController();
  const start = () => globalThis.setTimeout(() => grace.abort(signal.reason), graceMs).unref();
  if (signal.aborted) start();
  else signal.addEventListener('abort', start, { once: true });
  return grace.signal;
}

/** Resolves at `time` (epoch ms), or at once when `signal` aborts: a stop ends the wait, it is not an error. */
export async function sleepUntil(
  time: number,
  now: () => number = Date.now,
  signal?: AbortSignal,
): Promise<void> {
  const wait = time - now();
  if (wait <= 0 || signal?.aborted) return;
  await setTimeout(wait, undefined, signal ? { signal } : {}).catch(() => undefined);
}

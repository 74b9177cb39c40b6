import type { Target } from '../config/schema.js';
import type { Outcome } from '../providers/outcome.js';
import { type AnyAdapter, PLAN_CAPACITY_FIELD, type Sample } from '../providers/types.js';
import { LinePoint } from './line-protocol.js';

/** Measurement names of the data contract (docs/data-contract.md). */
export const MEASUREMENT = {
  concurrency: 'concurrency',
  run: 'collector_run',
  check: 'collector_check',
} as const;

/** What one attempt to sample a target came to, whatever the outcome: the stuff of `collector_run`. */
export interface SampleRecord {
  target: Target;
  adapter: AnyAdapter;
  /** The scheduled time of the sample, in ms since the epoch. */
  at: number;
  outcome: Outcome;
  /** The `project` tag, when known. */
  project: string | undefined;
  httpStatus: number;
  attempts: number;
  durationMs: number;
  /** When the sample was polled (or, when it was not, reached) minus its scheduled time, in ms. */
  latenessMs: number;
  /** Empty when the outcome is `ok`. */
  error: string;
  /** Present when the outcome is `ok`. */
  sample?: Sample;
}

/**
 * Timestamps are whole seconds (samples fall on intervals of at least 3 s) and written with precision `s`,
 * so that a retried or replayed write lands on the same point instead of beside it.
 */
function secondsOf(ms: number): string {
  return String(Math.floor(ms / 1000));
}

/** The `concurrency` point of a successful sample. */
export function concurrencyPoint(record: SampleRecord & { sample: Sample }): LinePoint {
  const { target, adapter, sample } = record;
  const point = new LinePoint(MEASUREMENT.concurrency);
  for (const [key, value] of Object.entries(target.tags)) point.tag(key, value);
  for (const [key, value] of Object.entries(target.projectTags ?? {})) point.tag(key, value);
  point.tag('provider', adapter.provider).tag('endpoint', adapter.endpoint).tag('target', target.name);
  const project = sample.project ?? record.project;
  if (project) point.tag('project', project);
  for (const [key, value] of Object.entries(sample.ints)) point.intField(key, value);
  for (const [key, value] of Object.entries(sample.strings)) point.stringField(key, value);
  const capacity = capacityOf(target, adapter, sample);
  if (capacity !== undefined) point.intField('capacity', capacity);
  return point.timestamp(secondsOf(record.at));
}

/**
 * The `capacity` field of a sample: the target's configured `capacity`, else, for an endpoint with `plan` figures,
 * the plan's connection cap as the sample reports it; `undefined` when neither is known. On a project of a
 * discovering target it is the account's capacity, which readers compare with the sum over the projects.
 */
export function capacityOf(target: Target, adapter: AnyAdapter, sample: Sample): number | undefined {
  if (target.capacity !== undefined) return target.capacity;
  if (!adapter.capabilities.figures.includes('plan')) return undefined;
  const plan = sample.ints[PLAN_CAPACITY_FIELD];
  return plan !== undefined && plan > 0 ? plan : undefined;
}

/** The `collector_run` point of any sample, written even when the fetch failed. */
export function runPoint(record: SampleRecord): LinePoint {
  const point = new LinePoint(MEASUREMENT.run)
    .tag('target', record.target.name)
    .tag('provider', record.adapter.provider)
    .tag('endpoint', record.adapter.endpoint)
    .tag('outcome', record.outcome);
  const project = record.sample?.project ?? record.project;
  if (project) point.tag('project', project);
  point
    .intField('up', record.outcome === 'ok' ? 1 : 0)
    .intField('duration_ms', Math.round(record.durationMs))
    .intField('http_status', record.httpStatus)
    .intField('attempts', record.attempts)
    .intField('lateness_ms', Math.max(0, Math.round(record.latenessMs)));
  if (record.error !== '') point.stringField('error', record.error);
  return point.timestamp(secondsOf(record.at));
}

/** Line protocol of points, with whole-second timestamps (precision `s`). */
export function toLines(points: readonly LinePoint[]): string[] {
  return points.map((point) => point.toLineProtocol());
}

/** Both points of a sample record, in the order they are written. */
export function pointsOf(record: SampleRecord): LinePoint[] {
  const points = record.sample ? [concurrencyPoint(record as SampleRecord & { sample: Sample })] : [];
  points.push(runPoint(record));
  return points;
}

import type { Period } from './period.js';

/**
 * The InfluxQL statements behind the report's figures. InfluxDB computes every count, peak, percentile, mean and
 * minute count; the report reads back one row per figure, so its memory does not grow with the period.
 *
 * A target that discovers its projects writes one point per project and sample time: its figures are of the
 * account total, so its statements read a subquery that sums the projects per sample time (samples fall on
 * multiples of the interval, so one `GROUP BY time(interval)` bucket is one sample time). A target of one project
 * reads the measurement directly.
 */

/** What the statements need to know about a target. */
export interface StatementTarget {
  name: string;
  /** Sample interval in ms. */
  intervalMs: number;
  /** Whether its points are several projects per sample time, to be summed. */
  discovers: boolean;
  /** Whether its points have the `queue` figures (`queued`). */
  queue: boolean;
}

const MEASUREMENT = '"concurrency"';

/** InfluxQL identifier: double quotes, with `"` and `\` escaped. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** InfluxQL string literal: single quotes, with `'` and `\` escaped. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `time >= …ms AND time < …ms`: the half-open period. */
export function timeRange(period: Period): string {
  return `time >= ${period.from}ms AND time < ${period.to}ms`;
}

function ofTarget(target: StatementTarget, period: Period): string {
  return `"target" = ${quoteString(target.name)} AND ${timeRange(period)}`;
}

function where(...conditions: (string | undefined)[]): string {
  return conditions.filter((condition) => condition !== undefined && condition !== '').join(' AND ');
}

/** The account total per sample time: `live`, `queued`, `capacity` (and `demand` when asked). */
function totals(target: StatementTarget, period: Period, withDemand: boolean): string {
  const fields = ['sum("live") AS "live"'];
  if (target.queue) fields.push('sum("queued") AS "queued"');
  if (withDemand) fields.push('sum("live") + sum("queued") AS "demand"');
  fields.push('max("capacity") AS "capacity"');
  return (
    `SELECT ${fields.join(', ')} FROM ${MEASUREMENT} WHERE ${ofTarget(target, period)} ` +
    `GROUP BY time(${target.intervalMs}ms) fill(none)`
  );
}

/**
 * What a statement selects from: the target's raw `points` (no sum over projects), its `samples` (one row per
 * sample time: the account total of a discovering target), or its `demand` = `live + queued` per sample time.
 * A sample without `queued` has no `demand` row: its demand is its `live`, which the live figures already hold
 * (see {@link demandPeak}).
 */
export type Rows = 'points' | 'samples' | 'demand';

/** A condition on the rows' fields, and a tail (`GROUP BY …`) after the statement. */
export interface Clauses {
  condition?: string;
  tail?: string;
}

/** `SELECT select` over the target's `rows` in `period`. */
export function selectOver(
  rows: Rows,
  target: StatementTarget,
  period: Period,
  select: string,
  { condition, tail = '' }: Clauses = {},
): string {
  if (rows === 'points' || (rows === 'samples' && !target.discovers)) {
    return `SELECT ${select} FROM ${MEASUREMENT} WHERE ${where(ofTarget(target, period), condition)}${tail}`;
  }
  const inner = target.discovers
    ? totals(target, period, rows === 'demand')
    : `SELECT "live" + "queued" AS "demand" FROM ${MEASUREMENT} WHERE ${ofTarget(target, period)}`;
  return `SELECT ${select} FROM (${inner}) WHERE ${where(timeRange(period), condition)}${tail}`;
}

/** Distinct minutes in which at least one sample met `condition`, as one row `{ minutes }` (none when 0). */
export function minutesWhere(
  target: StatementTarget,
  period: Period,
  field: string,
  condition: string,
): string {
  const perMinute = selectOver('samples', target, period, `count(${quoteIdent(field)}) AS "n"`, {
    condition,
    tail: ' GROUP BY time(1m) fill(none)',
  });
  return `SELECT count("n") AS "minutes" FROM (${perMinute}) WHERE ${where(timeRange(period), '"n" > 0')}`;
}

/** Count, p95, mean and the latest capacity of the live samples. */
export function liveStatement(target: StatementTarget, period: Period): string {
  return selectOver(
    'samples',
    target,
    period,
    'count("live") AS "n", percentile("live", 95) AS "p95", mean("live") AS "mean", last("capacity") AS "capacity"',
  );
}

/** Count, peak and mean of the previous period: all a comparison needs. */
export function previousStatement(target: StatementTarget, period: Period): string {
  return selectOver(
    'samples',
    target,
    period,
    'count("live") AS "n", max("live") AS "peak", mean("live") AS "mean"',
  );
}

/**
 * The peak of `field` and its time, in one scan: a lone selector answers with the time of the point it picked,
 * and on a tie InfluxDB keeps the earliest (the tie rule; the integration tests seed ties across shards).
 */
export function peakStatement(target: StatementTarget, period: Period, field: 'live' | 'queued'): string {
  return selectOver('samples', target, period, `max(${quoteIdent(field)}) AS "peak"`);
}

/** The highest demand of the period and its earliest time, as one row `{ time, peak }`. */
export function demandPeakStatement(target: StatementTarget, period: Period): string {
  return selectOver('demand', target, period, 'max("demand") AS "peak"');
}

/** Per project (`idTag`), the distinct minutes in which one of its points had a queue above 0. */
export function projectQueueMinutes(target: StatementTarget, period: Period, idTag: string): string {
  const perMinute = selectOver('points', target, period, 'count("queued") AS "n"', {
    condition: '"queued" > 0',
    tail: ` GROUP BY time(1m), ${quoteIdent(idTag)} fill(none)`,
  });
  return (
    `SELECT count("n") AS "minutes" FROM (${perMinute}) WHERE ${where(timeRange(period), '"n" > 0')} ` +
    `GROUP BY ${quoteIdent(idTag)}`
  );
}

/** The highest `field` per UTC day over `history` (days without a sample left out): the forecast's basis. */
export function dailyPeaks(target: StatementTarget, history: Period, field: 'live' | 'demand'): string {
  return selectOver(
    field === 'demand' ? 'demand' : 'samples',
    target,
    history,
    `max(${quoteIdent(field)}) AS "peak"`,
    {
      tail: ' GROUP BY time(1d) fill(none)',
    },
  );
}

/** The highest live, queued and capacity per chart bucket (buckets without a sample left out). */
export function chartStatement(target: StatementTarget, period: Period, bucketMs: number): string {
  const select = ['max("live") AS "live"'];
  if (target.queue) select.push('max("queued") AS "queued"');
  select.push('max("capacity") AS "capacity"');
  return selectOver('samples', target, period, select.join(', '), {
    tail: ` GROUP BY time(${bucketMs}ms) fill(none)`,
  });
}

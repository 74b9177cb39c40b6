import type { Period } from './period.js';
import type { Row, StatementRunner } from './query.js';
import {
  chartStatement,
  dailyPeaks,
  demandPeakStatement,
  liveStatement,
  minutesWhere,
  peakStatement,
  previousStatement,
  projectQueueMinutes,
  quoteIdent,
  type StatementTarget,
  selectOver,
} from './statements.js';

/** The target as the figures need it. */
export interface FigureTarget extends StatementTarget {
  /** Whether its points have the `plan` figures. */
  plan: boolean;
  /** The tags that tell one project from another, the id first (`capabilities.projectTags`). */
  projectTags: readonly string[];
  /** The configured capacity, used when no point of the period has a `capacity` field. */
  capacity?: number | undefined;
}

/** Peak, its sample time, p95, mean and sample count of a series of samples. */
export interface SeriesFigures {
  present: number;
  peak: number | null;
  /** The first sample time at which `peak` was reached. */
  peakTime: number | null;
  p95: number | null;
  mean: number | null;
}

/** The queue's figures as InfluxDB computed them. */
export interface QueueRaw {
  peak: number | null;
  peakTime: number | null;
  minutesNonEmpty: number;
}

/** One discovered project's figures. */
export interface ProjectRaw {
  id: string;
  /** Its tags on its latest point in the period (a renamed project keeps its latest name). */
  tags: Record<string, string>;
  live: SeriesFigures;
  queue: QueueRaw | null;
}

/** Every figure InfluxDB computes for a target; the report derives the rest (verdict, forecast, changes). */
export interface RawFigures {
  live: SeriesFigures;
  queue: QueueRaw | null;
  demand: { peak: number | null; peakTime: number | null };
  /** The `capacity` field of the latest point of the period that has one. */
  capacityField: number | null;
  /** The capacity the minute counts were made against: the field, else the configured one. */
  capacity: number | null;
  minutesAtOrAbove: number;
  minutesAbove90Percent: number;
  plan: {
    /** The plan cap of the points at the live peak's time, else the latest one. */
    planMaxConnections: number | null;
    periodPeak: number | null;
    overageConnections: { last: number | null; max: number | null };
    overageMessages: { last: number | null; max: number | null };
  } | null;
  previous: { present: number; peak: number | null; mean: number | null };
  /** The highest demand per UTC day of the history, in time order (days without a sample left out). */
  dailyDemandPeaks: { day: number; peak: number }[];
  projects: ProjectRaw[] | null;
  /** The highest values per bucket, when a chart was asked for. */
  chart?: {
    bucketMs: number;
    rows: { time: number; live: number; queued: number | null; capacity: number | null }[];
  };
}

/** What to read besides the period: the previous one, the forecast's history, and a chart. */
export interface FigureRequest {
  period: Period;
  previous: Period;
  /** The days the forecast is fitted over. */
  history: Period;
  /** A chart's bucket width in ms, when a chart is wanted. */
  chartBucketMs?: number | undefined;
}

/**
 * Reads every figure of one target in two requests: first the aggregates, then what depends on them (the first
 * time each peak was reached, the plan cap then, the minutes at or near the capacity). Throws the runner's error.
 */
export async function readFigures(
  runner: StatementRunner,
  target: FigureTarget,
  request: FigureRequest,
): Promise<RawFigures> {
  const { period, previous, history } = request;
  const first: string[] = [];
  const at = {
    live: push(first, liveStatement(target, period)),
    livePeak: push(first, peakStatement(target, period, 'live')),
    previous: push(first, previousStatement(target, previous)),
    dailyLive: push(first, dailyPeaks(target, history, 'live')),
    queuePeak: target.queue ? push(first, peakStatement(target, period, 'queued')) : -1,
    demand: target.queue ? push(first, demandPeakStatement(target, period)) : -1,
    dailyDemand: target.queue ? push(first, dailyPeaks(target, history, 'demand')) : -1,
    queueMinutes: target.queue ? push(first, minutesWhere(target, period, 'queued', '"queued" > 0')) : -1,
    plan: target.plan ? push(first, planStatement(target, period)) : -1,
    projects: target.discovers ? push(first, projectStatement(target, period)) : -1,
    projectPeaks: target.discovers ? push(first, projectPeakStatement(target, period, 'live')) : -1,
    projectQueuePeaks:
      target.discovers && target.queue ? push(first, projectPeakStatement(target, period, 'queued')) : -1,
    projectNames: target.discovers
      ? push(
          first,
          selectOver('points', target, period, 'last("live")', { tail: ` GROUP BY ${tagList(target)}` }),
        )
      : -1,
    projectQueue:
      target.discovers && target.queue ? push(first, projectQueueMinutes(target, period, idTag(target))) : -1,
    chart:
      request.chartBucketMs !== undefined
        ? push(first, chartStatement(target, period, request.chartBucketMs))
        : -1,
  };
  const rows = await runner.run(first);
  const row = (index: number): Row | undefined => (index < 0 ? undefined : rows[index]?.[0]);
  const rowsOf = (index: number): Row[] => (index < 0 ? [] : (rows[index] ?? []));

  const liveRow = row(at.live);
  const peakRow = row(at.livePeak);
  const live: SeriesFigures = {
    present: num(liveRow?.n) ?? 0,
    peak: num(peakRow?.peak),
    peakTime: num(peakRow?.peak) === null ? null : (peakRow?.time ?? null),
    p95: num(liveRow?.p95),
    mean: num(liveRow?.mean),
  };
  const capacityField = num(liveRow?.capacity);
  // Points written before the `capacity` field existed still carry their plan's cap.
  const capacity = capacityField ?? target.capacity ?? (target.plan ? num(row(at.plan)?.plan) : null);

  const second: string[] = [];
  const then = {
    atOrAbove:
      capacity !== null ? push(second, minutesWhere(target, period, 'live', `"live" >= ${capacity}`)) : -1,
    above90:
      capacity !== null
        ? push(second, minutesWhere(target, period, 'live', `"live" >= ${ninetyPercent(capacity)}`))
        : -1,
    // The plan cap of the point of the live peak: a later plan change does not rewrite it.
    planAtPeak:
      target.plan && live.peakTime !== null
        ? push(
            second,
            selectOver(
              'points',
              target,
              { from: live.peakTime, to: live.peakTime + 1 },
              'max("plan_max_connections") AS "plan"',
            ),
          )
        : -1,
  };
  const answers = second.length === 0 ? [] : await runner.run(second);
  const answer = (index: number): Row | undefined => (index < 0 ? undefined : answers[index]?.[0]);

  return {
    live,
    queue: target.queue ? queueOf(row(at.queuePeak), row(at.queueMinutes)) : null,
    demand: target.queue ? demandOf(live, row(at.demand)) : { peak: live.peak, peakTime: live.peakTime },
    capacityField,
    capacity,
    minutesAtOrAbove: num(answer(then.atOrAbove)?.minutes) ?? 0,
    minutesAbove90Percent: num(answer(then.above90)?.minutes) ?? 0,
    plan: target.plan ? planFigures(row(at.plan), answer(then.planAtPeak)) : null,
    previous: {
      present: num(row(at.previous)?.n) ?? 0,
      peak: num(row(at.previous)?.peak),
      mean: num(row(at.previous)?.mean),
    },
    dailyDemandPeaks: dailyDemand(rowsOf(at.dailyLive), rowsOf(at.dailyDemand)),
    projects: target.discovers
      ? projectFigures(
          target,
          rowsOf(at.projects),
          rowsOf(at.projectPeaks),
          rowsOf(at.projectQueuePeaks),
          rowsOf(at.projectNames),
          rowsOf(at.projectQueue),
        )
      : null,
    ...(at.chart >= 0 && request.chartBucketMs !== undefined
      ? {
          chart: {
            bucketMs: request.chartBucketMs,
            rows: rowsOf(at.chart).map((r) => ({
              time: r.time,
              live: num(r.live) ?? 0,
              queued: num(r.queued),
              capacity: num(r.capacity),
            })),
          },
        }
      : {}),
  };
}

function queueOf(peakRow: Row | undefined, minutesRow: Row | undefined): QueueRaw {
  const peak = num(peakRow?.peak);
  return {
    peak,
    peakTime: peak === null ? null : (peakRow?.time ?? null),
    minutesNonEmpty: num(minutesRow?.minutes) ?? 0,
  };
}

/**
 * The demand peak: the higher of the `live + queued` peak and the live peak (a sample without `queued` has no
 * demand row; its demand is its live count), at the earlier time on a tie.
 */
function demandOf(live: SeriesFigures, demandRow: Row | undefined): RawFigures['demand'] {
  const queued = num(demandRow?.peak);
  if (queued === null || (live.peak !== null && live.peak > queued)) {
    return { peak: live.peak, peakTime: live.peakTime };
  }
  const time = demandRow?.time ?? null;
  if (live.peak === queued) return { peak: queued, peakTime: earliest(live.peakTime, time) };
  return { peak: queued, peakTime: time };
}

/** The lowest integer at or above 90 % of `capacity`, in integers (0.9 × 30 is 27.000000000000004 in floats). */
export function ninetyPercent(capacity: number): number {
  return Math.ceil((capacity * 9) / 10);
}

function push(statements: string[], statement: string): number {
  statements.push(statement);
  return statements.length - 1;
}

function idTag(target: FigureTarget): string {
  return target.projectTags[0] ?? 'project';
}

function tagList(target: FigureTarget): string {
  return target.projectTags.map(quoteIdent).join(', ');
}

/** Count, p95 and mean per project id. */
function projectStatement(target: FigureTarget, period: Period): string {
  return selectOver(
    'points',
    target,
    period,
    'count("live") AS "n", percentile("live", 95) AS "p95", mean("live") AS "mean"',
    { tail: ` GROUP BY ${quoteIdent(idTag(target))}` },
  );
}

/** The peak of `field` per project id, at its earliest time (a lone selector, as {@link peakStatement}). */
function projectPeakStatement(target: FigureTarget, period: Period, field: 'live' | 'queued'): string {
  return selectOver('points', target, period, `max(${quoteIdent(field)}) AS "peak"`, {
    tail: ` GROUP BY ${quoteIdent(idTag(target))}`,
  });
}

function projectRows(rows: readonly Row[]): [string, Row][] {
  const result: [string, Row][] = [];
  for (const r of rows) {
    const id = Object.values(r.tags)[0];
    // Points of the target without a project id are not a discovered project's.
    if (id === undefined || id === '') continue;
    result.push([id, r]);
  }
  return result;
}

function projectFigures(
  target: FigureTarget,
  figures: readonly Row[],
  peaks: readonly Row[],
  queuePeaks: readonly Row[],
  names: readonly Row[],
  queueMinutes: readonly Row[],
): ProjectRaw[] {
  const id = idTag(target);
  const byId = (rows: readonly Row[]) => new Map(projectRows(rows));
  const livePeaks = byId(peaks);
  const queued = byId(queuePeaks);
  const minutes = byId(queueMinutes);
  const latest = new Map<string, { time: number; tags: Record<string, string> }>();
  for (const r of names) {
    const key = r.tags[id];
    if (key === undefined || key === '') continue;
    const known = latest.get(key);
    if (known === undefined || r.time >= known.time) latest.set(key, { time: r.time, tags: r.tags });
  }
  return projectRows(figures).map(([key, r]): ProjectRaw => {
    const peak = livePeaks.get(key);
    return {
      id: key,
      tags: latest.get(key)?.tags ?? { [id]: key },
      live: {
        present: num(r.n) ?? 0,
        peak: num(peak?.peak),
        peakTime: num(peak?.peak) === null ? null : (peak?.time ?? null),
        p95: num(r.p95),
        mean: num(r.mean),
      },
      queue: target.queue ? queueOf(queued.get(key), minutes.get(key)) : null,
    };
  });
}

const PLAN_STATEMENT_FIELDS =
  'last("plan_max_connections") AS "plan", max("period_peak") AS "period_peak", ' +
  'last("overage_connections") AS "oc_last", max("overage_connections") AS "oc_max", ' +
  'last("overage_messages") AS "om_last", max("overage_messages") AS "om_max"';

function planStatement(target: FigureTarget, period: Period): string {
  return selectOver('points', target, period, PLAN_STATEMENT_FIELDS);
}

function planFigures(planRow: Row | undefined, atPeak: Row | undefined): NonNullable<RawFigures['plan']> {
  return {
    planMaxConnections: num(atPeak?.plan) ?? num(planRow?.plan),
    periodPeak: num(planRow?.period_peak),
    overageConnections: { last: num(planRow?.oc_last), max: num(planRow?.oc_max) },
    overageMessages: { last: num(planRow?.om_last), max: num(planRow?.om_max) },
  };
}

/** Per day, the higher of the live and the demand peak (a sample without `queued` has demand = live). */
function dailyDemand(live: readonly Row[], demand: readonly Row[]): { day: number; peak: number }[] {
  const days = new Map<number, number>();
  for (const r of [...live, ...demand]) {
    const peak = num(r.peak);
    if (peak === null) continue;
    days.set(r.time, Math.max(days.get(r.time) ?? peak, peak));
  }
  return [...days.entries()].sort((a, b) => a[0] - b[0]).map(([day, peak]) => ({ day, peak }));
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

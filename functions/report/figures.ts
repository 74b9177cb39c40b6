import type { Period } from './period.js';
import type { Row, StatementRunner } from './query.js';
import {
  chartStatement,
  dailyPeaks,
  demandPeakStatement,
  firstReaching,
  liveStatement,
  minutesWhere,
  overPoints,
  previousStatement,
  projectQueueMinutes,
  quoteIdent,
  quoteString,
  type StatementTarget,
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
  const first: string[] = [
    liveStatement(target, period),
    previousStatement(target, previous),
    dailyPeaks(target, history, 'live'),
  ];
  const at = {
    demand: target.queue ? push(first, demandPeakStatement(target, period)) : -1,
    dailyDemand: target.queue ? push(first, dailyPeaks(target, history, 'demand')) : -1,
    queueMinutes: target.queue ? push(first, minutesWhere(target, period, 'queued', '"queued" > 0')) : -1,
    plan: target.plan ? push(first, planStatement(target, period)) : -1,
    projects: target.discovers ? push(first, projectStatement(target, period)) : -1,
    projectNames: target.discovers
      ? push(first, overPoints(target, period, 'last("live")', undefined, ` GROUP BY ${tagList(target)}`))
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

  const liveRow = row(0);
  const live: SeriesFigures = {
    present: num(liveRow?.n) ?? 0,
    peak: num(liveRow?.peak),
    peakTime: null,
    p95: num(liveRow?.p95),
    mean: num(liveRow?.mean),
  };
  const previousRow = row(1);
  const capacityField = num(liveRow?.capacity);
  // Points written before the `capacity` field existed still carry their plan's cap.
  const capacity = capacityField ?? target.capacity ?? (target.plan ? num(row(at.plan)?.plan) : null);
  const queuePeak = num(liveRow?.queue_peak);
  // A sample without `queued` has no demand row: its demand is its live count, which the live peak covers.
  const demandPeak = maxOf(live.peak, num(row(at.demand)?.peak));

  const second: string[] = [];
  const then = {
    live: live.peak !== null ? push(second, firstReaching(target, period, 'live', live.peak)) : -1,
    queue: queuePeak !== null ? push(second, firstReaching(target, period, 'queued', queuePeak)) : -1,
    // Without a queue demand is live: its peak time is the live peak's.
    demandLive:
      demandPeak !== null && target.queue
        ? push(second, firstReaching(target, period, 'live', demandPeak))
        : -1,
    demand:
      demandPeak !== null && target.queue
        ? push(second, firstReaching(target, period, 'demand', demandPeak))
        : -1,
    // The plan cap of the point where the live peak was first reached: a later plan change does not rewrite it.
    planAtPeak:
      target.plan && live.peak !== null
        ? push(
            second,
            overPoints(target, period, 'first("plan_max_connections") AS "plan"', `"live" >= ${live.peak}`),
          )
        : -1,
    atOrAbove:
      capacity !== null ? push(second, minutesWhere(target, period, 'live', `"live" >= ${capacity}`)) : -1,
    above90:
      capacity !== null
        ? push(second, minutesWhere(target, period, 'live', `"live" >= ${ninetyPercent(capacity)}`))
        : -1,
  };
  const projectPeaks = target.discovers ? projectRows(rows[at.projects] ?? []) : [];
  const projectTies = projectPeaks.map(([id, projectRow]) => ({
    live:
      num(projectRow.peak) === null
        ? -1
        : push(second, projectFirst(target, period, id, 'live', num(projectRow.peak) as number)),
    queue:
      num(projectRow.queue_peak) === null
        ? -1
        : push(second, projectFirst(target, period, id, 'queued', num(projectRow.queue_peak) as number)),
  }));
  const answers = await runner.run(second);
  const timeOf = (index: number): number | null => (index < 0 ? null : (answers[index]?.[0]?.time ?? null));

  live.peakTime = timeOf(then.live);
  const plan = target.plan ? planFigures(row(at.plan), answers[then.planAtPeak]?.[0]) : null;
  return {
    live,
    queue: target.queue
      ? {
          peak: queuePeak,
          peakTime: timeOf(then.queue),
          minutesNonEmpty: num(row(at.queueMinutes)?.minutes) ?? 0,
        }
      : null,
    demand: {
      peak: demandPeak,
      peakTime: target.queue ? earliest(timeOf(then.demandLive), timeOf(then.demand)) : live.peakTime,
    },
    capacityField,
    capacity,
    minutesAtOrAbove: num(answers[then.atOrAbove]?.[0]?.minutes) ?? 0,
    minutesAbove90Percent: num(answers[then.above90]?.[0]?.minutes) ?? 0,
    plan,
    previous: {
      present: num(previousRow?.n) ?? 0,
      peak: num(previousRow?.peak),
      mean: num(previousRow?.mean),
    },
    dailyDemandPeaks: dailyDemand(rows[2] ?? [], at.dailyDemand < 0 ? [] : (rows[at.dailyDemand] ?? [])),
    projects: target.discovers
      ? projectFigures(
          target,
          projectPeaks,
          projectTies.map((tie) => ({ live: timeOf(tie.live), queue: timeOf(tie.queue) })),
          rows[at.projectNames] ?? [],
          at.projectQueue < 0 ? [] : (rows[at.projectQueue] ?? []),
        )
      : null,
    ...(at.chart >= 0 && request.chartBucketMs !== undefined
      ? {
          chart: {
            bucketMs: request.chartBucketMs,
            rows: (rows[at.chart] ?? []).map((r) => ({
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

/** Count, peak, p95, mean (and queue peak) per project id. */
function projectStatement(target: FigureTarget, period: Period): string {
  const select = [
    'count("live") AS "n"',
    'max("live") AS "peak"',
    'percentile("live", 95) AS "p95"',
    'mean("live") AS "mean"',
  ];
  if (target.queue) select.push('max("queued") AS "queue_peak"');
  return overPoints(target, period, select.join(', '), undefined, ` GROUP BY ${quoteIdent(idTag(target))}`);
}

function projectFirst(
  target: FigureTarget,
  period: Period,
  id: string,
  field: 'live' | 'queued',
  value: number,
): string {
  return overPoints(
    target,
    period,
    `first(${quoteIdent(field)}) AS "value"`,
    `${quoteIdent(idTag(target))} = ${quoteString(id)} AND ${quoteIdent(field)} >= ${value}`,
  );
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
  peaks: readonly [string, Row][],
  ties: readonly { live: number | null; queue: number | null }[],
  names: readonly Row[],
  queueMinutes: readonly Row[],
): ProjectRaw[] {
  const id = idTag(target);
  const latest = new Map<string, { time: number; tags: Record<string, string> }>();
  for (const r of names) {
    const key = r.tags[id];
    if (key === undefined || key === '') continue;
    const known = latest.get(key);
    if (known === undefined || r.time >= known.time) latest.set(key, { time: r.time, tags: r.tags });
  }
  const minutes = new Map(queueMinutes.map((r) => [r.tags[id] ?? '', num(r.minutes) ?? 0]));
  return peaks.map(([key, r], i): ProjectRaw => {
    const tie = ties[i] ?? { live: null, queue: null };
    return {
      id: key,
      tags: latest.get(key)?.tags ?? { [id]: key },
      live: {
        present: num(r.n) ?? 0,
        peak: num(r.peak),
        peakTime: tie.live,
        p95: num(r.p95),
        mean: num(r.mean),
      },
      queue: target.queue
        ? { peak: num(r.queue_peak), peakTime: tie.queue, minutesNonEmpty: minutes.get(key) ?? 0 }
        : null,
    };
  });
}

const PLAN_STATEMENT_FIELDS =
  'last("plan_max_connections") AS "plan", max("period_peak") AS "period_peak", ' +
  'last("overage_connections") AS "oc_last", max("overage_connections") AS "oc_max", ' +
  'last("overage_messages") AS "om_last", max("overage_messages") AS "om_max"';

function planStatement(target: FigureTarget, period: Period): string {
  return overPoints(target, period, PLAN_STATEMENT_FIELDS);
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

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

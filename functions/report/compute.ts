import type { FigureTarget, ProjectRaw, RawFigures, SeriesFigures } from './figures.js';
import { forecastOf } from './forecast.js';
import type {
  CapacityFigures,
  Change,
  ChartPoint,
  ChartSeries,
  LiveFigures,
  PlanFigures,
  ProjectReport,
  QueueFigures,
  SampleCounts,
  TargetReport,
} from './model.js';
import type { Period, ReportPeriod } from './period.js';
import { verdictOf } from './verdict.js';

const MINUTE_MS = 60_000;

/** What the figures need to know about a target: what the statements need, and its names. */
export interface TargetInfo extends FigureTarget {
  provider: string;
  endpoint: string;
}

/** Sample times the schedule owes in `[from, to)`: targets are sampled at whole multiples of their interval. */
export function expectedSamples(period: Period, intervalMs: number): number {
  return Math.max(0, Math.ceil(period.to / intervalMs) - Math.ceil(period.from / intervalMs));
}

/**
 * Every figure of one target over `period`, from what InfluxDB computed for it: the counts against the schedule,
 * the capacity figures, the forecast, the verdict and the change against the previous period.
 *
 * @param coverageWarnPercent - coverage below this is flagged.
 */
export function computeTargetReport(
  target: TargetInfo,
  period: ReportPeriod,
  raw: RawFigures,
  coverageWarnPercent: number,
): TargetReport {
  const live = liveFigures(raw.live);
  const capacity = capacityFigures(target, raw);
  const forecast = forecastOf(raw.dailyDemandPeaks, capacity.value, period);
  const plan = raw.plan ? planFigures(raw.plan, raw.live.peak) : null;
  return {
    target: target.name,
    provider: target.provider,
    endpoint: target.endpoint,
    intervalSeconds: target.intervalMs / 1000,
    from: iso(period.from),
    to: iso(period.to),
    samples: sampleCounts(period, target.intervalMs, raw.live.present, coverageWarnPercent),
    live,
    queue: raw.queue ? queueFigures(raw.queue) : null,
    demand: { peak: raw.demand.peak, peakAt: minuteIso(raw.demand.peakTime) },
    capacity,
    forecast,
    verdict: verdictOf({
      capacity: capacity.value,
      livePeak: live.peak,
      p95: live.p95,
      demandPeak: raw.demand.peak,
      queue: raw.queue !== null,
      minutesAtOrAbove: capacity.minutesAtOrAbove,
      capacityReachedOn: forecast.capacityReachedOn,
      periodEnd: period.to,
    }),
    plan,
    metered: plan,
    previous: {
      from: iso(period.previous.from),
      to: iso(period.previous.to),
      samplesPresent: raw.previous.present,
      peak: raw.previous.peak,
      mean: raw.previous.mean,
    },
    change: {
      peak: change(live.peak, raw.previous.peak),
      mean: change(live.mean, raw.previous.mean),
    },
    projects: raw.projects ? projectReports(target, period, raw.projects, coverageWarnPercent) : null,
  };
}

/**
 * The capacity and the live figures against it. Its source is the config when the target sets one, else the
 * plan for an endpoint with plan figures; a capacity found only in the points (configured once, since removed)
 * counts as configured.
 */
export function capacityFigures(target: FigureTarget, raw: RawFigures): CapacityFigures {
  const value = raw.capacity;
  const peak = raw.live.peak;
  if (value === null) {
    return {
      value: null,
      source: null,
      peakPercent: null,
      headroom: null,
      minutesAtOrAbove: 0,
      minutesAbove90Percent: 0,
    };
  }
  return {
    value,
    source: target.capacity === undefined && target.plan ? 'plan' : 'config',
    peakPercent: peak === null ? null : (peak / value) * 100,
    headroom: peak === null ? null : value - peak,
    minutesAtOrAbove: raw.minutesAtOrAbove,
    minutesAbove90Percent: raw.minutesAbove90Percent,
  };
}

function projectReports(
  target: TargetInfo,
  period: Period,
  projects: readonly ProjectRaw[],
  coverageWarnPercent: number,
): ProjectReport[] {
  const [, nameTag = 'project_name', regionTag = 'region'] = target.projectTags;
  const reports = projects.map(
    (project): ProjectReport => ({
      project: project.id,
      name: project.tags[nameTag] || project.id,
      region: project.tags[regionTag] || null,
      samples: sampleCounts(period, target.intervalMs, project.live.present, coverageWarnPercent),
      live: liveFigures(project.live),
      queue: project.queue ? queueFigures(project.queue) : null,
    }),
  );
  return reports.sort((a, b) => compareText(a.name, b.name) || compareText(a.project, b.project));
}

function sampleCounts(
  period: Period,
  intervalMs: number,
  present: number,
  warnPercent: number,
): SampleCounts {
  const expected = expectedSamples(period, intervalMs);
  const coveragePercent = expected === 0 ? null : (present / expected) * 100;
  return {
    present,
    expected,
    missing: Math.max(0, expected - present),
    coveragePercent,
    coverageWarning: coveragePercent !== null && coveragePercent < warnPercent,
  };
}

function liveFigures(series: SeriesFigures): LiveFigures {
  return { peak: series.peak, peakAt: minuteIso(series.peakTime), p95: series.p95, mean: series.mean };
}

function queueFigures(queue: NonNullable<RawFigures['queue']>): QueueFigures {
  return { peak: queue.peak, peakAt: minuteIso(queue.peakTime), minutesNonEmpty: queue.minutesNonEmpty };
}

function planFigures(plan: NonNullable<RawFigures['plan']>, peak: number | null): PlanFigures {
  const cap = plan.planMaxConnections;
  return {
    planMaxConnections: cap,
    peakPercentOfPlan: cap !== null && cap > 0 && peak !== null ? (peak / cap) * 100 : null,
    periodPeak: plan.periodPeak,
    overageConnections: plan.overageConnections,
    overageMessages: plan.overageMessages,
  };
}

function change(current: number | null, previous: number | null): Change | null {
  if (current === null || previous === null) return null;
  const absolute = current - previous;
  return { absolute, percent: previous === 0 ? null : (absolute / previous) * 100 };
}

/** Bucket widths a chart may use, smallest first. */
const BUCKETS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((minutes) => minutes * MINUTE_MS);
/** About as many points as a chart 1000 px wide can show. */
const MAX_CHART_POINTS = 800;

/** The bucket width of a period's chart: the smallest that keeps it under 800 points, at least the interval. */
export function chartBucketMs(period: Period, intervalMs: number): number {
  const wanted = Math.max(intervalMs, (period.to - period.from) / MAX_CHART_POINTS);
  return BUCKETS_MS.find((width) => width >= wanted) ?? (BUCKETS_MS.at(-1) as number);
}

/**
 * The chart of a period from the highest values per bucket, so that the chart's highest point is the reported
 * peak, with `null` for a bucket without any sample, so that a gap in collection draws as a break in the line
 * rather than as a dip.
 */
export function chartSeries(period: Period, chart: NonNullable<RawFigures['chart']>): ChartSeries {
  const { bucketMs } = chart;
  const first = Math.floor(period.from / bucketMs) * bucketMs;
  const count = Math.ceil((period.to - first) / bucketMs);
  const points: ChartPoint[] = Array.from({ length: count }, (_, i) => ({
    time: first + i * bucketMs,
    live: null,
    queued: null,
    capacity: null,
  }));
  for (const row of chart.rows) {
    const point = points[Math.floor((row.time - first) / bucketMs)];
    if (point === undefined) continue;
    point.live = row.live;
    point.queued = row.queued;
    point.capacity = row.capacity;
  }
  return { bucketMs, points };
}

function minuteIso(time: number | null): string | null {
  return time === null ? null : iso(Math.floor(time / MINUTE_MS) * MINUTE_MS);
}

/** Code-unit order: the same in every locale, so a report is the same wherever it is made. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

import type {
  Change,
  ChartPoint,
  ChartSeries,
  CounterFigures,
  LiveFigures,
  ProjectReport,
  ProjectTags,
  QueueFigures,
  Sample,
  SampleCounts,
  TargetReport,
} from './model.js';
import type { Period } from './period.js';

const MINUTE_MS = 60_000;

/** What the figures need to know about a target besides its samples. */
export interface TargetInfo {
  name: string;
  provider: string;
  endpoint: string;
  /** Sample interval in ms. */
  intervalMs: number;
  /**
   * Whether the target discovers its projects (`"projects"` in the config): its report then has a `projects`
   * array even when the period holds none of their points.
   * @default false
   */
  discovers?: boolean;
  /**
   * Points per sample time at most: a discovering target's `maxProjects`, else 1. Only the query reads it.
   * @default 1
   */
  pointsPerTime?: number;
}

/** The few figures of the previous period that the report compares against. */
export interface PeriodSummary {
  samplesPresent: number;
  peak: number | null;
  mean: number | null;
}

/**
 * The `p`th percentile the way InfluxQL's `percentile()` picks it: sort ascending, take the value at rank
 * `floor(n × p / 100 + 0.5)` (1-based). `null` when that rank falls outside the values, as InfluxDB answers.
 */
export function percentile(values: ArrayLike<number>, p: number): number | null {
  const n = values.length;
  // Same operation order as InfluxDB's Go code, so that rounding at .5 lands on the same rank.
  const index = Math.floor((n * p) / 100 + 0.5) - 1;
  if (index < 0 || index >= n) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[index] as number;
}

/** Sample times the schedule owes in `[from, to)`: targets are sampled at whole multiples of their interval. */
export function expectedSamples(period: Period, intervalMs: number): number {
  return Math.max(0, Math.ceil(period.to / intervalMs) - Math.ceil(period.from / intervalMs));
}

/**
 * One sample per time, in time order. Points of the same target at the same time (a target polling several
 * projects) add up: the target's concurrency is the sum over its projects. Plan and counters take the highest.
 * A sum of several projects belongs to none of them, so it carries no `project`.
 */
export function mergeByTime(samples: readonly Sample[]): Sample[] {
  const ordered = isSorted(samples) ? samples : [...samples].sort((a, b) => a.time - b.time);
  const merged: Sample[] = [];
  for (const sample of ordered) {
    const last = merged[merged.length - 1];
    if (last === undefined || last.time !== sample.time) {
      merged.push({ ...sample });
      continue;
    }
    if (last.project !== sample.project) delete last.project;
    last.live += sample.live;
    last.queued = sumOrNull(last.queued, sample.queued);
    last.planMaxConnections = maxOrNull(last.planMaxConnections, sample.planMaxConnections);
    last.overageConnections = maxOrNull(last.overageConnections, sample.overageConnections);
    last.overageMessages = maxOrNull(last.overageMessages, sample.overageMessages);
    last.periodPeak = maxOrNull(last.periodPeak, sample.periodPeak);
  }
  return merged;
}

/** Present count, peak and mean of the samples in `period`: all the previous period contributes. */
export function summarise(period: Period, samples: readonly Sample[]): PeriodSummary {
  const merged = mergeByTime(within(period, samples));
  let peak: number | null = null;
  let sum = 0;
  for (const sample of merged) {
    if (peak === null || sample.live > peak) peak = sample.live;
    sum += sample.live;
  }
  return { samplesPresent: merged.length, peak, mean: merged.length === 0 ? null : sum / merged.length };
}

/**
 * Every figure of one target over `period`, from the samples InfluxDB holds for it (any order, any samples
 * outside the period are ignored) and the previous period's summary.
 */
export function computeTargetReport(
  target: TargetInfo,
  period: Period,
  samples: readonly Sample[],
  previous: { period: Period; summary: PeriodSummary },
): TargetReport {
  const inPeriod = within(period, samples);
  const merged = mergeByTime(inPeriod);
  const { figures: live, peakSample } = liveFigures(merged);
  const { peak, mean } = live;

  return {
    target: target.name,
    provider: target.provider,
    endpoint: target.endpoint,
    intervalSeconds: target.intervalMs / 1000,
    from: iso(period.from),
    to: iso(period.to),
    samples: sampleCounts(period, target.intervalMs, merged.length),
    live,
    queue: target.provider === 'streampixel' ? queueFigures(merged) : null,
    metered: target.provider === 'metered' ? meteredFigures(merged, peakSample) : null,
    previous: {
      from: iso(previous.period.from),
      to: iso(previous.period.to),
      samplesPresent: previous.summary.samplesPresent,
      peak: previous.summary.peak,
      mean: previous.summary.mean,
    },
    change: {
      peak: change(peak, previous.summary.peak),
      mean: change(mean, previous.summary.mean),
    },
    projects: projectReports(target, period, inPeriod),
  };
}

/**
 * The figures of each discovered project of a target, from the samples of `period` that carry a project's tags
 * (grouped by project id, so that a renamed project stays one row): `null` when the target does not discover
 * its projects and no sample says otherwise. A project's samples go through the same merge by time as the
 * target's, so that both are computed alike (InfluxDB keeps one point per series and time anyway).
 */
export function projectReports(
  target: TargetInfo,
  period: Period,
  samples: readonly Sample[],
): ProjectReport[] | null {
  const groups = new Map<string, { tags: ProjectTags; latest: number; samples: Sample[] }>();
  for (const sample of within(period, samples)) {
    const tags = sample.project;
    if (tags === undefined) continue;
    const group = groups.get(tags.id);
    if (group === undefined) {
      groups.set(tags.id, { tags, latest: sample.time, samples: [sample] });
      continue;
    }
    group.samples.push(sample);
    if (sample.time >= group.latest) {
      group.latest = sample.time;
      group.tags = tags;
    }
  }
  if (groups.size === 0 && !target.discovers) return null;
  const reports = [...groups.values()].map(({ tags, samples: own }): ProjectReport => {
    const merged = mergeByTime(own);
    return {
      project: tags.id,
      name: tags.name,
      region: tags.region,
      samples: sampleCounts(period, target.intervalMs, merged.length),
      live: liveFigures(merged).figures,
      queue: target.provider === 'streampixel' ? queueFigures(merged) : null,
    };
  });
  return reports.sort((a, b) => compareText(a.name, b.name) || compareText(a.project, b.project));
}

function sampleCounts(period: Period, intervalMs: number, present: number): SampleCounts {
  const expected = expectedSamples(period, intervalMs);
  return {
    present,
    expected,
    missing: Math.max(0, expected - present),
    coveragePercent: expected === 0 ? null : (present / expected) * 100,
  };
}

/** Peak (the earliest on a tie), p95 and mean of samples merged by time; and the sample of the peak. */
function liveFigures(merged: readonly Sample[]): { figures: LiveFigures; peakSample: Sample | undefined } {
  const lives = new Float64Array(merged.length);
  let peakSample: Sample | undefined;
  let sum = 0;
  merged.forEach((sample, i) => {
    lives[i] = sample.live;
    sum += sample.live;
    // Strictly greater: on a tie the earliest sample keeps the peak.
    if (peakSample === undefined || sample.live > peakSample.live) peakSample = sample;
  });
  return {
    figures: {
      peak: peakSample?.live ?? null,
      peakAt: peakSample ? iso(minuteOf(peakSample.time)) : null,
      p95: percentile(lives, 95),
      mean: merged.length === 0 ? null : sum / merged.length,
    },
    peakSample,
  };
}

function queueFigures(samples: readonly Sample[]): QueueFigures {
  let peakSample: Sample | undefined;
  const minutes = new Set<number>();
  for (const sample of samples) {
    if (sample.queued === null) continue;
    if (peakSample === undefined || sample.queued > (peakSample.queued as number)) peakSample = sample;
    if (sample.queued > 0) minutes.add(minuteOf(sample.time));
  }
  return {
    peak: peakSample?.queued ?? null,
    peakAt: peakSample ? iso(minuteOf(peakSample.time)) : null,
    minutesNonEmpty: minutes.size,
  };
}

function meteredFigures(samples: readonly Sample[], peakSample: Sample | undefined): TargetReport['metered'] {
  let lastPlan: number | null = null;
  let periodPeak: number | null = null;
  const overageConnections: CounterFigures = { last: null, max: null };
  const overageMessages: CounterFigures = { last: null, max: null };
  for (const sample of samples) {
    lastPlan = sample.planMaxConnections ?? lastPlan;
    periodPeak = maxOrNull(periodPeak, sample.periodPeak);
    track(overageConnections, sample.overageConnections);
    track(overageMessages, sample.overageMessages);
  }
  // The cap in force when the peak happened: a plan change later in the period does not rewrite history.
  const plan = peakSample?.planMaxConnections ?? lastPlan;
  const peak = peakSample?.live;
  return {
    planMaxConnections: plan,
    peakPercentOfPlan: plan !== null && plan > 0 && peak !== undefined ? (peak / plan) * 100 : null,
    periodPeak,
    overageConnections,
    overageMessages,
  };
}

function track(counter: CounterFigures, value: number | null): void {
  if (value === null) return;
  counter.last = value;
  counter.max = maxOrNull(counter.max, value);
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

/**
 * The samples of a period condensed for a chart: the highest `live` and `queued` per bucket, so that the
 * chart's highest point is the reported peak, and `null` for a bucket without any sample, so that a gap in
 * collection draws as a break in the line rather than as a dip.
 */
export function chartSeries(period: Period, samples: readonly Sample[], intervalMs: number): ChartSeries {
  const span = period.to - period.from;
  const wanted = Math.max(intervalMs, span / MAX_CHART_POINTS);
  const bucketMs = BUCKETS_MS.find((width) => width >= wanted) ?? (BUCKETS_MS.at(-1) as number);
  const first = Math.floor(period.from / bucketMs) * bucketMs;
  const count = Math.ceil((period.to - first) / bucketMs);
  const points: ChartPoint[] = Array.from({ length: count }, (_, i) => ({
    time: first + i * bucketMs,
    live: null,
    queued: null,
    cap: null,
  }));
  for (const sample of mergeByTime(within(period, samples))) {
    const point = points[Math.floor((sample.time - first) / bucketMs)] as ChartPoint;
    point.live = maxOrNull(point.live, sample.live);
    point.queued = maxOrNull(point.queued, sample.queued);
    point.cap = maxOrNull(point.cap, sample.planMaxConnections);
  }
  return { bucketMs, points };
}

function within(period: Period, samples: readonly Sample[]): readonly Sample[] {
  const inside = (sample: Sample) => sample.time >= period.from && sample.time < period.to;
  return samples.every(inside) ? samples : samples.filter(inside);
}

function isSorted(samples: readonly Sample[]): boolean {
  for (let i = 1; i < samples.length; i++) {
    if ((samples[i] as Sample).time < (samples[i - 1] as Sample).time) return false;
  }
  return true;
}

function minuteOf(time: number): number {
  return Math.floor(time / MINUTE_MS) * MINUTE_MS;
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function sumOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a + b;
}

/** Code-unit order: the same in every locale, so a report is the same wherever it is made. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

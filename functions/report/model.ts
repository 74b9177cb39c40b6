/** The figures of a report, as every format shows them (JSON prints them as they are). */

/** Sample counts of a period against what the schedule owes. */
export interface SampleCounts {
  /** Sample times found in InfluxDB. */
  present: number;
  /** Sample times the schedule owes in the period: `(to − from) / interval`. */
  expected: number;
  /** `expected − present`, never below 0. */
  missing: number;
  /** `present / expected` in percent, `null` when nothing was expected. */
  coveragePercent: number | null;
  /** Whether the coverage is below the report's `--coverage-warn` threshold: the only case it is flagged. */
  coverageWarning: boolean;
}

/** Peak, its time, p95 and mean of `live`. */
export interface LiveFigures {
  /** Highest `live`; `null` when the period has no sample. */
  peak: number | null;
  /** Start of the first minute in which `live` reached `peak` (the tie rule of docs/cli.md). */
  peakAt: string | null;
  /** 95th percentile, nearest rank as InfluxQL's `percentile()` picks it. */
  p95: number | null;
  /** Mean over the samples present (a gap counts as no data, not as zero). */
  mean: number | null;
}

/** The queue (figure group `queue`) over a period. */
export interface QueueFigures {
  peak: number | null;
  /** Start of the first minute in which the queue reached `peak`. */
  peakAt: string | null;
  /** Distinct minutes with at least one sample whose queue was above 0. */
  minutesNonEmpty: number;
}

/**
 * One project a target discovered, over the same period: the figures of its own points, as if it were a target.
 * The target's own figures stay the account total (the sum over its projects at each sample time).
 */
export interface ProjectReport {
  /** The project's id. */
  project: string;
  /** Its name, as its latest point in the period has it (a renamed project keeps one row, under its new name). */
  name: string;
  region: string | null;
  /**
   * Expected counts the whole period, like the target's: a project created or deleted during the period, or
   * skipped while inactive, shows the time it was not polled as missing samples.
   */
  samples: SampleCounts;
  live: LiveFigures;
  /** `null` for providers that have no queue. */
  queue: QueueFigures | null;
}

/** A change against the previous period; `percent` is `null` when the previous value was 0. */
export interface Change {
  absolute: number;
  percent: number | null;
}

/** A counter's last value in the period and its highest. */
export interface CounterFigures {
  last: number | null;
  max: number | null;
}

/** The plan's limits and counters (figure group `plan`). */
export interface PlanFigures {
  /** The plan's connection cap when the peak was reached. */
  planMaxConnections: number | null;
  /** The peak as a percentage of that cap. */
  peakPercentOfPlan: number | null;
  /** Highest `period_peak` (the provider's own peak of its billing period) seen in the period. */
  periodPeak: number | null;
  overageConnections: CounterFigures;
  overageMessages: CounterFigures;
}

/** Where a capacity comes from: the target's config, or its plan's reported cap. */
export type CapacitySource = 'config' | 'plan';

/** The live figures against the capacity; `value`, `source` and the ratios `null`, the minutes 0, without one. */
export interface CapacityFigures {
  /** The capacity at the end of the period (the `capacity` field of the latest point that has one). */
  value: number | null;
  source: CapacitySource | null;
  /** The live peak as a percentage of `value`. */
  peakPercent: number | null;
  /** `value − live peak`: negative when the peak went over. */
  headroom: number | null;
  /** Distinct minutes with a sample whose live count was at or above `value`. */
  minutesAtOrAbove: number;
  /** Distinct minutes with a sample whose live count was at or above 90 % of `value`. */
  minutesAbove90Percent: number;
}

/** What users wanted: `live + queued` at one sample time (the live figures where there is no queue). */
export interface DemandFigures {
  peak: number | null;
  /** Start of the first minute in which `peak` was reached. */
  peakAt: string | null;
}

/** The trend of the daily demand peaks, projected (docs/reports-and-dashboards.md). */
export interface Forecast {
  /** How the trend is fitted: `theil-sen` (median of the pairwise slopes, median intercept). */
  method: 'theil-sen';
  /** Days with data among the 90 before the period's end. */
  basisDays: number;
  /** The trend at the end of the next period of the same kind; `null` below 14 days of data. */
  nextPeriodPeak: number | null;
  /**
   * The first day (`YYYY-MM-DD`, from the period's end) on which the trend reaches the capacity, within 180 days;
   * `null` when it does not, when there is no capacity, or below 14 days of data.
   */
  capacityReachedOn: string | null;
  /** The trend's two ends for a chart: at the period's start and at the end of the next period. */
  line: { from: { time: string; value: number }; to: { time: string; value: number } } | null;
}

/** The answer to "should we upgrade?" (the rule is in docs/reports-and-dashboards.md). */
export interface Verdict {
  level: 'upgrade' | 'watch' | 'oversized' | 'ok' | 'unknown';
  /** One sentence with the figures that decided it. */
  reason: string;
}

/** Everything the report says about one target over one period. Times are ISO 8601 in UTC. */
export interface TargetReport {
  target: string;
  provider: string;
  endpoint: string;
  /** The target's configured sample interval, in seconds. */
  intervalSeconds: number;
  /** Start of the period (inclusive). */
  from: string;
  /** End of the period (exclusive). */
  to: string;
  /** Sample times present (a time of several projects counts once) against expected. */
  samples: SampleCounts;
  /** Of the account total when the target discovers its projects: `live` summed over them at each time. */
  live: LiveFigures;
  /** The queue (summed over projects, like `live`); `null` for endpoints without the `queue` figures. */
  queue: QueueFigures | null;
  /** What users wanted: `live + queued` at one time, the account total like `live`. */
  demand: DemandFigures;
  capacity: CapacityFigures;
  forecast: Forecast;
  verdict: Verdict;
  /** The plan's cap and overage counters; `null` for endpoints without the `plan` figures. */
  plan: PlanFigures | null;
  /** @deprecated The same object as `plan`, under its name before figure groups; removed in the next release. */
  metered: PlanFigures | null;
  /** What the period is compared with: the previous calendar period, or the same length just before. */
  previous: {
    from: string;
    to: string;
    samplesPresent: number;
    peak: number | null;
    mean: number | null;
  };
  /** This period against the previous one; `null` when either has no sample. */
  change: {
    peak: Change | null;
    mean: Change | null;
  };
  /**
   * Per discovered project, sorted by name (then id); `null` for a target of one configured project. A target
   * that discovers its projects has an array, empty when the period has none of their points.
   */
  projects: ProjectReport[] | null;
}

/** One point of a chart: the highest values in a bucket of time, `null` where no sample fell in it. */
export interface ChartPoint {
  time: number;
  live: number | null;
  queued: number | null;
  /** The highest `capacity` in the bucket. */
  capacity: number | null;
}

/** What the HTML report draws for a target. */
export interface ChartSeries {
  /** Width of a bucket in ms; each point is the bucket's maximum, so the chart keeps the peak. */
  bucketMs: number;
  points: ChartPoint[];
}

/** A whole report: one entry per target, in the configuration's order. */
export interface Report {
  /** When the report was made (ISO 8601). */
  generatedAt: string;
  period: { from: string; to: string; label: string };
  previous: { from: string; to: string };
  /** Coverage below this percentage is flagged (`--coverage-warn`). */
  coverageWarnPercent: number;
  targets: TargetReport[];
  /** Per target name; only filled when a chart was asked for (HTML). */
  charts: Map<string, ChartSeries>;
}

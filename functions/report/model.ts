/** The figures of a report, as every format shows them (JSON prints them as they are). */

/** One `concurrency` point of a target, reduced to the fields a report reads; `null` where a field is absent. */
export interface Sample {
  /** The sample's scheduled time, ms since the epoch. */
  time: number;
  live: number;
  /** Streampixel only. */
  queued: number | null;
  /** Metered only, like the three below. */
  planMaxConnections: number | null;
  overageConnections: number | null;
  overageMessages: number | null;
  /** Metered's own `peakConcurrent` of its billing period. */
  periodPeak: number | null;
  /**
   * The tags of a point of a project found by discovery (`project`, `project_name`, `region`); absent on the
   * points of a target configured with one project.
   */
  project?: ProjectTags;
}

/** Which discovered project a sample belongs to. One object per project and query, shared by its samples. */
export interface ProjectTags {
  /** The project's id (the `project` tag): what the per-project figures group by. */
  id: string;
  /** Its name (`project_name`). */
  name: string;
  /** Its region (`region`), when the project listing gave one. */
  region: string | null;
}

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

/** Streampixel's queue over a period. */
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
  /** Streampixel's queue (summed over projects, like `live`); `null` for providers that have none. */
  queue: QueueFigures | null;
  /** Metered's plan and overage counters; `null` for other providers. */
  metered: {
    /** The plan's connection cap when the peak was reached. */
    planMaxConnections: number | null;
    /** The peak as a percentage of that cap. */
    peakPercentOfPlan: number | null;
    /** Highest `period_peak` (Metered's own peak of its billing period) seen in the period. */
    periodPeak: number | null;
    overageConnections: CounterFigures;
    overageMessages: CounterFigures;
  } | null;
  /** The period of the same length just before this one. */
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
  /** Metered's plan cap (`plan_max_connections`). */
  cap: number | null;
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
  targets: TargetReport[];
  /** Per target name; only filled when a chart was asked for (HTML). */
  charts: Map<string, ChartSeries>;
}

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
  samples: {
    /** Sample times found in InfluxDB. */
    present: number;
    /** Sample times the schedule owes in the period: `(to − from) / interval`. */
    expected: number;
    /** `expected − present`, never below 0. */
    missing: number;
    /** `present / expected` in percent, `null` when nothing was expected. */
    coveragePercent: number | null;
  };
  live: {
    /** Highest `live`; `null` when the period has no sample. */
    peak: number | null;
    /** Start of the first minute in which `live` reached `peak` (the tie rule of shared/CLI.md). */
    peakAt: string | null;
    /** 95th percentile, nearest rank as InfluxQL's `percentile()` picks it. */
    p95: number | null;
    /** Mean over the samples present (a gap counts as no data, not as zero). */
    mean: number | null;
  };
  /** Streampixel's queue; `null` for providers that have none. */
  queue: {
    peak: number | null;
    /** Start of the first minute in which the queue reached `peak`. */
    peakAt: string | null;
    /** Distinct minutes with at least one sample whose queue was above 0. */
    minutesNonEmpty: number;
  } | null;
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

import pLimit from 'p-limit';
import type { Target } from '../config/schema.js';
import { isDiscovering } from '../providers/discovering.js';
import { adapterFor } from '../providers/registry.js';
import { chartBucketMs, chartSeries, computeTargetReport, type TargetInfo } from './compute.js';
import { readFigures } from './figures.js';
import { FORECAST_HISTORY_DAYS } from './forecast.js';
import type { ChartSeries, Report, TargetReport } from './model.js';
import { periodLabel, type ReportPeriod } from './period.js';
import type { StatementRunner } from './query.js';

const DAY_MS = 86_400_000;

/** Coverage below this percentage is flagged unless `--coverage-warn` says otherwise. */
export const DEFAULT_COVERAGE_WARN_PERCENT = 99;

export interface BuildReportOptions {
  /** Also read each target's chart (the HTML report needs it). @default false */
  charts?: boolean;
  /** Targets read at once; each is two or three requests of aggregates. @default 4 */
  concurrency?: number;
  /** Coverage below this percentage is flagged. @default 99 */
  coverageWarnPercent?: number;
  /** The report's timestamp. @default Date.now() */
  now?: number;
}

/** The target as the report knows it: names, interval, capacity, and what its endpoint's points can say. */
export function targetInfo(target: Target): TargetInfo {
  const adapter = adapterFor(target.endpoint);
  const { figures, projectTags } = adapter.capabilities;
  return {
    name: target.name,
    provider: adapter.provider,
    endpoint: target.endpoint,
    intervalMs: target.interval,
    discovers: isDiscovering(target),
    queue: figures.includes('queue'),
    plan: figures.includes('plan'),
    projectTags,
    capacity: target.capacity,
  };
}

/**
 * Reads and computes the report of `targets` over `period`. InfluxDB computes the figures; each target is a
 * few requests of aggregates, so memory does not grow with the period. Throws the runner's error (an
 * `InfluxQueryError` for InfluxDB) when any target cannot be read: a report with a silently missing target would
 * read as a quiet one.
 */
export async function buildReport(
  targets: readonly Target[],
  period: ReportPeriod,
  runner: StatementRunner,
  options: BuildReportOptions = {},
): Promise<Report> {
  const coverageWarnPercent = options.coverageWarnPercent ?? DEFAULT_COVERAGE_WARN_PERCENT;
  const limit = pLimit(options.concurrency ?? 4);
  const charts = new Map<string, ChartSeries>();
  const history = { from: period.to - FORECAST_HISTORY_DAYS * DAY_MS, to: period.to };
  const reports = await Promise.all(
    targets.map((target) =>
      limit(async (): Promise<TargetReport> => {
        const info = targetInfo(target);
        const raw = await readFigures(runner, info, {
          period,
          previous: period.previous,
          history,
          chartBucketMs: options.charts ? chartBucketMs(period, info.intervalMs) : undefined,
        });
        if (raw.chart) charts.set(info.name, chartSeries(period, raw.chart));
        return computeTargetReport(info, period, raw, coverageWarnPercent);
      }),
    ),
  );
  return {
    generatedAt: new Date(options.now ?? Date.now()).toISOString(),
    period: { from: iso(period.from), to: iso(period.to), label: periodLabel(period) },
    previous: { from: iso(period.previous.from), to: iso(period.previous.to) },
    coverageWarnPercent,
    targets: reports,
    charts,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

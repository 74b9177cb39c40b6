import pLimit from 'p-limit';
import type { Target } from '../config/schema.js';
import { isDiscovering, projectsOf } from '../discovery/target.js';
import { adapterFor } from '../providers/registry.js';
import { chartSeries, computeTargetReport, summarise, type TargetInfo } from './compute.js';
import type { ChartSeries, Report, TargetReport } from './model.js';
import { type Period, periodLabel, previousPeriod } from './period.js';
import type { SampleSource } from './query.js';

export interface BuildReportOptions {
  /** Also condense each target's samples for a chart (the HTML report needs it). @default false */
  charts?: boolean;
  /**
   * Targets read at once. Each holds its period's raw samples in memory while it is computed (a month of a
   * 10 s target is about 270 000 samples), so this bounds memory as much as time.
   * @default 4
   */
  concurrency?: number;
  /** The report's timestamp. @default Date.now() */
  now?: number;
}

/** The target as the report knows it: name, provider, endpoint, interval, and whether it discovers projects. */
export function targetInfo(target: Target): TargetInfo {
  return {
    name: target.name,
    provider: adapterFor(target.endpoint).provider,
    endpoint: target.endpoint,
    intervalMs: target.interval,
    discovers: isDiscovering(target),
    pointsPerTime: projectsOf(target),
  };
}

/**
 * Reads and computes the report of `targets` over `period`. Each target's previous period is read and reduced
 * to its summary before the current one is read, so that at most one period of raw samples per target is held.
 * Throws the source's error (an `InfluxQueryError` for InfluxDB) when any target cannot be read: a report with a
 * silently missing target would read as a quiet one.
 */
export async function buildReport(
  targets: readonly Target[],
  period: Period,
  source: SampleSource,
  options: BuildReportOptions = {},
): Promise<Report> {
  const previous = previousPeriod(period);
  const limit = pLimit(options.concurrency ?? 4);
  const charts = new Map<string, ChartSeries>();
  const reports = await Promise.all(
    targets.map((target) =>
      limit(async (): Promise<TargetReport> => {
        const info = targetInfo(target);
        const summary = summarise(previous, await source.samples(info, previous));
        const samples = await source.samples(info, period);
        if (options.charts) charts.set(info.name, chartSeries(period, samples, info.intervalMs));
        return computeTargetReport(info, period, samples, { period: previous, summary });
      }),
    ),
  );
  return {
    generatedAt: new Date(options.now ?? Date.now()).toISOString(),
    period: { from: iso(period.from), to: iso(period.to), label: periodLabel(period) },
    previous: { from: iso(previous.from), to: iso(previous.to) },
    targets: reports,
    charts,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * In-memory figures for the renderer tests: what InfluxDB would answer the report's statements for a list of
 * samples, computed here in plain code (the integration tests check the real statements against a real influxd).
 */
import {
  chartBucketMs,
  chartSeries,
  computeTargetReport,
  type TargetInfo,
} from '../../functions/report/compute.js';
import type { ProjectRaw, RawFigures, SeriesFigures } from '../../functions/report/figures.js';
import type { ChartSeries, Report, TargetReport } from '../../functions/report/model.js';
import { type Period, periodLabel, withComparison } from '../../functions/report/period.js';

const MIN = 60_000;
const DAY = 86_400_000;

/** One point of a target, as the tests describe it. */
export interface Sample {
  time: number;
  live: number;
  queued?: number | null;
  capacity?: number | null;
  planMaxConnections?: number | null;
  overageConnections?: number | null;
  overageMessages?: number | null;
  periodPeak?: number | null;
  project?: { id: string; name: string; region: string | null };
}

/** A target of the fixture: what the report knows of it, and its samples in any period. */
export interface FixtureTarget {
  info: Partial<TargetInfo> & Pick<TargetInfo, 'name' | 'provider' | 'endpoint' | 'intervalMs'>;
  data: (range: Period) => Sample[];
}

const within = (samples: Sample[], p: Period) => samples.filter((s) => s.time >= p.from && s.time < p.to);

/** Sums the points of one time (the projects of a discovering target). */
function totals(samples: Sample[]): Sample[] {
  const byTime = new Map<number, Sample>();
  for (const s of samples) {
    const total = byTime.get(s.time);
    if (!total) byTime.set(s.time, { ...s, project: undefined });
    else {
      total.live += s.live;
      total.queued = s.queued == null ? total.queued : (total.queued ?? 0) + s.queued;
      total.capacity = Math.max(total.capacity ?? 0, s.capacity ?? 0) || null;
    }
  }
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

function series(samples: Sample[]): SeriesFigures {
  const live = samples.map((s) => s.live);
  const sorted = [...live].sort((a, b) => a - b);
  const rank = Math.floor((sorted.length * 95) / 100 + 0.5);
  const peak = live.length ? Math.max(...live) : null;
  return {
    present: samples.length,
    peak,
    peakTime: samples.find((s) => s.live === peak)?.time ?? null,
    p95: rank >= 1 && rank <= sorted.length ? (sorted[rank - 1] as number) : null,
    mean: live.length ? live.reduce((a, b) => a + b, 0) / live.length : null,
  };
}

function queue(samples: Sample[]) {
  const queued = samples.filter((s) => s.queued != null);
  const peak = queued.length ? Math.max(...queued.map((s) => s.queued as number)) : null;
  return {
    peak,
    peakTime: queued.find((s) => s.queued === peak)?.time ?? null,
    minutesNonEmpty: new Set(
      queued.filter((s) => (s.queued as number) > 0).map((s) => Math.floor(s.time / MIN)),
    ).size,
  };
}

const minutes = (samples: Sample[], test: (s: Sample) => boolean) =>
  new Set(samples.filter(test).map((s) => Math.floor(s.time / MIN))).size;

function info(target: FixtureTarget): TargetInfo {
  return {
    discovers: false,
    queue: target.info.provider === 'streampixel',
    plan: target.info.provider === 'metered',
    projectTags: ['project', 'project_name', 'region'],
    ...target.info,
  };
}

/** The raw figures of one target over `period`, as the statements would compute them. */
export function rawFigures(
  target: FixtureTarget,
  period: Period & { previous: Period },
  chart: boolean,
): RawFigures {
  const t = info(target);
  const all = within(target.data(period), period);
  const merged = totals(all);
  const previous = totals(within(target.data(period.previous), period.previous));
  const capacityField = merged.filter((s) => s.capacity != null).at(-1)?.capacity ?? null;
  const lastPlan = merged.filter((s) => s.planMaxConnections != null).at(-1)?.planMaxConnections ?? null;
  const capacity = capacityField ?? t.capacity ?? (t.plan ? lastPlan : null);
  const demand = merged.map((s) => ({ time: s.time, value: s.live + (s.queued ?? 0) }));
  const demandPeak = demand.length ? Math.max(...demand.map((d) => d.value)) : null;
  const live = series(merged);
  const days = new Map<number, number>();
  for (const d of demand)
    days.set(
      Math.floor(d.time / DAY) * DAY,
      Math.max(days.get(Math.floor(d.time / DAY) * DAY) ?? 0, d.value),
    );
  const projects = new Map<string, Sample[]>();
  for (const s of all) if (s.project) projects.set(s.project.id, [...(projects.get(s.project.id) ?? []), s]);
  const bucketMs = chartBucketMs(period, t.intervalMs);
  const buckets = new Map<number, Sample[]>();
  for (const s of merged) {
    const key = Math.floor(s.time / bucketMs) * bucketMs;
    buckets.set(key, [...(buckets.get(key) ?? []), s]);
  }
  const max = (values: (number | null | undefined)[]) => {
    const present = values.filter((v): v is number => v != null);
    return present.length ? Math.max(...present) : null;
  };
  return {
    live,
    queue: t.queue ? queue(merged) : null,
    demand: { peak: demandPeak, peakTime: demand.find((d) => d.value === demandPeak)?.time ?? null },
    capacityField,
    capacity,
    minutesAtOrAbove: capacity === null ? 0 : minutes(merged, (s) => s.live >= capacity),
    minutesAbove90Percent: capacity === null ? 0 : minutes(merged, (s) => s.live * 10 >= capacity * 9),
    plan: t.plan
      ? {
          planMaxConnections: merged.find((s) => s.time === live.peakTime)?.planMaxConnections ?? lastPlan,
          periodPeak: max(merged.map((s) => s.periodPeak)),
          overageConnections: {
            last: merged.filter((s) => s.overageConnections != null).at(-1)?.overageConnections ?? null,
            max: max(merged.map((s) => s.overageConnections)),
          },
          overageMessages: {
            last: merged.filter((s) => s.overageMessages != null).at(-1)?.overageMessages ?? null,
            max: max(merged.map((s) => s.overageMessages)),
          },
        }
      : null,
    previous: (({ present, peak, mean }) => ({ present, peak, mean }))(series(previous)),
    dailyDemandPeaks: [...days.entries()].map(([day, peak]) => ({ day, peak })),
    projects: t.discovers
      ? [...projects.entries()].map(
          ([id, own]): ProjectRaw => ({
            id,
            tags: {
              project: id,
              project_name: own.at(-1)?.project?.name ?? id,
              ...(own.at(-1)?.project?.region ? { region: own.at(-1)?.project?.region as string } : {}),
            },
            live: series(own),
            queue: t.queue ? queue(own) : null,
          }),
        )
      : null,
    ...(chart
      ? {
          chart: {
            bucketMs,
            rows: [...buckets.entries()].map(([time, bucket]) => ({
              time,
              live: max(bucket.map((s) => s.live)) as number,
              queued: max(bucket.map((s) => s.queued)),
              capacity: max(bucket.map((s) => s.capacity)),
            })),
          },
        }
      : {}),
  };
}

/** A whole report of fixture targets over a calendar or explicit period. */
export function fixtureReport(
  targets: readonly FixtureTarget[],
  period: Period,
  options: { generatedAt: string; kind?: 'day' | 'month'; coverageWarnPercent?: number },
): Report {
  const full = withComparison(period, options.kind);
  const charts = new Map<string, ChartSeries>();
  const coverageWarnPercent = options.coverageWarnPercent ?? 99;
  const reports = targets.map((target): TargetReport => {
    const raw = rawFigures(target, full, true);
    if (raw.chart) charts.set(target.info.name, chartSeries(full, raw.chart));
    return computeTargetReport(info(target), full, raw, coverageWarnPercent);
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    generatedAt: options.generatedAt,
    period: { from: iso(period.from), to: iso(period.to), label: periodLabel(period) },
    previous: { from: iso(full.previous.from), to: iso(full.previous.to) },
    coverageWarnPercent,
    targets: reports,
    charts,
  };
}

import type { Change, CounterFigures, ProjectReport, Report, TargetReport } from '../model.js';

/** What a figure shows when it has no value (no sample, or not reported by this provider). */
export const NONE = '–';

/** An integer as is, a fraction with `decimals` digits; {@link NONE} for `null`. */
export function num(value: number | null | undefined, decimals = 0): string {
  if (value === null || value === undefined) return NONE;
  return Number.isInteger(value) && decimals === 0 ? String(value) : value.toFixed(decimals);
}

/** `87.3 %`. */
export function percent(value: number | null | undefined, decimals = 1): string {
  return value === null || value === undefined ? NONE : `${value.toFixed(decimals)} %`;
}

/** `+2 (+5.3 %)`, with a true minus sign; {@link NONE} when either period had no sample. */
export function changeText(change: Change | null, decimals = 0): string {
  if (change === null) return NONE;
  const absolute = signed(change.absolute, decimals);
  return change.percent === null ? absolute : `${absolute} (${signed(change.percent, 1)} %)`;
}

function signed(value: number, decimals: number): string {
  const text = Math.abs(value).toFixed(decimals);
  // ± only for no change at all: a small fall that rounds to 0.0 still reads as a fall.
  if (value === 0) return `±${text}`;
  return `${value < 0 ? '−' : '+'}${text}`;
}

/** `2026-10-03 20:14` from an ISO time: the report is in UTC and says so in its headings. */
export function utcMinute(iso: string | null): string {
  return iso === null ? NONE : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** `last / max` of a counter. */
export function counter(figures: CounterFigures): string {
  return `${num(figures.last)} / ${num(figures.max)}`;
}

/** `10s`, `1m`: the interval the way the config writes it. */
export function interval(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** `31 d`, `6 h 30 min`: how long a period is. */
export function duration(fromIso: string, toIso: string): string {
  const minutes = Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', rest ? `${rest} min` : ''];
  return parts.filter(Boolean).join(' ') || '0 min';
}

/** The two heading lines every human-readable format starts with. */
export function headings(report: Report): { title: string; comparison: string } {
  const { period, previous } = report;
  return {
    title: `Concurrency report ${period.label}: ${utcMinute(period.from)} → ${utcMinute(period.to)} UTC (${duration(period.from, period.to)})`,
    comparison: `Compared with ${utcMinute(previous.from)} → ${utcMinute(previous.to)} UTC (${duration(previous.from, previous.to)})`,
  };
}

/** A table as header + rows of cells, shared by the terminal, Markdown and HTML renderers. */
export interface TableData {
  header: string[];
  /** Columns whose cells are numbers, aligned right. */
  numeric: boolean[];
  rows: string[][];
}

/** Every table of a report, as the text renderers show them; `plan` and `projects` only when a target has them. */
export interface ReportTables {
  usage: TableData;
  capacity: TableData;
  verdicts: string[];
  coverage: TableData;
  plan: TableData | undefined;
  projects: TableData | undefined;
}

export function reportTables(report: Report): ReportTables {
  const { targets } = report;
  return {
    usage: usageTable(targets),
    capacity: capacityTable(targets),
    verdicts: verdictLines(targets),
    coverage: coverageTable(targets),
    plan: planTable(targets),
    projects: projectTable(targets),
  };
}

/** Peak, when, p95, mean, queue and the change against the previous period, one row per target. */
export function usageTable(targets: readonly TargetReport[]): TableData {
  return {
    header: ['target', ...USAGE_COLUMNS.header, 'peak vs previous', 'mean vs previous'],
    numeric: [false, ...USAGE_COLUMNS.numeric, true, true],
    rows: targets.map((t) => [
      t.target,
      ...usageCells(t),
      changeText(t.change.peak),
      changeText(t.change.mean, 1),
    ]),
  };
}

/** The headers of {@link usageCells}' columns, and which of them are numbers. */
const USAGE_COLUMNS = {
  header: ['peak', 'peak at (UTC)', 'p95', 'mean', 'queue peak', 'queue peak at (UTC)', 'queue minutes'],
  numeric: [true, false, true, true, true, false, true],
} as const;

/** Peak, its time, p95, mean, queue peak, its time and queue minutes: the usage columns of a target or a project. */
function usageCells(figures: Pick<TargetReport, 'live' | 'queue'>): string[] {
  const { live, queue } = figures;
  return [
    num(live.peak),
    utcMinute(live.peakAt),
    num(live.p95),
    num(live.mean, 1),
    num(queue?.peak),
    utcMinute(queue?.peakAt ?? null),
    queue ? String(queue.minutesNonEmpty) : NONE,
  ];
}

/**
 * Against the capacity: its value and source, the peak's share, headroom, minutes at or near it, the demand peak
 * and when, the forecast and the verdict, one row per target.
 */
export function capacityTable(targets: readonly TargetReport[]): TableData {
  return {
    header: [
      'target',
      'capacity',
      'peak of capacity',
      'headroom',
      'min at cap',
      'min ≥ 90 %',
      'demand peak',
      'demand peak at (UTC)',
      'next period (trend)',
      'cap reached on',
      'verdict',
    ],
    numeric: [false, true, true, true, true, true, true, false, true, false, false],
    rows: targets.map((t) => [
      t.target,
      t.capacity.value === null ? NONE : `${t.capacity.value} (${t.capacity.source})`,
      percent(t.capacity.peakPercent),
      num(t.capacity.headroom),
      String(t.capacity.minutesAtOrAbove),
      String(t.capacity.minutesAbove90Percent),
      num(t.demand.peak),
      utcMinute(t.demand.peakAt),
      num(t.forecast.nextPeriodPeak, 0),
      t.forecast.capacityReachedOn ?? NONE,
      t.verdict.level,
    ]),
  };
}

/** Each target's verdict with its reason, one line each: `name: level — reason`. */
export function verdictLines(targets: readonly TargetReport[]): string[] {
  return targets.map((t) => `${t.target}: ${t.verdict.level} — ${t.verdict.reason}`);
}

/** Samples present against expected: a gap in collection shows here, not as a quiet period. */
export function coverageTable(targets: readonly TargetReport[]): TableData {
  return {
    header: ['target', 'provider', 'interval', 'samples present', 'expected', 'missing', 'coverage'],
    numeric: [false, false, false, true, true, true, true],
    rows: targets.map((t) => [
      t.target,
      t.provider,
      interval(t.intervalSeconds),
      String(t.samples.present),
      String(t.samples.expected),
      String(t.samples.missing),
      coverageText(t.samples),
    ]),
  };
}

/** The coverage, marked `!` when it is below the `--coverage-warn` threshold. */
export function coverageText(samples: TargetReport['samples']): string {
  const text = percent(samples.coveragePercent);
  return samples.coverageWarning ? `${text} !` : text;
}

/**
 * The discovered projects of the targets that have any: per project the usage and coverage figures of its own
 * points, under its target's name (whose own rows, in the other tables, are the account total). `undefined`
 * when no target has a project. `target: false` leaves the target column out (the HTML puts each target's
 * projects under its own chart).
 */
export function projectTable(
  targets: readonly TargetReport[],
  options: { target?: boolean } = {},
): TableData | undefined {
  const withTarget = options.target ?? true;
  const rows: string[][] = [];
  for (const t of targets) {
    for (const p of t.projects ?? []) {
      const row = [
        projectLabel(p, t.projects ?? []),
        p.region ?? NONE,
        ...usageCells(p),
        String(p.samples.present),
        String(p.samples.expected),
        coverageText(p.samples),
      ];
      rows.push(withTarget ? [t.target, ...row] : row);
    }
  }
  if (rows.length === 0) return undefined;
  const header = ['project', 'region', ...USAGE_COLUMNS.header, 'samples present', 'expected', 'coverage'];
  const numeric = [false, false, ...USAGE_COLUMNS.numeric, true, true, true];
  return withTarget
    ? { header: ['target', ...header], numeric: [false, ...numeric], rows }
    : { header, numeric, rows };
}

/** A project's name, with its id when another project of the target has the same name. */
function projectLabel(project: ProjectReport, siblings: readonly ProjectReport[]): string {
  const shared = siblings.some((other) => other !== project && other.name === project.name);
  return shared ? `${project.name} (${project.project})` : project.name;
}

/** Targets with plan figures: the peak against the plan's cap, and the overage counters; `undefined` when none. */
export function planTable(targets: readonly TargetReport[]): TableData | undefined {
  const withPlan = targets.filter((t) => t.plan !== null);
  if (withPlan.length === 0) return undefined;
  return {
    header: [
      'target',
      'peak',
      'plan cap',
      'peak of cap',
      'period peak',
      'overage connections (last / max)',
      'overage messages (last / max)',
    ],
    numeric: [false, true, true, true, true, true, true],
    rows: withPlan.map((t) => {
      const m = t.plan as NonNullable<TargetReport['plan']>;
      return [
        t.target,
        num(t.live.peak),
        num(m.planMaxConnections),
        percent(m.peakPercentOfPlan),
        num(m.periodPeak),
        counter(m.overageConnections),
        counter(m.overageMessages),
      ];
    }),
  };
}

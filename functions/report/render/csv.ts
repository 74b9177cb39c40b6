import type { ProjectReport, Report, TargetReport } from '../model.js';

/** A CSV row: a target's (the account total when it discovers projects), or one of its projects'. */
interface Row {
  t: TargetReport;
  /** Set on a project's row. */
  p?: ProjectReport;
}

type Cell = string | number | boolean | null | undefined;

/** The figures a row shows of itself: the project's own when it is a project's row. */
const own = (row: Row) => row.p ?? row.t;
/** Figures only a target's row has (plan counters, capacity, the previous period): empty on a project's row. */
const targetOnly =
  (read: (t: TargetReport) => Cell) =>
  (row: Row): Cell =>
    row.p ? undefined : read(row.t);

/**
 * The CSV columns, in order, and how each is read from a row. Units are in the names. `scope` says what a row
 * is: `target`, or `project` for a discovered project's own figures (a sum over rows must take one scope only:
 * a target's row already adds its projects up).
 */
const COLUMNS: ReadonlyArray<readonly [string, (row: Row) => Cell]> = [
  ['target', (row) => row.t.target],
  ['provider', (row) => row.t.provider],
  ['endpoint', (row) => row.t.endpoint],
  ['interval_s', (row) => row.t.intervalSeconds],
  ['from', (row) => row.t.from],
  ['to', (row) => row.t.to],
  ['samples_present', (row) => own(row).samples.present],
  ['samples_expected', (row) => own(row).samples.expected],
  ['samples_missing', (row) => own(row).samples.missing],
  ['coverage_pct', (row) => own(row).samples.coveragePercent],
  ['peak_live', (row) => own(row).live.peak],
  ['peak_live_at', (row) => own(row).live.peakAt],
  ['p95_live', (row) => own(row).live.p95],
  ['mean_live', (row) => own(row).live.mean],
  ['peak_queued', (row) => own(row).queue?.peak],
  ['peak_queued_at', (row) => own(row).queue?.peakAt],
  ['queue_minutes', (row) => own(row).queue?.minutesNonEmpty],
  ['plan_max_connections', targetOnly((t) => t.plan?.planMaxConnections)],
  ['peak_pct_of_plan', targetOnly((t) => t.plan?.peakPercentOfPlan)],
  // Deprecated name of `plan_period_peak` (at the end), kept in place for one release.
  ['metered_period_peak', targetOnly((t) => t.plan?.periodPeak)],
  ['overage_connections_last', targetOnly((t) => t.plan?.overageConnections.last)],
  ['overage_connections_max', targetOnly((t) => t.plan?.overageConnections.max)],
  ['overage_messages_last', targetOnly((t) => t.plan?.overageMessages.last)],
  ['overage_messages_max', targetOnly((t) => t.plan?.overageMessages.max)],
  ['previous_from', targetOnly((t) => t.previous.from)],
  ['previous_to', targetOnly((t) => t.previous.to)],
  ['previous_samples_present', targetOnly((t) => t.previous.samplesPresent)],
  ['previous_peak_live', targetOnly((t) => t.previous.peak)],
  ['previous_mean_live', targetOnly((t) => t.previous.mean)],
  ['peak_change', targetOnly((t) => t.change.peak?.absolute)],
  ['peak_change_pct', targetOnly((t) => t.change.peak?.percent)],
  ['mean_change', targetOnly((t) => t.change.mean?.absolute)],
  ['mean_change_pct', targetOnly((t) => t.change.mean?.percent)],
  // Last, so that a sheet reading the per-target columns by position keeps working.
  ['scope', (row) => (row.p ? 'project' : 'target')],
  ['project', (row) => row.p?.project],
  ['project_name', (row) => row.p?.name],
  ['region', (row) => row.p?.region],
  ['coverage_warning', (row) => own(row).samples.coverageWarning],
  ['capacity', targetOnly((t) => t.capacity.value)],
  ['capacity_source', targetOnly((t) => t.capacity.source)],
  ['peak_pct_of_capacity', targetOnly((t) => t.capacity.peakPercent)],
  ['headroom', targetOnly((t) => t.capacity.headroom)],
  ['minutes_at_or_above_capacity', targetOnly((t) => t.capacity.minutesAtOrAbove)],
  ['minutes_above_90pct_capacity', targetOnly((t) => t.capacity.minutesAbove90Percent)],
  ['demand_peak', targetOnly((t) => t.demand.peak)],
  ['demand_peak_at', targetOnly((t) => t.demand.peakAt)],
  ['forecast_method', targetOnly((t) => t.forecast.method)],
  ['forecast_basis_days', targetOnly((t) => t.forecast.basisDays)],
  ['forecast_next_period_peak', targetOnly((t) => t.forecast.nextPeriodPeak)],
  ['capacity_reached_on', targetOnly((t) => t.forecast.capacityReachedOn)],
  ['verdict', targetOnly((t) => t.verdict.level)],
  ['verdict_reason', targetOnly((t) => t.verdict.reason)],
  ['plan_period_peak', targetOnly((t) => t.plan?.periodPeak)],
];

/**
 * `--format csv`: one row per target, each followed by a row per project it discovered; RFC 4180, full-precision
 * numbers (a spreadsheet rounds them as it likes), an empty cell where a figure does not apply or has no value.
 */
export function renderCsv(report: Report): string {
  const lines = [COLUMNS.map(([name]) => name).join(',')];
  const line = (row: Row) => COLUMNS.map(([, read]) => cell(read(row))).join(',');
  for (const t of report.targets) {
    lines.push(line({ t }));
    for (const p of t.projects ?? []) lines.push(line({ t, p }));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The CSV column names, in order. */
export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

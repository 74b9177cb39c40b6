import type { Report, TargetReport } from '../model.js';

/** The CSV columns, in order, and how each is read from a target's figures. Units are in the names. */
const COLUMNS: ReadonlyArray<readonly [string, (t: TargetReport) => string | number | null | undefined]> = [
  ['target', (t) => t.target],
  ['provider', (t) => t.provider],
  ['endpoint', (t) => t.endpoint],
  ['interval_s', (t) => t.intervalSeconds],
  ['from', (t) => t.from],
  ['to', (t) => t.to],
  ['samples_present', (t) => t.samples.present],
  ['samples_expected', (t) => t.samples.expected],
  ['samples_missing', (t) => t.samples.missing],
  ['coverage_pct', (t) => t.samples.coveragePercent],
  ['peak_live', (t) => t.live.peak],
  ['peak_live_at', (t) => t.live.peakAt],
  ['p95_live', (t) => t.live.p95],
  ['mean_live', (t) => t.live.mean],
  ['peak_queued', (t) => t.queue?.peak],
  ['peak_queued_at', (t) => t.queue?.peakAt],
  ['queue_minutes', (t) => t.queue?.minutesNonEmpty],
  ['plan_max_connections', (t) => t.metered?.planMaxConnections],
  ['peak_pct_of_plan', (t) => t.metered?.peakPercentOfPlan],
  ['metered_period_peak', (t) => t.metered?.periodPeak],
  ['overage_connections_last', (t) => t.metered?.overageConnections.last],
  ['overage_connections_max', (t) => t.metered?.overageConnections.max],
  ['overage_messages_last', (t) => t.metered?.overageMessages.last],
  ['overage_messages_max', (t) => t.metered?.overageMessages.max],
  ['previous_from', (t) => t.previous.from],
  ['previous_to', (t) => t.previous.to],
  ['previous_samples_present', (t) => t.previous.samplesPresent],
  ['previous_peak_live', (t) => t.previous.peak],
  ['previous_mean_live', (t) => t.previous.mean],
  ['peak_change', (t) => t.change.peak?.absolute],
  ['peak_change_pct', (t) => t.change.peak?.percent],
  ['mean_change', (t) => t.change.mean?.absolute],
  ['mean_change_pct', (t) => t.change.mean?.percent],
];

/**
 * `--format csv`: one row per target, RFC 4180, full-precision numbers (a spreadsheet rounds them as it likes),
 * an empty cell where a figure does not apply or has no value.
 */
export function renderCsv(report: Report): string {
  const lines = [COLUMNS.map(([name]) => name).join(',')];
  for (const target of report.targets) {
    lines.push(COLUMNS.map(([, read]) => cell(read(target))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The CSV column names, in order. */
export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

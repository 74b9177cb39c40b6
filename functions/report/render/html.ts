import type { ProjectReport, Report, TargetReport } from '../model.js';
import { CHART_COLORS, renderChartSvg } from './chart.js';
import {
  capacityTable,
  changeText,
  counter,
  coverageTable,
  duration,
  headings,
  interval,
  NONE,
  num,
  percent,
  planTable,
  projectTable,
  type TableData,
  usageTable,
  utcMinute,
} from './format.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * `--format html`: one self-contained file (inline CSS, inline SVG charts, no script, no font or link to fetch;
 * its Content-Security-Policy forbids any request), readable in a browser, printable, fit to mail or archive.
 */
export async function renderHtml(report: Report): Promise<string> {
  const { title, comparison } = headings(report);
  const sections: string[] = [];
  sections.push(tableSection('Usage', usageTable(report.targets)));
  sections.push(
    tableSection('Capacity and verdict', capacityTable(report.targets), (row) => {
      const level = (report.targets[row] as TargetReport).verdict.level;
      return level === 'upgrade' ? 'over' : level === 'watch' ? 'gap' : '';
    }),
  );
  sections.push(
    tableSection(
      `Samples present vs expected (flagged below ${report.coverageWarnPercent} %)`,
      coverageTable(report.targets),
      (row) => ((report.targets[row] as TargetReport).samples.coverageWarning ? 'gap' : ''),
    ),
  );
  const plan = planTable(report.targets);
  if (plan) sections.push(tableSection('Plan and overage', plan));
  for (const target of report.targets) sections.push(await targetSection(report, target));
  const discovering = report.targets.some((target) => target.projects !== null);
  const projectsNote = discovering
    ? "\nA target that discovers its projects: its figures and chart are the account total (at each sample time, the sum over its projects); each project's own figures are in the table under the chart, with samples expected over the whole period (a project added or removed during it shows the rest as missing)."
    : '';

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(`Concurrency report ${report.period.label}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<p class="kicker">Concurrency report</p>
<h1>${escapeHtml(heading(report.period.label))}</h1>
<p class="period">${escapeHtml(title.replace(/^Concurrency report \S+: /, ''))}</p>
<p class="period muted">${escapeHtml(comparison)}</p>
</header>
<main>
${sections.join('\n')}
</main>
<footer>
<p>All times UTC. Peak time: the first minute the peak was reached. p95: nearest rank, as InfluxQL's <code>percentile()</code>.
Mean: over the samples present; a gap in collection counts as missing samples, never as zero users.
Queue minutes: minutes with at least one sample whose queue was above 0. Demand: live plus queued at one sample time.
Verdict: upgrade when demand peaked above the capacity or live users were at or above it in 60 minutes or more; watch when p95 is at or above 80 % of it or the trend of daily demand peaks (Theil–Sen, 90 days) reaches it within 90 days; oversized when the peak is below 40 % of it; unknown without a capacity.${escapeHtml(projectsNote)} Generated ${escapeHtml(utcMinute(report.generatedAt))} UTC.</p>
</footer>
</body>
</html>
`;
}

/** `October 2026` for a month label, the label itself otherwise. */
function heading(label: string): string {
  const month = /^(\d{4})-(\d{2})$/.exec(label);
  if (!month) return label;
  return `${MONTHS[Number(month[2]) - 1]} ${month[1]}`;
}

function tableSection(title: string, table: TableData, rowClass: (row: number) => string = () => ''): string {
  return `<section>
<h2>${escapeHtml(title)}</h2>
${tableHtml(table, rowClass)}
</section>`;
}

function tableHtml(table: TableData, rowClass: (row: number) => string = () => ''): string {
  const head = table.header
    .map((cell, column) => `<th${table.numeric[column] ? ' class="num"' : ''}>${escapeHtml(cell)}</th>`)
    .join('');
  const body = table.rows
    .map((row, index) => {
      const cls = rowClass(index);
      const cells = row
        .map((cell, column) => `<td${table.numeric[column] ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`)
        .join('');
      return `<tr${cls ? ` class="${cls}"` : ''}>${cells}</tr>`;
    })
    .join('\n');
  return `<table>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

/**
 * The projects a target discovered, as a table under its chart (one chart per target, not per project: the
 * target's chart is the account total, and a page of 45 charts would hide it). The projects with the highest
 * peak are in bold, those with missing samples shaded like a gap.
 */
function projectsBlock(target: TargetReport): string {
  if (target.projects === null) return '';
  const projects = target.projects;
  const table = projectTable([target], { target: false });
  if (!table) {
    return `<h3>Projects</h3>\n<p class="muted">No point of a discovered project in the period.</p>`;
  }
  const top = Math.max(...projects.map((project) => project.live.peak ?? Number.NEGATIVE_INFINITY));
  const rowClass = (row: number) => {
    const project = projects[row] as ProjectReport;
    const classes = [project.live.peak === top ? 'top' : '', project.samples.coverageWarning ? 'gap' : ''];
    return classes.filter(Boolean).join(' ');
  };
  const count = `${projects.length} project${projects.length === 1 ? '' : 's'}`;
  return `<h3>Projects <span class="muted">${escapeHtml(count)}, each its own points; the figures above are their total</span></h3>
<div class="projects">
${tableHtml(table, rowClass)}
</div>`;
}

async function targetSection(report: Report, target: TargetReport): Promise<string> {
  /** Label, value, note, and a class that flags the card (a gap, a cap exceeded). */
  const figures: [string, string, string, string?][] = [
    [
      'Peak',
      num(target.live.peak),
      target.live.peakAt
        ? `${utcMinute(target.live.peakAt)} UTC; ${changeText(target.change.peak)} vs previous`
        : 'no sample',
    ],
    ['p95', num(target.live.p95), 'nearest rank'],
    ['Mean', num(target.live.mean, 1), `${changeText(target.change.mean, 1)} vs previous`],
  ];
  if (target.queue) {
    figures.push(['Queue peak', num(target.queue.peak), `${target.queue.minutesNonEmpty} min with a queue`]);
  }
  if (target.queue) {
    figures.push([
      'Demand peak',
      num(target.demand.peak),
      target.demand.peakAt ? `live + queued, ${utcMinute(target.demand.peakAt)} UTC` : 'no sample',
    ]);
  }
  const { capacity, forecast, verdict } = target;
  if (capacity.value !== null) {
    figures.push([
      'Peak of capacity',
      percent(capacity.peakPercent),
      `capacity ${capacity.value} (${capacity.source}); headroom ${num(capacity.headroom)}; ${capacity.minutesAtOrAbove} min at it, ${capacity.minutesAbove90Percent} min ≥ 90 %`,
      (capacity.peakPercent ?? 0) >= 100 ? 'over' : undefined,
    ]);
  }
  figures.push([
    'Forecast',
    forecast.nextPeriodPeak === null ? NONE : num(forecast.nextPeriodPeak),
    forecast.nextPeriodPeak === null
      ? `${forecast.basisDays} days of data (14 needed)`
      : `next period's peak (trend of ${forecast.basisDays} days)${forecast.capacityReachedOn ? `; capacity on ${forecast.capacityReachedOn}` : ''}`,
  ]);
  if (target.plan) {
    figures.push([
      'Peak of plan cap',
      percent(target.plan.peakPercentOfPlan),
      `cap ${num(target.plan.planMaxConnections)}; overage conn. ${counter(target.plan.overageConnections)}`,
      (target.plan.peakPercentOfPlan ?? 0) >= 100 ? 'over' : undefined,
    ]);
  }
  const gap = target.samples.coverageWarning;
  figures.push([
    'Samples',
    percent(target.samples.coveragePercent),
    `${target.samples.present} of ${target.samples.expected}${target.samples.missing > 0 ? ` (${target.samples.missing} missing)` : ''}`,
    gap ? 'gap' : undefined,
  ]);
  const series = report.charts.get(target.target);
  const chart = series
    ? `<figure class="chart">${await renderChartSvg(target, series)}<figcaption>${escapeHtml(caption(target, series.bucketMs))}</figcaption></figure>`
    : '';
  return `<section class="target" id="target-${escapeHtml(target.target)}">
<h2>${escapeHtml(target.target)} <span class="muted">${escapeHtml(target.endpoint)} · every ${escapeHtml(interval(target.intervalSeconds))}</span></h2>
<dl class="figures">
${figures
  .map(
    ([label, value, note, flag]) =>
      `<div${flag ? ` class="${flag}"` : ''}><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd><dd class="note">${escapeHtml(note)}</dd></div>`,
  )
  .join('\n')}
</dl>
<p class="verdict ${verdict.level}"><strong>${escapeHtml(verdict.level)}</strong> ${escapeHtml(verdict.reason)}</p>
${chart}
${projectsBlock(target)}
</section>`;
}

function caption(target: TargetReport, bucketMs: number): string {
  const what = target.queue ? 'Live and queued users' : 'Live users';
  const minutes = bucketMs / 60_000;
  const bucket = minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
  const peak = target.live.peak === null ? 'no sample in the period' : `the peak is marked`;
  const gaps = target.samples.missing > 0 ? '; shaded: no sample collected' : '';
  const capacity = target.capacity.value === null ? '' : '; dashed red: capacity';
  const trend = target.forecast.line
    ? '; dotted violet: trend of the daily demand peaks to the end of the next period'
    : '';
  return `${what} over ${duration(target.from, target.to)}, highest value per ${bucket} (${peak}${gaps}${capacity}${trend}).`;
}

/** HTML text and attribute escaping. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: #111827;
  font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 32px; padding-bottom: 8px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: ${CHART_COLORS.live}; font-weight: 600; }
h1 { margin: 4px 0 8px; font-size: 28px; }
h2 { font-size: 17px; margin: 0 0 12px; }
.period { margin: 2px 0; }
.muted { color: #6b7280; font-weight: normal; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 18px 20px; margin: 16px 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid #e5e7eb; text-align: left; white-space: nowrap; }
th { font-size: 12px; color: #4b5563; font-weight: 600; }
.num { text-align: right; }
tr.gap td { background: #fef3c7; }
tr.top td { font-weight: 600; }
h3 { font-size: 14px; margin: 16px 0 8px; }
.projects { overflow-x: auto; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; margin: 0 0 12px; }
.figures div { border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 10px; }
.figures div.gap { background: #fef3c7; border-color: #f59e0b; }
.figures div.over { background: #fee2e2; border-color: #dc2626; }
dt { font-size: 12px; color: #4b5563; }
dd { margin: 0; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
dd.note { font-size: 12px; font-weight: normal; color: #6b7280; }
figure.chart { margin: 0; overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #6b7280; margin-top: 4px; }
.verdict { margin: 0 0 12px; padding: 8px 10px; border-radius: 6px; border: 1px solid #e5e7eb; }
.verdict strong { text-transform: uppercase; font-size: 12px; letter-spacing: .06em; margin-right: 6px; }
.verdict.upgrade { background: #fee2e2; border-color: #dc2626; }
.verdict.watch { background: #fef3c7; border-color: #f59e0b; }
.verdict.oversized { background: #e0f2fe; border-color: #0284c7; }
tr.over td { background: #fee2e2; }
footer { color: #6b7280; font-size: 12px; padding-bottom: 32px; }
code { font-size: 12px; }
@media print { body { background: #fff; } section { break-inside: avoid; border: none; padding: 8px 0; } }
`;

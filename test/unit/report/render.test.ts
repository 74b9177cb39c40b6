import { describe, expect, it, vi } from 'vitest';
import type { Report } from '../../../functions/report/model.js';
import { renderChartSvg } from '../../../functions/report/render/chart.js';
import { CSV_COLUMNS, renderCsv } from '../../../functions/report/render/csv.js';
import { renderHtml } from '../../../functions/report/render/html.js';
import { renderJson } from '../../../functions/report/render/json.js';
import { renderMarkdown } from '../../../functions/report/render/markdown.js';
import { renderTable } from '../../../functions/report/render/table.js';
import { type FixtureTarget, fixtureReport, type Sample } from '../../support/report-figures.js';

const FROM = Date.parse('2026-10-14T00:00:00Z');
const TO = Date.parse('2026-10-15T00:00:00Z');
const MIN = 60_000;
const period = { from: FROM, to: TO };

function samples(
  range: { from: number; to: number },
  step: number,
  f: (t: number) => Partial<Sample>,
): Sample[] {
  const out: Sample[] = [];
  for (let t = range.from; t < range.to; t += step) out.push({ time: t, live: 0, ...f(t) });
  return out;
}

const wave = (t: number, scale: number) => Math.round(scale * (1 + Math.sin((t - FROM) / 3_600_000)));
const targets: FixtureTarget[] = [
  {
    info: { name: 'eu-prod', provider: 'streampixel', endpoint: 'streampixel.liveStats', intervalMs: MIN },
    // A two-hour gap in the afternoon.
    data: (range) =>
      samples(range, MIN, (t) => ({ live: wave(t, 20), queued: Math.max(0, wave(t, 20) - 35) })).filter(
        (s) => s.time < FROM + 14 * 3_600_000 || s.time >= FROM + 16 * 3_600_000,
      ),
  },
  {
    info: { name: 'signalling', provider: 'metered', endpoint: 'metered.usage', intervalMs: 5 * MIN },
    data: (range) =>
      samples(range, 5 * MIN, (t) => ({
        live: wave(t, 400),
        planMaxConnections: 1000,
        overageConnections: 0,
        overageMessages: 0,
        periodPeak: 800,
      })),
  },
  {
    info: { name: 'idle, "quoted"', provider: 'imkit', endpoint: 'imkit.connectionCount', intervalMs: MIN },
    data: () => [],
  },
  {
    // Three discovered projects: eu-001 peaks at 30, eu-002 at 25 and has a gap, us-001 at 12 with no region.
    info: {
      name: 'account',
      provider: 'streampixel',
      endpoint: 'streampixel.liveStats',
      intervalMs: 5 * MIN,
      discovers: true,
    },
    data: (range) =>
      PROJECTS.flatMap(({ tags, live }) =>
        samples(range, 5 * MIN, (t) => ({ live: live(t), queued: live(t) > 28 ? 1 : 0, project: tags })),
      ).filter((s) => s.project?.id !== 'p-2' || s.time < FROM + 6 * 3_600_000),
  },
];

const PROJECTS: { tags: NonNullable<Sample['project']>; live: (t: number) => number }[] = [
  { tags: { id: 'p-1', name: 'eu-001', region: 'eu-west-1' }, live: (t) => wave(t, 15) },
  { tags: { id: 'p-2', name: 'eu-002', region: 'eu-west-1' }, live: (t) => Math.min(25, wave(t, 20)) },
  { tags: { id: 'p-3', name: 'us-001', region: null }, live: (t) => wave(t, 6) },
];

function report(): Report {
  return fixtureReport(targets, period, { generatedAt: '2026-10-15T06:00:00.000Z', kind: 'day' });
}

describe('renderers', () => {
  it('table: headings with the period and the comparison, one row per target, aligned columns', () => {
    const text = renderTable(report());
    const lines = text.split('\n');
    expect(lines[0]).toBe('Concurrency report 2026-10-14: 2026-10-14 00:00 → 2026-10-15 00:00 UTC (1 d)');
    expect(lines[1]).toBe('Compared with 2026-10-13 00:00 → 2026-10-14 00:00 UTC (1 d)');
    const header = lines.find(
      (line) => line.startsWith('target  ') && line.includes('peak at (UTC)'),
    ) as string;
    const euProd = lines.find((line) => line.startsWith('eu-prod ')) as string;
    // Numbers end where their header ends.
    expect(euProd.indexOf('40') + 2).toBe(header.indexOf('peak ') + 4);
    expect(text).toContain('idle, "quoted"');
    expect(text).toMatch(/signalling +800 +1000 +80\.0 % +800 +0 \/ 0 +0 \/ 0/);
  });

  it('table: a block of the discovered projects after the targets’, one row each, the total in the target’s row', () => {
    const r = report();
    const account = r.targets[3] as Report['targets'][number];
    const text = renderTable(r);
    const block = text.slice(text.indexOf('Per project (discovered)\n'));
    const lines = block.trimEnd().split('\n');
    expect(lines[1]).toMatch(
      /^target +project +region +peak +peak at \(UTC\) +p95 +mean +queue peak +queue peak at \(UTC\) +queue minutes +samples present +expected +coverage$/,
    );
    expect(lines.slice(2).map((line) => line.split(/ {2,}/).slice(0, 4))).toEqual([
      ['account', 'eu-001', 'eu-west-1', '30'],
      ['account', 'eu-002', 'eu-west-1', '25'],
      ['account', 'us-001', '–', '12'],
    ]);
    expect(lines[3]).toMatch(/ 72 +288 +25\.0 % !$/);
    // The target's own row is the account total, not any one project's.
    expect(account.live.peak).toBeGreaterThan(30);
    expect(text).toMatch(new RegExp(`^account +${account.live.peak} `, 'm'));
    // No such block when no target discovers projects.
    expect(renderTable({ ...r, targets: r.targets.slice(0, 3) })).not.toContain('Per project');
  });

  it('csv: a header of named columns, RFC 4180 quoting, empty cells where a figure does not apply', () => {
    const lines = renderCsv(report()).split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(9); // header, 4 targets, 3 projects, final empty string
    expect(lines[3]?.startsWith('"idle, ""quoted""",imkit,imkit.connectionCount,60,')).toBe(true);
    // The quoted name holds one comma: every later cell is one further along.
    const idle = (lines[3] as string).split(',').slice(1);
    expect(idle[CSV_COLUMNS.indexOf('scope')]).toBe('target');
    expect(idle[CSV_COLUMNS.indexOf('verdict')]).toBe('unknown');
    expect(idle[CSV_COLUMNS.indexOf('capacity')]).toBe('');
    const header = (lines[0] as string).split(',');
    const euProd = (lines[1] as string).split(',');
    const cell = (name: string) => euProd[header.indexOf(name)];
    expect(cell('peak_live')).toBe('40');
    expect(cell('samples_expected')).toBe('1440');
    expect(cell('samples_present')).toBe('1320');
    expect(cell('plan_max_connections')).toBe('');
  });

  it('csv: a discovering target’s row (scope target, the total) followed by a row per project (scope project)', () => {
    const r = report();
    const account = r.targets[3] as Report['targets'][number];
    const [head, ...rows] = renderCsv(r).trimEnd().split('\r\n');
    const header = (head as string).split(',');
    const cell = (row: string | undefined, name: string) => (row as string).split(',')[header.indexOf(name)];
    const mine = rows.filter((row) => row.startsWith('account,'));
    expect(mine.map((row) => [cell(row, 'scope'), cell(row, 'project'), cell(row, 'project_name')])).toEqual([
      ['target', '', ''],
      ['project', 'p-1', 'eu-001'],
      ['project', 'p-2', 'eu-002'],
      ['project', 'p-3', 'us-001'],
    ]);
    expect(cell(mine[0], 'peak_live')).toBe(String(account.live.peak));
    expect(cell(mine[0], 'previous_samples_present')).toBe(String(account.previous.samplesPresent));
    for (const [i, project] of (account.projects ?? []).entries()) {
      const row = mine[i + 1];
      expect(cell(row, 'region')).toBe(project.region ?? '');
      expect(cell(row, 'peak_live')).toBe(String(project.live.peak));
      expect(cell(row, 'peak_live_at')).toBe(project.live.peakAt);
      expect(cell(row, 'p95_live')).toBe(String(project.live.p95));
      expect(cell(row, 'mean_live')).toBe(String(project.live.mean));
      expect(cell(row, 'peak_queued')).toBe(String(project.queue?.peak));
      expect(cell(row, 'queue_minutes')).toBe(String(project.queue?.minutesNonEmpty));
      expect(cell(row, 'samples_present')).toBe(String(project.samples.present));
      expect(cell(row, 'samples_expected')).toBe('288');
      // The previous period and the change are the target's: empty on a project's row.
      expect(cell(row, 'previous_samples_present')).toBe('');
      expect(cell(row, 'peak_change')).toBe('');
    }
    // No other target has project rows.
    expect(rows.filter((row) => cell(row, 'scope') === 'project')).toHaveLength(3);
  });

  it('json: one array of per-target objects, each with its target and period', () => {
    const json = JSON.parse(renderJson(report()));
    expect(Array.isArray(json)).toBe(true);
    expect(json.map((t: { target: string }) => t.target)).toEqual([
      'eu-prod',
      'signalling',
      'idle, "quoted"',
      'account',
    ]);
    expect(json[0]).toMatchObject({ from: '2026-10-14T00:00:00.000Z', to: '2026-10-15T00:00:00.000Z' });
    expect(json[0].projects).toBeNull();
    expect(json[3].projects.map((p: { name: string }) => p.name)).toEqual(['eu-001', 'eu-002', 'us-001']);
    expect(json[3].projects[1]).toMatchObject({
      project: 'p-2',
      region: 'eu-west-1',
      samples: { present: 72, expected: 288, missing: 216, coveragePercent: 25 },
      live: { peak: 25 },
      queue: { peak: 0, minutesNonEmpty: 0 },
    });
  });

  it('md: a title and pipe tables with right-aligned numbers', () => {
    const md = renderMarkdown(report());
    expect(md.startsWith('# Concurrency report 2026-10-14:')).toBe(true);
    expect(md).toContain('| target | peak | peak at (UTC) |');
    expect(md).toContain('| --- | ---: | --- |');
    expect(md).toContain('## Plan and overage');
    expect(md).toContain('## Capacity and verdict');
    expect(md).toMatch(/^- signalling: (ok|watch|oversized|upgrade) — /m);
    expect(md).toContain('## Per project (discovered)');
    expect(md).toMatch(/^\| account \| eu-001 \| eu-west-1 \| 30 \| /m);
    expect(md).toMatch(/^\| account \| us-001 \| – \| 12 \| /m);
  });

  it('names two projects of one name by their ids as well', () => {
    const r = report();
    const account = r.targets[3] as Report['targets'][number];
    const twins = (account.projects ?? []).map((p) => ({ ...p, name: 'eu' }));
    const text = renderTable({ ...r, targets: [{ ...account, projects: twins }] });
    expect(text).toMatch(/^account +eu \(p-1\) +eu-west-1 /m);
    expect(text).toMatch(/^account +eu \(p-3\) +– /m);
  });

  it('html: one self-contained document, a chart per target with data, no script and nothing to fetch', async () => {
    const html = await renderHtml(report());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // One chart per target, none per project.
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // The only URLs are the SVG namespaces, which name and fetch nothing.
    const namespaces = ['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink'];
    const urls = (html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []).filter((url) => !namespaces.includes(url));
    expect(urls).toEqual([]);
    expect(html).toContain('idle, &quot;quoted&quot;');
    expect(html).toContain("default-src 'none'");
  });

  it('html: the projects of a discovering target in a table under its chart, the busiest in bold', async () => {
    const html = await renderHtml(report());
    const section = html.slice(html.indexOf('<section class="target" id="target-account">'));
    const chart = section.indexOf('<figure class="chart">');
    const table = section.indexOf('<h3>Projects <span class="muted">3 projects');
    expect(chart).toBeGreaterThan(0);
    expect(table).toBeGreaterThan(chart);
    const rows = section.slice(table).match(/<tr[^>]*>.*?<\/tr>/g) ?? [];
    expect(rows[0]).toContain('<th>project</th>');
    expect(rows[1]).toMatch(/^<tr class="top"><td>eu-001<\/td><td>eu-west-1<\/td><td class="num">30<\/td>/);
    expect(rows[2]).toMatch(/^<tr class="gap"><td>eu-002<\/td>/);
    expect(rows[3]).toMatch(/^<tr><td>us-001<\/td><td>–<\/td>/);
    expect(html).toContain('the sum over its projects');
    // Targets of one configured project have no such table.
    expect(html.slice(0, html.indexOf('id="target-account"'))).not.toContain('<h3>Projects');
  });
});

describe('renderChartSvg', () => {
  it('draws the lines, the peak with its label, the capacity and the gap, with UTC axis labels', async () => {
    const warn = vi.spyOn(console, 'warn');
    const r = report();
    const euProd = r.targets[0] as Report['targets'][number];
    const svg = await renderChartSvg(euProd, r.charts.get('eu-prod') as never);
    // Vega-Lite reports a spec it had to fix up on the console: a report must not print any.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(euProd.live.peakAt).toBe('2026-10-14T01:21:00.000Z');
    expect(svg).toContain('peak 40 · 14 Oct 01:21 UTC');
    expect(svg).toContain('Queued users');
    expect(svg).toMatch(/<path[^>]*d="M[^"]{200,}"/); // a long line, drawn from the data
    // The two-hour gap is shaded in the gap colour.
    expect(svg).toContain('fill="#f59e0b"');
    // Hour labels in UTC: 00:00 of the period comes first whatever the process's time zone.
    expect(svg).toMatch(/>00:00</);

    const signalling = r.targets[1] as Report['targets'][number];
    const metered = await renderChartSvg(signalling, r.charts.get('signalling') as never);
    expect(metered).toContain('capacity 1000');
    expect(metered).not.toContain('Queued users');
  });
});

import { describe, expect, it, vi } from 'vitest';
import {
  chartSeries,
  computeTargetReport,
  summarise,
  type TargetInfo,
} from '../../../functions/report/compute.js';
import type { Report, Sample } from '../../../functions/report/model.js';
import { renderChartSvg } from '../../../functions/report/render/chart.js';
import { CSV_COLUMNS, renderCsv } from '../../../functions/report/render/csv.js';
import { renderHtml } from '../../../functions/report/render/html.js';
import { renderJson } from '../../../functions/report/render/json.js';
import { renderMarkdown } from '../../../functions/report/render/markdown.js';
import { renderTable } from '../../../functions/report/render/table.js';

const FROM = Date.parse('2026-10-14T00:00:00Z');
const TO = Date.parse('2026-10-15T00:00:00Z');
const MIN = 60_000;
const period = { from: FROM, to: TO };
const previous = { from: FROM - (TO - FROM), to: FROM };

function samples(
  range: { from: number; to: number },
  step: number,
  f: (t: number) => Partial<Sample>,
): Sample[] {
  const out: Sample[] = [];
  for (let t = range.from; t < range.to; t += step) {
    out.push({
      time: t,
      live: 0,
      queued: null,
      planMaxConnections: null,
      overageConnections: null,
      overageMessages: null,
      periodPeak: null,
      ...f(t),
    });
  }
  return out;
}

const wave = (t: number, scale: number) => Math.round(scale * (1 + Math.sin((t - FROM) / 3_600_000)));
const targets: { info: TargetInfo; data: (range: { from: number; to: number }) => Sample[] }[] = [
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
];

function report(): Report {
  const charts = new Map();
  const reports = targets.map(({ info, data }) => {
    charts.set(info.name, chartSeries(period, data(period), info.intervalMs));
    return computeTargetReport(info, period, data(period), {
      period: previous,
      summary: summarise(previous, data(previous)),
    });
  });
  return {
    generatedAt: '2026-10-15T06:00:00.000Z',
    period: { from: '2026-10-14T00:00:00.000Z', to: '2026-10-15T00:00:00.000Z', label: '2026-10-14' },
    previous: { from: '2026-10-13T00:00:00.000Z', to: '2026-10-14T00:00:00.000Z' },
    targets: reports,
    charts,
  };
}

describe('renderers', () => {
  it('table: headings with the period and the comparison, one row per target, aligned columns', () => {
    const text = renderTable(report());
    const lines = text.split('\n');
    expect(lines[0]).toBe('Concurrency report 2026-10-14: 2026-10-14 00:00 → 2026-10-15 00:00 UTC (1 d)');
    expect(lines[1]).toBe('Compared with the 1 d before: 2026-10-13 00:00 → 2026-10-14 00:00 UTC');
    const header = lines.find(
      (line) => line.startsWith('target  ') && line.includes('peak at (UTC)'),
    ) as string;
    const euProd = lines.find((line) => line.startsWith('eu-prod ')) as string;
    // Numbers end where their header ends.
    expect(euProd.indexOf('40') + 2).toBe(header.indexOf('peak ') + 4);
    expect(text).toContain('idle, "quoted"');
    expect(text).toMatch(/signalling +800 +1000 +80\.0 % +800 +0 \/ 0 +0 \/ 0/);
  });

  it('csv: a header of named columns, RFC 4180 quoting, empty cells where a figure does not apply', () => {
    const lines = renderCsv(report()).split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(5); // header, 3 targets, final empty string
    expect(lines[3]?.startsWith('"idle, ""quoted""",imkit,imkit.connectionCount,60,')).toBe(true);
    const header = (lines[0] as string).split(',');
    const euProd = (lines[1] as string).split(',');
    const cell = (name: string) => euProd[header.indexOf(name)];
    expect(cell('peak_live')).toBe('40');
    expect(cell('samples_expected')).toBe('1440');
    expect(cell('samples_present')).toBe('1320');
    expect(cell('plan_max_connections')).toBe('');
  });

  it('json: one array of per-target objects, each with its target and period', () => {
    const json = JSON.parse(renderJson(report()));
    expect(Array.isArray(json)).toBe(true);
    expect(json.map((t: { target: string }) => t.target)).toEqual([
      'eu-prod',
      'signalling',
      'idle, "quoted"',
    ]);
    expect(json[0]).toMatchObject({ from: '2026-10-14T00:00:00.000Z', to: '2026-10-15T00:00:00.000Z' });
  });

  it('md: a title and pipe tables with right-aligned numbers', () => {
    const md = renderMarkdown(report());
    expect(md.startsWith('# Concurrency report 2026-10-14:')).toBe(true);
    expect(md).toContain('| target | peak | peak at (UTC) |');
    expect(md).toContain('| --- | ---: | --- |');
    expect(md).toContain('## Metered plan and overage');
  });

  it('html: one self-contained document, a chart per target with data, no script and nothing to fetch', async () => {
    const html = await renderHtml(report());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<svg/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // The only URLs are the SVG namespaces, which name and fetch nothing.
    const namespaces = ['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink'];
    const urls = (html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []).filter((url) => !namespaces.includes(url));
    expect(urls).toEqual([]);
    expect(html).toContain('idle, &quot;quoted&quot;');
    expect(html).toContain("default-src 'none'");
  });
});

describe('renderChartSvg', () => {
  it('draws the lines, the peak with its label, the plan cap and the gap, with UTC axis labels', async () => {
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
    expect(metered).toContain('plan cap 1000');
    expect(metered).not.toContain('Queued users');
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../devtools/chromium.js';
import { tempDir } from '../../../devtools/files.js';
import type { Report } from '../../../functions/report/model.js';
import { renderHtml } from '../../../functions/report/render/html.js';
import { type FixtureTarget, fixtureReport, type Sample } from '../../support/report-figures.js';

const FROM = Date.parse('2026-10-01T00:00:00Z');
const TO = Date.parse('2026-11-01T00:00:00Z');
const MIN = 60_000;
const period = { from: FROM, to: TO };

function samples(
  range: { from: number; to: number },
  step: number,
  f: (t: number) => Partial<Sample>,
): Sample[] {
  const out: Sample[] = [];
  for (let t = range.from; t < range.to; t += step) {
    // A day without data in the middle of October.
    if (t >= Date.parse('2026-10-15') && t < Date.parse('2026-10-16')) continue;
    out.push({ time: t, live: 0, ...f(t) });
  }
  return out;
}

const daily = (t: number) => 0.5 + 0.5 * Math.sin(((t % 86_400_000) / 86_400_000) * 2 * Math.PI);
const TARGETS: FixtureTarget[] = [
  {
    info: {
      name: 'eu-prod',
      provider: 'streampixel',
      endpoint: 'streampixel.liveStats',
      intervalMs: MIN,
      capacity: 40,
    },
    data: (range) =>
      samples(range, MIN, (t) => {
        const demand = Math.round(55 * daily(t));
        return { live: Math.min(demand, 40), queued: Math.max(0, demand - 40) };
      }),
  },
  {
    info: { name: 'chat', provider: 'imkit', endpoint: 'imkit.connectionCount', intervalMs: 5 * MIN },
    data: (range) => samples(range, 5 * MIN, (t) => ({ live: Math.round(2000 * daily(t)) })),
  },
  {
    info: { name: 'signalling', provider: 'metered', endpoint: 'metered.usage', intervalMs: 5 * MIN },
    data: (range) =>
      samples(range, 5 * MIN, (t) => ({
        live: Math.round(900 * daily(t)),
        planMaxConnections: 1000,
        periodPeak: 900,
      })),
  },
  {
    // An account of 45 discovered projects: one chart (the total) and a table of 45 rows, not 45 charts.
    info: {
      name: 'account',
      provider: 'streampixel',
      endpoint: 'streampixel.liveStats',
      intervalMs: 60 * MIN,
      discovers: true,
    },
    data: (range) =>
      Array.from({ length: 45 }, (_, i) => i).flatMap((i) =>
        samples(range, 60 * MIN, (t) => ({
          live: Math.round((5 + i) * daily(t + (i % 3) * 3_600_000)),
          queued: 0,
          project: {
            id: `64f1c0ffee${String(i).padStart(14, '0')}`,
            name: `${i < 30 ? 'eu' : 'us'}-${String(i + 1).padStart(3, '0')}`,
            region: i < 30 ? 'eu-west-1' : 'us-east-1',
          },
        })),
      ),
  },
];

function buildReport(): Report {
  return fixtureReport(TARGETS, period, { generatedAt: '2026-11-01T02:00:00.000Z', kind: 'month' });
}

/** The SVG element methods used in the page (the project compiles without the DOM library). */
interface Graphic {
  getBBox(): { width: number; height: number };
  getTotalLength(): number;
}

let browser: Browser;
let page: Page;
const dir = tempDir('report-html-');
const requests: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  const file = dir.file('report.html', await renderHtml(buildReport()));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
});
afterAll(async () => {
  await browser?.close();
  dir.cleanup();
});

describe('the HTML report in headless Chromium', () => {
  it('loads with no console error and requests nothing but itself', () => {
    expect(problems).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:\/\/.*report\.html$/);
  });

  it('draws one chart per target, each with a line of real length', async () => {
    const charts = await page.$$eval('figure.chart svg', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const lines = [...svg.querySelectorAll('path[aria-roledescription="line mark"]')].map((path) => {
          const bbox = (path as unknown as Graphic).getBBox();
          return {
            width: bbox.width,
            height: bbox.height,
            length: (path as unknown as Graphic).getTotalLength(),
          };
        });
        return { width: box.width, height: box.height, lines };
      }),
    );
    expect(charts).toHaveLength(TARGETS.length);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(600);
      expect(chart.height).toBeGreaterThan(150);
      expect(chart.lines.length).toBeGreaterThan(0);
      // The live line spans most of the month and goes up and down.
      expect(Math.max(...chart.lines.map((line) => line.width))).toBeGreaterThan(600);
      expect(Math.max(...chart.lines.map((line) => line.height))).toBeGreaterThan(50);
    }
  });

  it('marks the peak of every target with a visible point and its label', async () => {
    const report = buildReport();
    const peaks = await page.$$eval('figure.chart svg', (svgs) =>
      svgs.map((svg) => {
        const point = svg.querySelector('path[aria-roledescription="point"]') as unknown as Graphic | null;
        const box = point?.getBBox();
        const label = [...svg.querySelectorAll('text')].find((text) => text.textContent?.startsWith('peak '));
        return {
          point: box ? { width: box.width, height: box.height } : null,
          label: label?.textContent ?? null,
        };
      }),
    );
    peaks.forEach((peak, i) => {
      const target = report.targets[i] as Report['targets'][number];
      expect(peak.point?.width).toBeGreaterThan(4);
      expect(peak.point?.height).toBeGreaterThan(4);
      expect(peak.label).toMatch(new RegExp(`^peak ${target.live.peak} · \\d{2} Oct \\d{2}:\\d{2} UTC$`));
    });
  });

  it('shades the day without samples and draws the queue and the capacity', async () => {
    const found = await page.$$eval('figure.chart svg', (svgs) =>
      svgs.map((svg) => ({
        gaps: [...svg.querySelectorAll('path[aria-roledescription="rect mark"]')].map(
          (rect) => (rect as unknown as Graphic).getBBox().width,
        ),
        legend: [...svg.querySelectorAll('.role-legend-label text')].map((text) => text.textContent),
        texts: [...svg.querySelectorAll('text')].map((text) => text.textContent),
      })),
    );
    // One day of 61 (October, then November for the forecast) across a plot of 860 px: about 14 px of shading.
    for (const chart of found) expect(chart.gaps.some((width) => width > 10 && width < 20)).toBe(true);
    expect(found[0]?.legend).toEqual(['Live users', 'Queued users']);
    expect(found[1]?.legend).toEqual(['Live users']);
    expect(found[2]?.texts).toContain('capacity 1000');
    expect(found[0]?.texts).toContain('capacity 40');
  });

  it('lists the 45 projects of a discovering target in one table under its only chart, within the page', async () => {
    const layout = await page.$eval('#target-account', (section) => {
      const charts = section.querySelectorAll('figure.chart');
      const table = section.querySelector('.projects table');
      return {
        charts: charts.length,
        rows: table?.querySelectorAll('tbody tr').length,
        chartBottom: charts[0]?.getBoundingClientRect().bottom ?? Number.NaN,
        tableTop: table?.getBoundingClientRect().top ?? Number.NaN,
        tableRight: table?.getBoundingClientRect().right ?? Number.NaN,
        sectionRight: section.getBoundingClientRect().right,
        pageWidth: section.ownerDocument.documentElement.scrollWidth,
      };
    });
    expect(layout.charts).toBe(1);
    expect(layout.rows).toBe(45);
    expect(layout.tableTop).toBeGreaterThan(layout.chartBottom);
    // Twelve columns fit the section: nothing sticks out, the page does not scroll sideways.
    expect(layout.tableRight).toBeLessThanOrEqual(layout.sectionRight);
    expect(layout.pageWidth).toBeLessThanOrEqual(1400);
  });

  it('at 1400 px: every chart text at least 11 px as drawn, weekday ticks, the trend to the end of November', async () => {
    const charts = await page.$$eval('figure.chart svg', (svgs) =>
      svgs.map((svg) => {
        const scale = svg.getBoundingClientRect().width / Number(svg.getAttribute('width'));
        const sizes = [...svg.querySelectorAll('text')].map(
          (text) =>
            Number.parseFloat(
              (
                globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }
              ).getComputedStyle(text).fontSize,
            ) * scale,
        );
        const ticks = [...svg.querySelectorAll('.role-axis-label text')].map(
          (text) => text.textContent ?? '',
        );
        return {
          smallest: Math.min(...sizes),
          ticks,
          texts: [...svg.querySelectorAll('text')].map((t) => t.textContent),
        };
      }),
    );
    const report = buildReport();
    charts.forEach((chart, i) => {
      expect(chart.smallest).toBeGreaterThanOrEqual(11);
      // Week ticks named by their weekday (the same weekday each, a week apart).
      const days = chart.ticks.filter((tick) => /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{2}/.test(tick));
      expect(days.length).toBeGreaterThanOrEqual(4);
      const forecast = (report.targets[i] as Report['targets'][number]).forecast;
      // 30 days of data in October: a trend drawn to the end of November, labelled with its value there.
      expect(forecast.line?.to.time).toBe('2026-12-01T00:00:00.000Z');
      expect(chart.texts).toContain(`trend ${Math.round(forecast.line?.to.value as number)}`);
    });
  });
});

import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSeries, TargetReport } from '../model.js';

/** Colours of the series, shared with the HTML legend and key figures. */
export const CHART_COLORS = {
  live: '#2563eb',
  queued: '#ea580c',
  cap: '#b91c1c',
  peak: '#111827',
  gap: '#f59e0b',
} as const;

const LIVE = 'Live users';
const QUEUED = 'Queued users';
const DAY_MS = 86_400_000;

/** Size of the plotting area in px; the SVG adds the axes around it. */
export interface ChartSize {
  width: number;
  height: number;
}

/**
 * The chart of one target as an SVG document: live (and, for Streampixel, queued) users over the period, a break
 * where no sample was collected, the peak marked with a point and its value, and Metered's plan cap as a dashed line.
 * Rendered in Node by Vega (no browser, no script in the output); every time is formatted in UTC, whatever the
 * process's time zone.
 */
export async function renderChartSvg(
  report: TargetReport,
  series: ChartSeries,
  size: ChartSize = { width: 860, height: 220 },
): Promise<string> {
  const view = new View(parse(compile(chartSpec(report, series, size)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The Vega-Lite specification behind {@link renderChartSvg}. */
export function chartSpec(report: TargetReport, series: ChartSeries, size: ChartSize): TopLevelSpec {
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  const short = to - from <= 2 * DAY_MS;
  const hasQueue = report.queue !== null;
  const values = series.points.map((point) => ({
    time: point.time,
    [LIVE]: point.live,
    ...(hasQueue ? { [QUEUED]: point.queued } : {}),
  }));
  const x = {
    field: 'time',
    type: 'temporal',
    title: null,
    scale: { type: 'utc', domain: [from, to] },
    axis: {
      format: short ? '%H:%M' : '%d %b',
      labelOverlap: true,
      tickCount: short ? 12 : 10,
      grid: false,
    },
  } as const;

  // The other layers share the x scale; repeating the domain there would make Vega-Lite merge (and warn).
  const xShared = { field: 'time', type: 'temporal' } as const;
  const highestCap = Math.max(0, ...series.points.map((point) => point.capacity ?? 0));
  const top = Math.max(report.live.peak ?? 0, report.queue?.peak ?? 0, highestCap, 1);
  // Head room above the highest mark, for the peak's label.
  const y = { type: 'quantitative', scale: { domain: [0, Math.ceil(top * 1.15)], nice: true } } as const;

  const layers: TopLevelSpec[] = [];
  const gaps = gapsOf(series);
  if (gaps.length > 0) {
    layers.push({
      data: { values: gaps },
      mark: { type: 'rect', color: CHART_COLORS.gap, opacity: 0.22 },
      encoding: { x: { ...xShared, field: 'start' }, x2: { field: 'end' } },
    } as unknown as TopLevelSpec);
  }
  layers.push({
    data: { values },
    transform: [{ fold: hasQueue ? [LIVE, QUEUED] : [LIVE], as: ['series', 'users'] }],
    mark: { type: 'line', strokeWidth: 1.25, interpolate: 'step-after' },
    encoding: {
      x,
      y: { ...y, field: 'users', title: 'users', axis: { tickMinStep: 1, gridOpacity: 0.5 } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: {
          domain: hasQueue ? [LIVE, QUEUED] : [LIVE],
          range: [CHART_COLORS.live, CHART_COLORS.queued],
        },
        legend: { orient: 'top', direction: 'horizontal' },
      },
    },
  } as unknown as TopLevelSpec);

  const caps = series.points.filter((point) => point.capacity !== null);
  const lastCap = caps[caps.length - 1];
  if (lastCap) {
    // The cap as a line over time, not a single rule: a plan can change during the period.
    layers.push({
      data: { values: series.points.map((point) => ({ time: point.time, capacity: point.capacity })) },
      layer: [
        {
          mark: {
            type: 'line',
            color: CHART_COLORS.cap,
            strokeDash: [6, 4],
            strokeWidth: 1.25,
            interpolate: 'step-after',
          },
          encoding: { x: xShared, y: { ...y, field: 'cap' } },
        },
        {
          transform: [{ filter: `datum.time === ${lastCap.time}` }],
          mark: { type: 'text', color: CHART_COLORS.cap, align: 'right', baseline: 'bottom', dy: -3 },
          encoding: {
            x: xShared,
            y: { ...y, field: 'cap' },
            text: { value: `plan capacity ${lastCap.capacity}` },
          },
        },
      ],
    } as unknown as TopLevelSpec);
  }

  if (report.live.peak !== null && report.live.peakAt !== null) {
    const peakTime = Date.parse(report.live.peakAt);
    // Keep the label inside the plot: left of the point when the peak is late in the period.
    const late = peakTime - from > (to - from) * 0.7;
    layers.push({
      data: {
        values: [{ time: peakTime, users: report.live.peak, label: peakLabel(report.live.peak, peakTime) }],
      },
      layer: [
        {
          mark: {
            type: 'point',
            filled: true,
            size: 70,
            opacity: 1,
            color: CHART_COLORS.peak,
            stroke: '#ffffff',
            strokeWidth: 1.5,
          },
          encoding: { x: xShared, y: { ...y, field: 'users' } },
        },
        {
          mark: {
            type: 'text',
            align: late ? 'right' : 'left',
            dx: late ? -8 : 8,
            dy: -8,
            fontWeight: 'bold',
            color: CHART_COLORS.peak,
          },
          encoding: { x: xShared, y: { ...y, field: 'users' }, text: { field: 'label' } },
        },
      ],
    } as unknown as TopLevelSpec);
  }

  return {
    width: size.width,
    height: size.height,
    background: '#ffffff',
    config: {
      font: 'Helvetica, Arial, sans-serif',
      view: { stroke: null },
      axis: { labelColor: '#374151', titleColor: '#374151', domainColor: '#9ca3af', tickColor: '#9ca3af' },
      legend: { labelColor: '#374151', symbolType: 'stroke', symbolStrokeWidth: 2 },
    },
    layer: layers,
  } as unknown as TopLevelSpec;
}

/** Runs of buckets without any sample, as `[start, end)` ranges to shade. */
export function gapsOf(series: ChartSeries): { start: number; end: number }[] {
  const gaps: { start: number; end: number }[] = [];
  for (const point of series.points) {
    if (point.live !== null) continue;
    const last = gaps[gaps.length - 1];
    if (last !== undefined && last.end === point.time) last.end = point.time + series.bucketMs;
    else gaps.push({ start: point.time, end: point.time + series.bucketMs });
  }
  return gaps;
}

function peakLabel(peak: number, time: number): string {
  const iso = new Date(time).toISOString();
  const day = new Date(time).toUTCString().slice(5, 11);
  return `peak ${peak} · ${day} ${iso.slice(11, 16)} UTC`;
}

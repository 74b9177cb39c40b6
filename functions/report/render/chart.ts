import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSeries, TargetReport } from '../model.js';

/** Colours of the series, shared with the HTML legend and key figures. */
export const CHART_COLORS = {
  live: '#2563eb',
  queued: '#ea580c',
  capacity: '#b91c1c',
  forecast: '#7c3aed',
  peak: '#111827',
  gap: '#f59e0b',
} as const;

const LIVE = 'Live users';
const QUEUED = 'Queued users';
const DAY_MS = 86_400_000;
/** The smallest text of a chart, in px: legible when the page is shown 1400 px wide. */
const FONT_PX = 11;

/** Size of the plotting area in px; the SVG adds the axes around it. */
export interface ChartSize {
  width: number;
  height: number;
}

/**
 * The chart of one target as an SVG document: live (and, with a queue, queued) users over the period, a break
 * where no sample was collected, the peak marked with a point and its value, the capacity as a dashed line, and
 * the forecast's trend as a dashed line to the end of the next period.
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
  const line = report.forecast.line;
  // With a forecast the time axis runs on to the end of the next period, where its line ends.
  const to = line ? Date.parse(line.to.time) : Date.parse(report.to);
  const span = to - from;
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
      // Weekday names on the ticks of a period of days: a Monday reads differently from a Saturday.
      format: span <= 2 * DAY_MS ? '%H:%M' : span <= 16 * DAY_MS ? '%a %d' : '%a %d %b',
      labelOverlap: true,
      tickCount:
        span <= 2 * DAY_MS
          ? 12
          : { interval: 'day', step: span <= 16 * DAY_MS ? 1 : span <= 70 * DAY_MS ? 7 : 14 },
      grid: false,
    },
  } as const;

  // The other layers share the x scale; repeating the domain there would make Vega-Lite merge (and warn).
  const xShared = { field: 'time', type: 'temporal' } as const;
  const highestCap = Math.max(
    0,
    report.capacity.value ?? 0,
    ...series.points.map((point) => point.capacity ?? 0),
  );
  const forecastTop = line ? Math.max(line.from.value, line.to.value) : 0;
  const top = Math.max(report.live.peak ?? 0, report.queue?.peak ?? 0, highestCap, forecastTop, 1);
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

  // The capacity as a line over time, not a single rule: a plan can change during the period. Points written
  // before the `capacity` field existed draw the report's capacity instead.
  const capacity = report.capacity.value;
  const capacityValues = series.points.some((point) => point.capacity !== null)
    ? series.points.map((point) => ({ time: point.time, capacity: point.capacity }))
    : capacity === null
      ? []
      : [
          { time: from, capacity },
          { time: Date.parse(report.to), capacity },
        ];
  const lastCap = capacityValues.filter((point) => point.capacity !== null).at(-1);
  if (lastCap) {
    layers.push({
      data: { values: capacityValues },
      layer: [
        {
          mark: {
            type: 'line',
            color: CHART_COLORS.capacity,
            strokeDash: [6, 4],
            strokeWidth: 1.5,
            interpolate: 'step-after',
          },
          encoding: { x: xShared, y: { ...y, field: 'capacity' } },
        },
        {
          transform: [{ filter: `datum.time === ${lastCap.time}` }],
          mark: {
            type: 'text',
            color: CHART_COLORS.capacity,
            align: 'right',
            baseline: 'bottom',
            dy: -3,
            fontSize: FONT_PX,
          },
          encoding: {
            x: xShared,
            y: { ...y, field: 'capacity' },
            text: { value: `capacity ${lastCap.capacity}` },
          },
        },
      ],
    } as unknown as TopLevelSpec);
  }

  if (line) {
    const ends = [
      { time: Date.parse(line.from.time), trend: line.from.value },
      { time: Date.parse(line.to.time), trend: line.to.value },
    ];
    layers.push({
      data: { values: ends },
      layer: [
        {
          mark: { type: 'line', color: CHART_COLORS.forecast, strokeDash: [3, 3], strokeWidth: 1.5 },
          encoding: { x: xShared, y: { ...y, field: 'trend' } },
        },
        {
          transform: [{ filter: `datum.time === ${ends[1]?.time}` }],
          mark: {
            type: 'text',
            color: CHART_COLORS.forecast,
            align: 'right',
            baseline: 'top',
            dy: 4,
            fontSize: FONT_PX,
          },
          encoding: {
            x: xShared,
            y: { ...y, field: 'trend' },
            text: { value: `trend ${Math.round(line.to.value)}` },
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
            fontSize: FONT_PX + 1,
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
      axis: {
        labelColor: '#374151',
        titleColor: '#374151',
        domainColor: '#9ca3af',
        tickColor: '#9ca3af',
        labelFontSize: FONT_PX,
        titleFontSize: FONT_PX + 1,
      },
      legend: {
        labelColor: '#374151',
        symbolType: 'stroke',
        symbolStrokeWidth: 2,
        labelFontSize: FONT_PX,
        titleFontSize: FONT_PX + 1,
      },
      text: { fontSize: FONT_PX },
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

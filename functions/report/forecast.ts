import type { Forecast } from './model.js';

const DAY_MS = 86_400_000;

/** Days of data the trend needs at least; below it every figure of the forecast is `null`. */
export const FORECAST_MIN_DAYS = 14;
/** How far before the period's end the daily peaks are read. */
export const FORECAST_HISTORY_DAYS = 90;
/** How far after the period's end the capacity is looked for. */
export const FORECAST_HORIZON_DAYS = 180;

/** A straight line over days: `value(day) = intercept + slope × day`, `day` in days since the epoch. */
export interface Trend {
  slope: number;
  intercept: number;
}

/**
 * The Theil–Sen line through `(x, y)` points: the median of the slopes between every pair with different x, and
 * the median of `y − slope × x` as intercept. Robust: a launch day or an outage moves it little, where a least-
 * squares line would follow the outlier. `undefined` with fewer than two distinct x.
 */
export function theilSen(points: readonly { x: number; y: number }[]): Trend | undefined {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i] as { x: number; y: number };
      const b = points[j] as { x: number; y: number };
      if (a.x !== b.x) slopes.push((b.y - a.y) / (b.x - a.x));
    }
  }
  if (slopes.length === 0) return undefined;
  const slope = median(slopes);
  const intercept = median(points.map((point) => point.y - slope * point.x));
  return { slope, intercept };
}

/** The median; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The forecast of a target: the Theil–Sen trend of its daily demand peaks (each at the start of its UTC day),
 * evaluated at the end of the next period of the same kind; and the first day from the period's end (day starts,
 * within 180 days) on which the trend reaches the capacity.
 *
 * @param dailyPeaks - the highest demand per UTC day of the 90 days before the period's end, days without data left out.
 * @param period - the report's period and the end of the next one, ms since the epoch.
 */
export function forecastOf(
  dailyPeaks: readonly { day: number; peak: number }[],
  capacity: number | null,
  period: { from: number; to: number; nextEnd: number },
): Forecast {
  const none: Forecast = {
    method: 'theil-sen',
    basisDays: dailyPeaks.length,
    nextPeriodPeak: null,
    capacityReachedOn: null,
    line: null,
  };
  if (dailyPeaks.length < FORECAST_MIN_DAYS) return none;
  const trend = theilSen(dailyPeaks.map(({ day, peak }) => ({ x: day / DAY_MS, y: peak })));
  if (trend === undefined) return none;
  const at = (ms: number) => trend.intercept + trend.slope * (ms / DAY_MS);
  return {
    ...none,
    nextPeriodPeak: at(period.nextEnd),
    capacityReachedOn: capacity === null ? null : reachedOn(trend, capacity, period.to),
    line: {
      from: { time: iso(period.from), value: at(period.from) },
      to: { time: iso(period.nextEnd), value: at(period.nextEnd) },
    },
  };
}

/** The first day start at or after `from` (a day's start) within the horizon at which the trend is ≥ `capacity`. */
function reachedOn(trend: Trend, capacity: number, from: number): string | null {
  const firstDay = Math.ceil(from / DAY_MS);
  const value = (day: number) => trend.intercept + trend.slope * day;
  if (value(firstDay) >= capacity) return dayText(firstDay);
  if (trend.slope <= 0) return null;
  // The day the line crosses, rounded up to a day start; the loop absorbs the rounding of the division.
  let day = Math.max(firstDay, Math.ceil((capacity - trend.intercept) / trend.slope) - 1);
  while (value(day) < capacity) day++;
  return day <= firstDay + FORECAST_HORIZON_DAYS ? dayText(day) : null;
}

function dayText(day: number): string {
  return iso(day * DAY_MS).slice(0, 10);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

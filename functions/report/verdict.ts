import type { Verdict } from './model.js';

const DAY_MS = 86_400_000;

/** The thresholds of the verdict rule (docs/reports-and-dashboards.md). */
export const VERDICT_RULE = {
  /** Minutes at or above the capacity in the period from which an upgrade is due. */
  upgradeMinutes: 60,
  /** p95 at or above this share of the capacity: watch. */
  watchP95Percent: 80,
  /** The forecast reaching the capacity within this many days of the period's end: watch. */
  watchWithinDays: 90,
  /** A peak below this share of the capacity: oversized. */
  oversizedPercent: 40,
} as const;

/** The figures the verdict is decided on. */
export interface VerdictInput {
  capacity: number | null;
  livePeak: number | null;
  p95: number | null;
  demandPeak: number | null;
  /** Whether demand includes a queue (`live + queued`), for the reason's wording. */
  queue: boolean;
  minutesAtOrAbove: number;
  /** The forecast's `capacityReachedOn` (`YYYY-MM-DD`). */
  capacityReachedOn: string | null;
  /** End of the period, ms since the epoch. */
  periodEnd: number;
}

/**
 * The verdict, first rule that holds: `unknown` without a capacity (or without a sample); `upgrade` when demand
 * peaked above the capacity or live users were at or above it for 60 minutes or more; `watch` when p95 is at or
 * above 80 % of it or the forecast reaches it within 90 days; `oversized` when the peak is below 40 % of it;
 * otherwise `ok`.
 */
export function verdictOf(input: VerdictInput): Verdict {
  const { capacity, livePeak, p95, demandPeak, minutesAtOrAbove, capacityReachedOn } = input;
  const rule = VERDICT_RULE;
  if (capacity === null) {
    return {
      level: 'unknown',
      reason:
        'No capacity is known: set "capacity" on the target, or poll an endpoint whose plan reports one.',
    };
  }
  if (livePeak === null) {
    return {
      level: 'unknown',
      reason: `No sample in the period to compare with the capacity of ${capacity}.`,
    };
  }
  if (demandPeak !== null && demandPeak > capacity) {
    return {
      level: 'upgrade',
      reason: `Demand peaked at ${demandPeak}${input.queue ? ' (live plus queued)' : ''}, above the capacity of ${capacity}.`,
    };
  }
  if (minutesAtOrAbove >= rule.upgradeMinutes) {
    return {
      level: 'upgrade',
      reason: `Live users were at or above the capacity of ${capacity} in ${minutesAtOrAbove} minutes (${rule.upgradeMinutes} or more).`,
    };
  }
  if (p95 !== null && p95 * 100 >= rule.watchP95Percent * capacity) {
    return {
      level: 'watch',
      reason: `p95 of ${p95} is ${pct(p95, capacity)} of the capacity of ${capacity} (${rule.watchP95Percent} % or more).`,
    };
  }
  if (capacityReachedOn !== null && daysFrom(input.periodEnd, capacityReachedOn) <= rule.watchWithinDays) {
    return {
      level: 'watch',
      reason: `The trend of daily demand peaks reaches the capacity of ${capacity} on ${capacityReachedOn}, within ${rule.watchWithinDays} days.`,
    };
  }
  if (livePeak * 100 < rule.oversizedPercent * capacity) {
    return {
      level: 'oversized',
      reason: `The peak of ${livePeak} is ${pct(livePeak, capacity)} of the capacity of ${capacity} (below ${rule.oversizedPercent} %).`,
    };
  }
  return {
    level: 'ok',
    reason: `The peak of ${livePeak} is ${pct(livePeak, capacity)} and p95 ${p95 ?? livePeak} is ${pct(p95 ?? livePeak, capacity)} of the capacity of ${capacity}, and the trend does not reach it within ${rule.watchWithinDays} days.`,
  };
}

function pct(value: number, capacity: number): string {
  return `${((value / capacity) * 100).toFixed(1)} %`;
}

/** Whole days from the period's end (its day start) to a `YYYY-MM-DD` day. */
function daysFrom(periodEnd: number, day: string): number {
  return (Date.parse(`${day}T00:00:00Z`) - Math.ceil(periodEnd / DAY_MS) * DAY_MS) / DAY_MS;
}

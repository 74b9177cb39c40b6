import { describe, expect, it } from 'vitest';
import {
  capacityFigures,
  chartSeries,
  computeTargetReport,
  expectedSamples,
  type TargetInfo,
} from '../../../functions/report/compute.js';
import { ninetyPercent, type RawFigures } from '../../../functions/report/figures.js';
import { forecastOf, median, theilSen } from '../../../functions/report/forecast.js';
import { withComparison } from '../../../functions/report/period.js';
import { type VerdictInput, verdictOf } from '../../../functions/report/verdict.js';

const T0 = Date.parse('2026-10-14T20:00:00Z');
const S = 1_000;
const MIN = 60_000;
const DAY = 86_400_000;
const NOV = Date.parse('2026-11-01');
const DEC = Date.parse('2026-12-01');

const imkit: TargetInfo = {
  name: 'chat',
  provider: 'imkit',
  endpoint: 'imkit.connectionCount',
  intervalMs: 30 * S,
  discovers: false,
  queue: false,
  plan: false,
  projectTags: ['project'],
};

function raw(extra: Partial<RawFigures> = {}): RawFigures {
  return {
    live: { present: 0, peak: null, peakTime: null, p95: null, mean: null },
    queue: null,
    demand: { peak: null, peakTime: null },
    capacityField: null,
    capacity: null,
    minutesAtOrAbove: 0,
    minutesAbove90Percent: 0,
    plan: null,
    previous: { present: 0, peak: null, mean: null },
    dailyDemandPeaks: [],
    projects: null,
    ...extra,
  };
}

describe('expectedSamples', () => {
  it('counts the multiples of the interval in [from, to)', () => {
    expect(expectedSamples({ from: T0, to: T0 + 10 * MIN }, 10 * S)).toBe(60);
    expect(expectedSamples({ from: T0 + 5 * S, to: T0 + 10 * MIN }, 10 * S)).toBe(59);
    expect(expectedSamples({ from: T0, to: T0 + 10 * MIN + 1 }, 10 * S)).toBe(61);
    expect(expectedSamples({ from: Date.parse('2026-10-01'), to: Date.parse('2026-11-01') }, 10 * S)).toBe(
      267_840,
    );
  });
});

describe('theilSen and median', () => {
  it('takes the median of the pairwise slopes and the median intercept', () => {
    // Slopes: (1,3)→2, (1,4)→... by hand: points (0,1) (1,3) (2,5) (3,40): slopes 2,2,13,2,18.5,35 → median 7.5
    const trend = theilSen([
      { x: 0, y: 1 },
      { x: 1, y: 3 },
      { x: 2, y: 5 },
      { x: 3, y: 40 },
    ]);
    expect(trend?.slope).toBe(7.5);
    // y − 7.5x: 1, −4.5, −10, 17.5 → median (−4.5 + 1) / 2
    expect(trend?.intercept).toBe(-1.75);
  });

  it('follows a line exactly, and shrugs off one outlier where least squares would not', () => {
    const line = Array.from({ length: 20 }, (_, x) => ({ x, y: 100 + 2 * x }));
    expect(theilSen(line)).toEqual({ slope: 2, intercept: 100 });
    const spiked = line.map((point) => (point.x === 10 ? { x: 10, y: 900 } : point));
    expect(theilSen(spiked)?.slope).toBe(2);
  });

  it('is undefined without two distinct x', () => {
    expect(theilSen([{ x: 1, y: 2 }])).toBeUndefined();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('forecastOf', () => {
  const november = withComparison({ from: NOV, to: DEC }, 'month');
  const days = (count: number, f: (i: number) => number) =>
    Array.from({ length: count }, (_, i) => ({ day: DEC - (count - i) * DAY, peak: f(i) }));

  it('is null below 14 days of data, and says how many there were', () => {
    expect(
      forecastOf(
        days(13, (i) => 10 + i),
        100,
        november,
      ),
    ).toEqual({
      method: 'theil-sen',
      basisDays: 13,
      nextPeriodPeak: null,
      capacityReachedOn: null,
      line: null,
    });
  });

  it('projects the trend to the end of the next period and finds the first day at the capacity', () => {
    // One more user a day; the last day (30 Nov) is at 60: the trend is 61 on 1 Dec, 92 on 1 Jan.
    const forecast = forecastOf(
      days(30, (i) => 31 + i),
      75,
      november,
    );
    expect(forecast.basisDays).toBe(30);
    expect(forecast.nextPeriodPeak).toBeCloseTo(92, 9);
    expect(forecast.capacityReachedOn).toBe('2026-12-15');
    expect(forecast.line?.to).toEqual({ time: '2027-01-01T00:00:00.000Z', value: forecast.nextPeriodPeak });
  });

  it('has no capacity day when the trend is flat or falling, beyond 180 days, or without a capacity', () => {
    expect(
      forecastOf(
        days(30, () => 50),
        75,
        november,
      ).capacityReachedOn,
    ).toBeNull();
    expect(
      forecastOf(
        days(30, (i) => 31 + i / 10),
        75,
        november,
      ).capacityReachedOn,
    ).toBeNull();
    expect(
      forecastOf(
        days(30, (i) => 31 + i),
        null,
        november,
      ).capacityReachedOn,
    ).toBeNull();
  });

  it('names the period end when the trend is already at the capacity', () => {
    expect(
      forecastOf(
        days(30, (i) => 31 + i),
        40,
        november,
      ).capacityReachedOn,
    ).toBe('2026-12-01');
  });
});

describe('verdictOf (the rule of docs/reports-and-dashboards.md)', () => {
  const base: VerdictInput = {
    capacity: 100,
    livePeak: 60,
    p95: 50,
    demandPeak: 60,
    queue: true,
    minutesAtOrAbove: 0,
    capacityReachedOn: null,
    periodEnd: DEC,
  };
  const level = (extra: Partial<VerdictInput>) => verdictOf({ ...base, ...extra }).level;

  it('unknown without a capacity or without a sample', () => {
    expect(level({ capacity: null })).toBe('unknown');
    expect(level({ livePeak: null, p95: null, demandPeak: null })).toBe('unknown');
  });

  it('upgrade when demand went above the capacity, or live sat at it for 60 minutes or more', () => {
    expect(level({ demandPeak: 101, livePeak: 100 })).toBe('upgrade');
    expect(level({ demandPeak: 100, livePeak: 100, minutesAtOrAbove: 60 })).toBe('upgrade');
    expect(level({ demandPeak: 100, livePeak: 100, minutesAtOrAbove: 59 })).not.toBe('upgrade');
  });

  it('watch when p95 is at or above 80 % of the capacity, or the forecast reaches it within 90 days', () => {
    expect(level({ p95: 80 })).toBe('watch');
    expect(level({ p95: 79 })).toBe('ok');
    expect(level({ capacityReachedOn: '2027-03-01' })).toBe('watch'); // 90 days after 1 December
    expect(level({ capacityReachedOn: '2027-03-02' })).toBe('ok');
  });

  it('oversized when the peak is below 40 % of the capacity, ok otherwise', () => {
    expect(level({ livePeak: 39, p95: 30, demandPeak: 39 })).toBe('oversized');
    expect(level({ livePeak: 40, p95: 30, demandPeak: 40 })).toBe('ok');
  });

  it('gives one sentence with the figures that decided it', () => {
    expect(verdictOf({ ...base, p95: 85 }).reason).toBe(
      'p95 of 85 is 85.0 % of the capacity of 100 (80 % or more).',
    );
    expect(verdictOf({ ...base, demandPeak: 120, livePeak: 100 }).reason).toBe(
      'Demand peaked at 120 (live plus queued), above the capacity of 100.',
    );
    expect(verdictOf({ ...base, queue: false, demandPeak: 120, livePeak: 120 }).reason).toBe(
      'Demand peaked at 120, above the capacity of 100.',
    );
  });
});

describe('capacityFigures', () => {
  it('is null and 0 without a capacity', () => {
    expect(capacityFigures(imkit, raw())).toEqual({
      value: null,
      source: null,
      peakPercent: null,
      headroom: null,
      minutesAtOrAbove: 0,
      minutesAbove90Percent: 0,
    });
  });

  it('has headroom value − peak (negative over it), the peak in percent, and the source', () => {
    const live = { present: 10, peak: 45, peakTime: T0, p95: 40, mean: 30 };
    const over = raw({ live, capacity: 40, minutesAtOrAbove: 3, minutesAbove90Percent: 7 });
    expect(capacityFigures({ ...imkit, capacity: 40 }, over)).toEqual({
      value: 40,
      source: 'config',
      peakPercent: 112.5,
      headroom: -5,
      minutesAtOrAbove: 3,
      minutesAbove90Percent: 7,
    });
    expect(capacityFigures({ ...imkit, plan: true }, over).source).toBe('plan');
    expect(capacityFigures({ ...imkit, plan: true, capacity: 40 }, over).source).toBe('config');
  });

  it('counts 90 % in integers: 27 is 90 % of 30', () => {
    expect(ninetyPercent(30)).toBe(27);
    expect(ninetyPercent(7)).toBe(7);
    expect(ninetyPercent(40)).toBe(36);
  });
});

describe('computeTargetReport', () => {
  const period = withComparison({ from: T0, to: T0 + 10 * MIN }, undefined);

  it('flags coverage only below the threshold', () => {
    const at = (present: number, warn: number) =>
      computeTargetReport(imkit, period, raw({ live: { ...raw().live, present } }), warn).samples;
    expect(at(20, 99)).toMatchObject({ expected: 20, coveragePercent: 100, coverageWarning: false });
    expect(at(19, 99)).toMatchObject({ missing: 1, coverageWarning: true });
    expect(at(19, 95)).toMatchObject({ coverageWarning: false });
  });

  it('compares peak and mean with the previous period, with no percent against 0', () => {
    const live = { present: 20, peak: 12, peakTime: T0, p95: 11, mean: 6 };
    const r = computeTargetReport(
      imkit,
      period,
      raw({ live, previous: { present: 20, peak: 10, mean: 0 } }),
      99,
    );
    expect(r.change).toEqual({ peak: { absolute: 2, percent: 20 }, mean: { absolute: 6, percent: null } });
    expect(r.live.peakAt).toBe('2026-10-14T20:00:00.000Z');
  });

  it('names the plan group `plan`, and keeps `metered` as the same object for one release', () => {
    const plan = {
      planMaxConnections: 100,
      periodPeak: 80,
      overageConnections: { last: 0, max: 0 },
      overageMessages: { last: 1, max: 2 },
    };
    const live = { present: 20, peak: 50, peakTime: T0, p95: 11, mean: 6 };
    const r = computeTargetReport({ ...imkit, plan: true }, period, raw({ live, plan }), 99);
    expect(r.plan?.peakPercentOfPlan).toBe(50);
    expect(r.metered).toBe(r.plan);
  });
});

describe('chartSeries', () => {
  it('keeps the highest value of each bucket and leaves buckets without samples empty', () => {
    const period = { from: T0, to: T0 + 3 * MIN };
    const series = chartSeries(period, {
      bucketMs: MIN,
      rows: [
        { time: T0, live: 5, queued: 1, capacity: 40 },
        { time: T0 + 2 * MIN, live: 7, queued: null, capacity: null },
      ],
    });
    expect(series.points).toEqual([
      { time: T0, live: 5, queued: 1, capacity: 40 },
      { time: T0 + MIN, live: null, queued: null, capacity: null },
      { time: T0 + 2 * MIN, live: 7, queued: null, capacity: null },
    ]);
  });
});

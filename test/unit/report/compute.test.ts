import { describe, expect, it } from 'vitest';
import {
  chartSeries,
  computeTargetReport,
  expectedSamples,
  mergeByTime,
  percentile,
  projectReports,
  summarise,
  type TargetInfo,
} from '../../../functions/report/compute.js';
import type { ProjectTags, Sample } from '../../../functions/report/model.js';

const T0 = Date.parse('2026-10-14T20:00:00Z');
const S = 1_000;
const MIN = 60_000;

function sample(time: number, live: number, extra: Partial<Sample> = {}): Sample {
  return {
    time,
    live,
    queued: null,
    planMaxConnections: null,
    overageConnections: null,
    overageMessages: null,
    periodPeak: null,
    ...extra,
  };
}

const streampixel: TargetInfo = {
  name: 'eu',
  provider: 'streampixel',
  endpoint: 'streampixel.liveStats',
  intervalMs: 10 * S,
};
const metered: TargetInfo = { name: 'sig', provider: 'metered', endpoint: 'metered.usage', intervalMs: MIN };
const imkit: TargetInfo = {
  name: 'chat',
  provider: 'imkit',
  endpoint: 'imkit.connectionCount',
  intervalMs: 30 * S,
};
const noPrevious = {
  period: { from: T0 - 10 * MIN, to: T0 },
  summary: { samplesPresent: 0, peak: null, mean: null },
};

describe('percentile (nearest rank, as InfluxQL picks it)', () => {
  it('takes rank floor(n × p / 100 + 0.5), 1-based, of the sorted values', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 30)).toBe(20); // 1.5 + 0.5 → rank 2
    expect(percentile(values, 40)).toBe(20); // 2.0 + 0.5 → rank 2
    expect(percentile(values, 50)).toBe(35); // 2.5 + 0.5 → rank 3
    expect(percentile(values, 100)).toBe(50);
    expect(percentile([3, 1, 2], 95)).toBe(3); // unsorted input; 2.85 + 0.5 → rank 3
  });

  it('rounds the rank to the nearest one, where a textbook nearest rank would round up', () => {
    // 11 values: 11 × 0.95 = 10.45. InfluxDB takes rank 10 (ceil would take 11).
    const values = Array.from({ length: 11 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(10);
    // 20 values: 19 + 0.5 → rank 19.
    expect(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(19);
  });

  it('is null where InfluxDB answers nothing: no values, or a rank below 1', () => {
    expect(percentile([], 95)).toBeNull();
    expect(percentile([7], 10)).toBeNull(); // 0.1 + 0.5 → rank 0
    expect(percentile([7], 95)).toBe(7);
  });
});

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

describe('computeTargetReport', () => {
  it('reports the peak at the first minute it was reached, when later samples tie', () => {
    const samples = [
      sample(T0, 3),
      sample(T0 + 70 * S, 9), // 20:01:10 — the first 9
      sample(T0 + 80 * S, 9),
      sample(T0 + 5 * MIN, 9),
      sample(T0 + 6 * MIN, 4),
    ];
    const report = computeTargetReport(imkit, { from: T0, to: T0 + 10 * MIN }, samples, noPrevious);
    expect(report.live.peak).toBe(9);
    expect(report.live.peakAt).toBe('2026-10-14T20:01:00.000Z');
  });

  it('shows a gap as samples missing, and keeps it out of the mean', () => {
    const period = { from: T0, to: T0 + 10 * MIN };
    // 60 slots of 10 s; the samples of minutes 3 to 5 are missing.
    const samples = Array.from({ length: 60 }, (_, i) => sample(T0 + i * 10 * S, 10)).filter(
      (s) => s.time < T0 + 3 * MIN || s.time >= T0 + 6 * MIN,
    );
    const report = computeTargetReport(streampixel, period, samples, noPrevious);
    expect(report.samples).toEqual({ present: 42, expected: 60, missing: 18, coveragePercent: 70 });
    expect(report.live.mean).toBe(10);
  });

  it('counts the distinct minutes with a non-empty queue, and the queue peak', () => {
    const samples = [
      sample(T0, 5, { queued: 0 }),
      sample(T0 + 10 * S, 5, { queued: 2 }), // minute 0
      sample(T0 + 20 * S, 5, { queued: 1 }), // minute 0 again
      sample(T0 + 2 * MIN + 50 * S, 5, { queued: 7 }), // minute 2
      sample(T0 + 4 * MIN, 5, { queued: 7 }), // minute 4, ties the peak later
      sample(T0 + 5 * MIN, 5, { queued: 0 }),
    ];
    const report = computeTargetReport(streampixel, { from: T0, to: T0 + 10 * MIN }, samples, noPrevious);
    expect(report.queue).toEqual({ peak: 7, peakAt: '2026-10-14T20:02:00.000Z', minutesNonEmpty: 3 });
    expect(report.metered).toBeNull();
  });

  it('has no queue figures for a provider without a queue', () => {
    const report = computeTargetReport(imkit, { from: T0, to: T0 + MIN }, [sample(T0, 1)], noPrevious);
    expect(report.queue).toBeNull();
  });

  it('keeps the period half-open: a sample at `to` belongs to the next period', () => {
    const period = { from: T0, to: T0 + MIN };
    const report = computeTargetReport(imkit, period, [sample(T0, 1), sample(T0 + MIN, 100)], noPrevious);
    expect(report.live.peak).toBe(1);
    expect(report.samples.present).toBe(1);
  });

  it('compares Metered peaks with the plan cap in force at the peak, and reads the overage counters', () => {
    const samples = [
      sample(T0, 400, {
        planMaxConnections: 500,
        overageConnections: 0,
        overageMessages: 10,
        periodPeak: 400,
      }),
      sample(T0 + MIN, 450, {
        planMaxConnections: 500,
        overageConnections: 3,
        overageMessages: 20,
        periodPeak: 450,
      }),
      // The plan was upgraded after the peak; the counters reset with a new billing period.
      sample(T0 + 2 * MIN, 300, {
        planMaxConnections: 1000,
        overageConnections: 1,
        overageMessages: 5,
        periodPeak: 300,
      }),
    ];
    const report = computeTargetReport(metered, { from: T0, to: T0 + 3 * MIN }, samples, noPrevious);
    expect(report.metered).toEqual({
      planMaxConnections: 500,
      peakPercentOfPlan: 90,
      periodPeak: 450,
      overageConnections: { last: 1, max: 3 },
      overageMessages: { last: 5, max: 20 },
    });
  });

  it('compares peak and mean with the previous period, in absolute and percent', () => {
    const previous = { period: noPrevious.period, summary: { samplesPresent: 4, peak: 8, mean: 5 } };
    const samples = [sample(T0, 10), sample(T0 + MIN, 2)];
    const report = computeTargetReport(imkit, { from: T0, to: T0 + 2 * MIN }, samples, previous);
    expect(report.change).toEqual({ peak: { absolute: 2, percent: 25 }, mean: { absolute: 1, percent: 20 } });
    expect(report.previous).toMatchObject({ samplesPresent: 4, peak: 8, mean: 5 });
  });

  it('has no change when either period is empty, and no percent against 0', () => {
    const previous = { period: noPrevious.period, summary: { samplesPresent: 3, peak: 0, mean: 0 } };
    const report = computeTargetReport(imkit, { from: T0, to: T0 + MIN }, [sample(T0, 4)], previous);
    expect(report.change.peak).toEqual({ absolute: 4, percent: null });
    const empty = computeTargetReport(imkit, { from: T0, to: T0 + MIN }, [], previous);
    expect(empty.change).toEqual({ peak: null, mean: null });
    expect(empty.live).toEqual({ peak: null, peakAt: null, p95: null, mean: null });
    expect(empty.samples).toEqual({ present: 0, expected: 2, missing: 2, coveragePercent: 0 });
  });
});

describe('a target that discovers its projects', () => {
  const account: TargetInfo = { ...streampixel, name: 'account', intervalMs: MIN, discovers: true };
  const period = { from: T0, to: T0 + 120 * MIN };
  const tagsOf = (id: string, name: string, region: string | null): ProjectTags => ({ id, name, region });
  const A = tagsOf('p-a', 'eu-001', 'eu-west-1');
  const B = tagsOf('p-b', 'eu-002', 'eu-west-1');
  /** p-c was called us-old until minute 90: one project, one row, under its new name. */
  const C_OLD = tagsOf('p-c', 'us-old', null);
  const C = tagsOf('p-c', 'us-001', null);

  /** Per project: its points as [minute, live, queued]. */
  const seeded: Array<{ tags: (minute: number) => ProjectTags; points: Array<[number, number, number]> }> = [
    {
      // Every minute; queues every tenth minute.
      tags: () => A,
      points: Array.from({ length: 120 }, (_, m): [number, number, number] => [
        m,
        5 + ((m * 7) % 13),
        m % 10 === 0 ? 3 : 0,
      ]),
    },
    {
      // A 15-minute gap, and its peak reached twice (minutes 20 and 100).
      tags: () => B,
      points: Array.from({ length: 120 }, (_, m): [number, number, number] => [
        m,
        m === 20 || m === 100 ? 40 : 20 + ((m * 5) % 11),
        m >= 95 && m < 98 ? 6 : 0,
      ]).filter(([m]) => m < 30 || m >= 45),
    },
    {
      // Created at minute 60, renamed at minute 90.
      tags: (m) => (m < 90 ? C_OLD : C),
      points: Array.from({ length: 60 }, (_, i): [number, number, number] => [60 + i, 30 + (i % 4), 0]),
    },
  ];
  const samples: Sample[] = seeded.flatMap(({ tags, points }) =>
    points.map(([m, live, queued]) => sample(T0 + m * MIN, live, { queued, project: tags(m) })),
  );
  // Interleaved as InfluxDB answers them: time order, projects mixed.
  samples.sort((a, b) => a.time - b.time);

  /** The figures of a list of [minute, live, queued], computed here without the report's code. */
  function expected(points: Array<[number, number, number]>) {
    const lives = points.map(([, live]) => live);
    const peak = Math.max(...lives);
    const firstPeak = points.find(([, live]) => live === peak) as [number, number, number];
    const sorted = [...lives].sort((a, b) => a - b);
    const rank = Math.floor((sorted.length * 95) / 100 + 0.5);
    const queues = points.map(([, , queued]) => queued);
    const queuePeak = Math.max(...queues);
    const firstQueuePeak = points.find(([, , queued]) => queued === queuePeak) as [number, number, number];
    return {
      samples: {
        present: points.length,
        expected: 120,
        missing: 120 - points.length,
        coveragePercent: (points.length / 120) * 100,
      },
      live: {
        peak,
        peakAt: new Date(T0 + firstPeak[0] * MIN).toISOString(),
        p95: sorted[rank - 1],
        mean: lives.reduce((a, b) => a + b, 0) / lives.length,
      },
      queue: {
        peak: queuePeak,
        peakAt: new Date(T0 + firstQueuePeak[0] * MIN).toISOString(),
        minutesNonEmpty: points.filter(([, , queued]) => queued > 0).length,
      },
    };
  }

  it('reports each project’s own figures, sorted by name, a renamed project under its latest name', () => {
    const report = computeTargetReport(account, period, samples, noPrevious);
    const projects = report.projects ?? [];
    expect(projects.map((p) => [p.project, p.name, p.region])).toEqual([
      ['p-a', 'eu-001', 'eu-west-1'],
      ['p-b', 'eu-002', 'eu-west-1'],
      ['p-c', 'us-001', null],
    ]);
    for (const [i, project] of projects.entries()) {
      const want = expected((seeded[i] as (typeof seeded)[number]).points);
      expect(project.samples).toEqual(want.samples);
      expect(project.live.peak).toBe(want.live.peak);
      expect(project.live.peakAt).toBe(want.live.peakAt);
      expect(project.live.p95).toBe(want.live.p95);
      expect(project.live.mean).toBeCloseTo(want.live.mean, 12);
      expect(project.queue).toEqual(want.queue);
    }
    // The facts the seed was made for.
    expect(projects[1]?.live).toMatchObject({ peak: 40, peakAt: '2026-10-14T20:20:00.000Z' });
    expect(projects[1]?.samples.missing).toBe(15);
    expect(projects[2]?.samples).toMatchObject({ present: 60, missing: 60 });
  });

  it('keeps the target’s own figures the account total: the sum over its projects at each time', () => {
    const report = computeTargetReport(account, period, samples, noPrevious);
    const totals = new Map<number, { live: number; queued: number }>();
    for (const { points } of seeded) {
      for (const [m, live, queued] of points) {
        const total = totals.get(m) ?? { live: 0, queued: 0 };
        totals.set(m, { live: total.live + live, queued: total.queued + queued });
      }
    }
    const want = expected([...totals].sort(([a], [b]) => a - b).map(([m, t]) => [m, t.live, t.queued]));
    expect(report.samples).toEqual(want.samples);
    expect(report.live.peak).toBe(want.live.peak);
    expect(report.live.peakAt).toBe(want.live.peakAt);
    expect(report.live.p95).toBe(want.live.p95);
    expect(report.live.mean).toBeCloseTo(want.live.mean, 12);
    expect(report.queue).toEqual(want.queue);
    // The account's peak is more than any one project's.
    expect(report.live.peak).toBeGreaterThan(
      Math.max(...(report.projects ?? []).map((p) => p.live.peak ?? 0)),
    );
  });

  it('has no projects for a target of one configured project, and an empty list for a quiet discovering one', () => {
    const plain = samples.map(({ project: _, ...rest }) => rest);
    expect(computeTargetReport(streampixel, period, plain, noPrevious).projects).toBeNull();
    expect(computeTargetReport(account, period, [], noPrevious).projects).toEqual([]);
    // Points that carry a project say so even when the config no longer discovers (a target changed since).
    expect(projectReports({ ...account, discovers: false }, period, samples)).toHaveLength(3);
  });

  it('leaves samples outside the period out of the projects too', () => {
    const outside = sample(period.to, 999, { queued: 99, project: A });
    const projects = projectReports(account, period, [...samples, outside]) ?? [];
    expect(projects[0]?.live.peak).toBe(expected((seeded[0] as (typeof seeded)[number]).points).live.peak);
  });

  it('drops the project from a sample that sums several', () => {
    const [merged] = mergeByTime([sample(T0, 1, { project: A }), sample(T0, 2, { project: B })]);
    expect(merged).not.toHaveProperty('project');
    expect(mergeByTime([sample(T0, 1, { project: A })])[0]?.project).toBe(A);
  });
});

describe('mergeByTime and summarise', () => {
  it('adds up the projects of a target sampled at the same time', () => {
    const merged = mergeByTime([
      sample(T0 + MIN, 1, { queued: 1 }),
      sample(T0, 2, { queued: null }),
      sample(T0, 3, { queued: 4 }),
    ]);
    expect(merged.map((s) => [s.time, s.live, s.queued])).toEqual([
      [T0, 5, 4],
      [T0 + MIN, 1, 1],
    ]);
  });

  it('summarises only the samples inside the period', () => {
    const summary = summarise({ from: T0, to: T0 + 2 * MIN }, [
      sample(T0 - MIN, 99),
      sample(T0, 2),
      sample(T0 + MIN, 4),
      sample(T0 + 2 * MIN, 99),
    ]);
    expect(summary).toEqual({ samplesPresent: 2, peak: 4, mean: 3 });
  });
});

describe('chartSeries', () => {
  it('keeps the highest value of each bucket and leaves buckets without samples empty', () => {
    const day = { from: Date.parse('2026-10-14'), to: Date.parse('2026-10-15') };
    const samples = [
      sample(day.from, 1, { queued: 0 }),
      sample(day.from + MIN, 7, { queued: 2 }),
      sample(day.from + 5 * MIN, 3),
    ];
    const series = chartSeries(day, samples, 10 * S);
    expect(series.bucketMs).toBe(2 * MIN); // 1440 min / 800 points → 2 min buckets
    expect(series.points).toHaveLength(720);
    expect(series.points[0]).toEqual({ time: day.from, live: 7, queued: 2, cap: null });
    expect(series.points[1]).toEqual({ time: day.from + 2 * MIN, live: null, queued: null, cap: null });
    expect(series.points[2]).toEqual({ time: day.from + 4 * MIN, live: 3, queued: null, cap: null });
  });

  it('uses hour buckets for a month', () => {
    const october = { from: Date.parse('2026-10-01'), to: Date.parse('2026-11-01') };
    expect(chartSeries(october, [], 10 * S).points).toHaveLength(744);
  });
});

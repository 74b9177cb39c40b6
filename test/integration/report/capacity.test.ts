import { beforeAll, describe, expect, it } from 'vitest';
import type { TargetReport } from '../../../functions/report/model.js';
import { reportInProcess } from '../../support/report-cli.js';
import {
  capacityConfigTargets,
  capacityTargets,
  DEC,
  HISTORY_FROM,
  LAUNCH,
  NOV,
  NOW,
  OCT,
} from './capacity-seed.js';
import { type SeedPoint, type SeedTarget, seededWorld } from './seed.js';

const DB = 'capacity';
const MIN = 60_000;
const DAY = 86_400_000;
/** The end of the next period of the same kind: December's end. */
const NEXT_END = Date.UTC(2027, 0, 1);

const targets = capacityTargets();
const world = seededWorld(DB, targets, capacityConfigTargets());

const report = (args: string[]) => reportInProcess([...world.args(), ...args], () => NOW);

// ---- Expected figures, computed here from the seeded points without the report's code. ----

const iso = (ms: number) => new Date(ms).toISOString();
const minuteOf = (ms: number) => Math.floor(ms / MIN) * MIN;
const between = (points: SeedPoint[], from: number, to: number) =>
  points.filter((point) => point.time >= from && point.time < to);
const demandOf = (point: SeedPoint) => (point.fields.live as number) + (point.fields.queued ?? 0);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = sorted.length / 2;
  return sorted.length % 2
    ? (sorted[Math.floor(half)] as number)
    : ((sorted[half - 1] as number) + (sorted[half] as number)) / 2;
}

/** The capacity the report should use: the latest `capacity` field in November, else config, else the plan. */
function capacityOf(seeded: SeedTarget): { value: number | null; source: string | null } {
  const config = capacityConfigTargets().find((t) => t.name === seeded.name) as { capacity?: number };
  const withField = between(seeded.points, NOV, DEC).filter((p) => p.fields.capacity !== undefined);
  const field = withField.at(-1)?.fields.capacity;
  const plan = between(seeded.points, NOV, DEC).at(-1)?.fields.plan_max_connections;
  const value = field ?? config.capacity ?? plan ?? null;
  const source = value === null ? null : config.capacity !== undefined ? 'config' : 'plan';
  return { value, source };
}

function expected(seeded: SeedTarget) {
  const points = between(seeded.points, NOV, DEC);
  const live = points.map((p) => p.fields.live as number);
  const peak = live.length ? Math.max(...live) : null;
  const sorted = [...live].sort((a, b) => a - b);
  const rank = Math.floor((sorted.length * 95) / 100 + 0.5);
  const p95 = rank >= 1 ? (sorted[rank - 1] as number) : null;
  const { value, source } = capacityOf(seeded);
  const minutes = (threshold: (live: number) => boolean) =>
    new Set(points.filter((p) => threshold(p.fields.live as number)).map((p) => minuteOf(p.time))).size;
  const demandPeak = points.length ? Math.max(...points.map(demandOf)) : null;
  const demandAt = points.find((p) => demandOf(p) === demandPeak);

  // Theil–Sen over the daily demand peaks of the 90 days before 1 December, x in days since the epoch.
  const days = new Map<number, number>();
  for (const p of between(seeded.points, HISTORY_FROM, DEC)) {
    const day = Math.floor(p.time / DAY);
    days.set(day, Math.max(days.get(day) ?? 0, demandOf(p)));
  }
  const xs = [...days.keys()];
  let nextPeriodPeak: number | null = null;
  let capacityReachedOn: string | null = null;
  if (days.size >= 14) {
    const slopes: number[] = [];
    for (const a of xs)
      for (const b of xs)
        if (b > a) slopes.push(((days.get(b) as number) - (days.get(a) as number)) / (b - a));
    const slope = median(slopes);
    const intercept = median(xs.map((x) => (days.get(x) as number) - slope * x));
    nextPeriodPeak = intercept + slope * (NEXT_END / DAY);
    if (value !== null) {
      for (let day = DEC / DAY; day <= DEC / DAY + 180; day++) {
        if (intercept + slope * day >= value) {
          capacityReachedOn = iso(day * DAY).slice(0, 10);
          break;
        }
      }
    }
  }
  const atOrAbove = value === null ? 0 : minutes((l) => l >= value);
  let level = 'ok';
  if (value === null || peak === null) level = 'unknown';
  else if ((demandPeak as number) > value || atOrAbove >= 60) level = 'upgrade';
  else if ((p95 as number) >= 0.8 * value) level = 'watch';
  else if (capacityReachedOn !== null && Date.parse(capacityReachedOn) - DEC <= 90 * DAY) level = 'watch';
  else if (peak < 0.4 * value) level = 'oversized';

  return {
    capacity: {
      value,
      source,
      peakPercent: value === null || peak === null ? null : (peak / value) * 100,
      headroom: value === null || peak === null ? null : value - peak,
      minutesAtOrAbove: atOrAbove,
      minutesAbove90Percent: value === null ? 0 : minutes((l) => l >= 0.9 * value),
    },
    demand: { peak: demandPeak, peakAt: demandAt ? iso(minuteOf(demandAt.time)) : null },
    basisDays: days.size,
    nextPeriodPeak,
    capacityReachedOn,
    level,
    previousPresent: between(seeded.points, OCT, NOV).length,
  };
}

describe('capacity, demand, forecast and verdict over a seeded quarter (real InfluxDB)', () => {
  let json: TargetReport[];
  const byName = (name: string) => json.find((t) => t.target === name) as TargetReport;

  beforeAll(async () => {
    const result = await report(['--period', 'last-month', '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    json = JSON.parse(result.stdout);
  });

  it('every target: capacity figures, demand, forecast and verdict equal those computed from the seeded points', () => {
    for (const seeded of targets) {
      const e = expected(seeded);
      const got = byName(seeded.name);
      expect(got.capacity, seeded.name).toEqual(e.capacity);
      expect(got.demand, seeded.name).toEqual(e.demand);
      expect(got.forecast.method).toBe('theil-sen');
      expect(got.forecast.basisDays, seeded.name).toBe(e.basisDays);
      if (e.nextPeriodPeak === null) expect(got.forecast.nextPeriodPeak, seeded.name).toBeNull();
      else expect(got.forecast.nextPeriodPeak, seeded.name).toBeCloseTo(e.nextPeriodPeak, 6);
      expect(got.forecast.capacityReachedOn, seeded.name).toBe(e.capacityReachedOn);
      expect(got.verdict.level, seeded.name).toBe(e.level);
      expect(got.verdict.reason.length, seeded.name).toBeGreaterThan(20);
    }
  });

  it('a Streampixel project capped at 40: the launch that queued users shows as demand, and the verdict is upgrade', () => {
    const capped = byName('sp-capped');
    expect(capped.live.peak).toBe(40);
    expect(capped.demand.peak).toBe(83);
    expect(Date.parse(capped.demand.peakAt as string)).toBeGreaterThanOrEqual(LAUNCH.from);
    expect(capped.queue?.peak).toBe(43);
    expect(capped.queue?.peakAt).toBe(capped.demand.peakAt);
    expect(capped.capacity).toMatchObject({ value: 40, source: 'config', headroom: 0, peakPercent: 100 });
    expect(capped.verdict).toEqual({
      level: 'upgrade',
      reason: 'Demand peaked at 83 (live plus queued), above the capacity of 40.',
    });
  });

  it('a growing target: a forecast that reaches the capacity within 90 days makes it watch, despite a spike and an outage', () => {
    const growing = byName('chat-growing');
    expect(growing.forecast.basisDays).toBe(89);
    expect(growing.forecast.capacityReachedOn).toMatch(/^2027-01-/);
    expect(growing.verdict.level).toBe('watch');
    expect(growing.verdict.reason).toContain(growing.forecast.capacityReachedOn as string);
  });

  it("Metered: the plan's cap is the capacity (source plan), and a peak below 40 % of it is oversized", () => {
    const signalling = byName('signalling');
    expect(signalling.capacity.value).toBe(1000);
    expect(signalling.capacity.source).toBe('plan');
    expect(signalling.verdict.level).toBe('oversized');
    // The figure group keeps its old name for one release.
    expect(signalling.metered).toEqual(signalling.plan);
    expect(signalling.plan?.planMaxConnections).toBe(1000);
  });

  it('no capacity: every capacity figure null or 0, verdict unknown; fewer than 14 days: no forecast', () => {
    const quiet = byName('quiet');
    expect(quiet.capacity).toEqual({
      value: null,
      source: null,
      peakPercent: null,
      headroom: null,
      minutesAtOrAbove: 0,
      minutesAbove90Percent: 0,
    });
    expect(quiet.verdict.level).toBe('unknown');
    expect(quiet.forecast).toMatchObject({ basisDays: 11, nextPeriodPeak: null, capacityReachedOn: null });
  });

  it('a discovering target applies its capacity to the account total', () => {
    const account = byName('account');
    const seeded = targets.find((t) => t.name === 'account') as SeedTarget;
    const totals = between(seeded.points, NOV, DEC).map((p) => p.fields.live as number);
    expect(account.live.peak).toBe(Math.max(...totals));
    expect(account.capacity.minutesAtOrAbove).toBe(totals.filter((live) => live >= 50).length);
    expect(account.projects?.map((p) => p.name)).toEqual(['Atrium', 'Hall']);
  });

  it('last-month compares with the whole previous calendar month (October, 31 days)', () => {
    for (const seeded of targets) {
      const got = byName(seeded.name);
      expect(got.previous.from).toBe(iso(OCT));
      expect(got.previous.to).toBe(iso(NOV));
      expect(got.previous.samplesPresent, seeded.name).toBe(expected(seeded).previousPresent);
    }
  });
});

describe('calendar periods and the coverage threshold', () => {
  it('--period day at 01:06 compares with the whole day before', async () => {
    const now = Date.UTC(2026, 10, 19, 1, 6, 30);
    const { code, stdout } = await reportInProcess(
      [
        '--config',
        world.configFile,
        '--secrets-file',
        world.secretsFile,
        '--period',
        'day',
        '--format',
        'json',
        '--target',
        'sp-capped',
      ],
      () => now,
    );
    expect(code).toBe(0);
    const [capped] = JSON.parse(stdout) as TargetReport[];
    expect(capped?.to).toBe('2026-11-19T01:05:00.000Z');
    expect(capped?.previous).toMatchObject({
      from: '2026-11-18T00:00:00.000Z',
      to: '2026-11-19T00:00:00.000Z',
    });
    expect(capped?.previous.samplesPresent).toBe(1440);
  });

  it('flags coverage only below --coverage-warn (default 99 %)', async () => {
    // 'quiet' has 11 of 30 days; 'sp-capped' all of November.
    const json = async (extra: string[]) =>
      JSON.parse(
        (await report(['--period', 'last-month', '--format', 'json', ...extra])).stdout,
      ) as TargetReport[];
    const flags = (reports: TargetReport[]) =>
      Object.fromEntries(reports.map((t) => [t.target, t.samples.coverageWarning]));
    expect(flags(await json([]))).toMatchObject({ 'sp-capped': false, quiet: true });
    expect(flags(await json(['--coverage-warn', '40']))).toMatchObject({ 'sp-capped': false, quiet: true });
    expect(flags(await json(['--coverage-warn', '35']))).toMatchObject({ 'sp-capped': false, quiet: false });
    const bad = await report(['--period', 'last-month', '--coverage-warn', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--coverage-warn: "lots" is not a percentage');
  }, 120_000);
});

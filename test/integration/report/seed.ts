/**
 * A known month of `concurrency` points (October 2026, UTC) for the report tests: three targets with a gap, a tie
 * for the peak, a queue, a Metered plan upgrade and an overage reset, an idle target with no point at all, a
 * target that discovers three projects (one with a gap and a tie, one created mid-month, one without a region),
 * part of the month before, and points just outside the period on both sides. The tests compute every expected
 * figure from these arrays with their own code.
 */
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';

export const FROM = Date.UTC(2026, 9, 1);
export const TO = Date.UTC(2026, 10, 1);
/** The previous period of the same length: 31 days before October. */
export const PREVIOUS_FROM = FROM - (TO - FROM);

const S = 1_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** One seeded point: its time (ms) and its integer fields. */
export interface SeedPoint {
  time: number;
  fields: Record<string, number>;
}

/** A project a target discovered: its tags and its own points. */
export interface SeedProject {
  id: string;
  name: string;
  region?: string;
  /** Every point written for it, in time order. */
  points: SeedPoint[];
}

export interface SeedTarget {
  name: string;
  provider: 'streampixel' | 'imkit' | 'metered';
  endpoint: string;
  project: string;
  intervalMs: number;
  /**
   * Every point written, in time order, inside and outside the period. For a target with `projects`, the
   * account total instead: per time, the sum of its projects' points (what the target's own figures are of).
   */
  points: SeedPoint[];
  /** The projects of a target that discovers them: what is written for it. */
  projects?: SeedProject[];
}

/** The config's targets for these series (secret names are never read: the influx section has no token). */
export function seedConfigTargets() {
  return [
    {
      name: 'sp-live',
      endpoint: 'streampixel.liveStats',
      projectId: 'proj-a',
      secret: 'collector/streampixel',
      interval: '30s',
    },
    {
      name: 'chat',
      endpoint: 'imkit.connectionCount',
      baseUrl: 'https://acme.imkit.io',
      secret: 'collector/imkit',
      interval: '1m',
    },
    { name: 'signalling', endpoint: 'metered.usage', secret: 'collector/metered', interval: '5m' },
    {
      name: 'idle',
      endpoint: 'imkit.connectionCount',
      baseUrl: 'https://idle.imkit.io',
      secret: 'collector/imkit',
      interval: '1m',
    },
    {
      name: 'sp-account',
      endpoint: 'streampixel.liveStats',
      projects: 'all',
      secret: 'collector/streampixel',
      interval: '5m',
    },
  ];
}

/** The tie: the peak of `sp-live` is reached at 19:42:30 on the 7th and again on the 21st. */
export const SP_PEAK = 99;
export const SP_PEAK_TIMES = [Date.UTC(2026, 9, 7, 19, 42, 30), Date.UTC(2026, 9, 21, 20, 5, 0)];
/** The gap of `sp-live`: twelve hours without a sample. */
export const SP_GAP = { from: Date.UTC(2026, 9, 12, 6), to: Date.UTC(2026, 9, 12, 18) };
/** The gap of `chat`: three hours. */
export const CHAT_GAP = { from: Date.UTC(2026, 9, 5, 0), to: Date.UTC(2026, 9, 5, 3) };
/** `sp-account`'s project eu-002: a day without a sample, and its peak reached twice. */
export const ACCOUNT_GAP = { from: Date.UTC(2026, 9, 15), to: Date.UTC(2026, 9, 16) };
export const ACCOUNT_PEAK = 77;
export const ACCOUNT_PEAK_TIMES = [Date.UTC(2026, 9, 3, 12, 5), Date.UTC(2026, 9, 20, 12, 5)];
/** `sp-account`'s project us-001 was created on the 10th. */
export const ACCOUNT_CREATED = Date.UTC(2026, 9, 10, 9, 30);
/** Metered: the plan cap goes from 1000 to 1500 on the 20th; the billing period (overages) restarts on the 25th. */
export const PLAN_UPGRADE = Date.UTC(2026, 9, 20);
export const BILLING_RESET = Date.UTC(2026, 9, 25);

function range(from: number, to: number, step: number, skip?: { from: number; to: number }): number[] {
  const times: number[] = [];
  for (let t = from; t < to; t += step) {
    if (skip && t >= skip.from && t < skip.to) continue;
    times.push(t);
  }
  return times;
}

/** Deterministic, spread-out integers from a time: a small multiplicative hash of the minute. */
function wobble(time: number, modulo: number): number {
  return (Math.floor(time / MIN) * 7919 + Math.floor(time / (30 * S))) % modulo;
}

function spLive(): SeedPoint[] {
  const current = range(FROM, TO, 30 * S, SP_GAP).map((time) => {
    const hour = new Date(time).getUTCHours();
    const live = 10 + wobble(time, 37) + (hour >= 18 && hour < 22 ? 30 : 0); // at most 76
    const fields = { live, queued: Math.max(0, live - 60) };
    return { time, fields };
  });
  for (const time of SP_PEAK_TIMES) {
    const point = current.find((p) => p.time === time) as SeedPoint;
    point.fields = { live: SP_PEAK, queued: 3 };
  }
  // Ten days of the previous period, and a sample at exactly `to` that belongs to November.
  const previous = range(TO - 41 * DAY, FROM, 30 * S).map((time) => ({
    time,
    fields: { live: 5 + wobble(time, 50), queued: 0 },
  }));
  return [...previous, ...current, { time: TO, fields: { live: 500, queued: 400 } }];
}

function chat(): SeedPoint[] {
  // No previous period at all: the change cannot be computed.
  return range(FROM, TO, MIN, CHAT_GAP).map((time) => ({ time, fields: { live: 100 + wobble(time, 400) } }));
}

function signalling(): SeedPoint[] {
  let periodPeak = 0;
  let lastReset = PREVIOUS_FROM;
  return range(PREVIOUS_FROM, TO, 5 * MIN).map((time) => {
    const billingStart = time >= BILLING_RESET ? BILLING_RESET : time >= FROM ? FROM : PREVIOUS_FROM;
    if (billingStart !== lastReset) {
      periodPeak = 0;
      lastReset = billingStart;
    }
    const live = 200 + wobble(time, 1100); // up to 1299: above the 1000 cap before the upgrade
    periodPeak = Math.max(periodPeak, live);
    const days = Math.floor((time - billingStart) / DAY);
    return {
      time,
      fields: {
        live,
        period_peak: periodPeak,
        messages_used: days * 100_000,
        overage_connections: Math.max(0, periodPeak - 1000),
        overage_messages: days * 1000,
        plan_max_connections: time >= PLAN_UPGRADE ? 1500 : 1000,
        plan_max_messages: 5_000_000,
      },
    };
  });
}

function accountProjects(): SeedProject[] {
  const step = 5 * MIN;
  // Five days of the month before for the two older projects, so that the account has a previous period.
  const lastDaysBefore = FROM - 5 * DAY;
  const eu001 = range(lastDaysBefore, TO + step, step).map((time) => {
    const live = time === TO ? 400 : 5 + wobble(time, 20);
    return { time, fields: { live, queued: Math.max(0, live - 20) } };
  });
  const eu002 = range(lastDaysBefore, TO, step, ACCOUNT_GAP).map((time) => ({
    time,
    fields: {
      live: ACCOUNT_PEAK_TIMES.includes(time) ? ACCOUNT_PEAK : 10 + wobble(time + MIN, 30),
      queued: 0,
    },
  }));
  const us001 = range(ACCOUNT_CREATED, TO, step).map((time) => ({
    time,
    fields: { live: wobble(time + 2 * MIN, 15), queued: wobble(time, 9) === 0 ? 2 : 0 },
  }));
  return [
    { id: '64f1acc0000000000000001', name: 'eu-001', region: 'eu-west-1', points: eu001 },
    { id: '64f1acc0000000000000002', name: 'eu-002', region: 'eu-west-1', points: eu002 },
    { id: '64f1acc0000000000000003', name: 'us-001', points: us001 },
  ];
}

/** Per time, the sum of the projects' fields: the account total, computed here and not by the report. */
function totalOf(projects: SeedProject[]): SeedPoint[] {
  const totals = new Map<number, Record<string, number>>();
  for (const project of projects) {
    for (const point of project.points) {
      const total = totals.get(point.time) ?? {};
      for (const [key, value] of Object.entries(point.fields)) total[key] = (total[key] ?? 0) + value;
      totals.set(point.time, total);
    }
  }
  return [...totals].sort(([a], [b]) => a - b).map(([time, fields]) => ({ time, fields }));
}

/** The seeded series. */
export function seedTargets(): SeedTarget[] {
  const projects = accountProjects();
  return [
    {
      name: 'sp-live',
      provider: 'streampixel',
      endpoint: 'streampixel.liveStats',
      project: 'proj-a',
      intervalMs: 30 * S,
      points: spLive(),
    },
    {
      name: 'chat',
      provider: 'imkit',
      endpoint: 'imkit.connectionCount',
      project: 'acme.imkit.io',
      intervalMs: MIN,
      points: chat(),
    },
    {
      name: 'signalling',
      provider: 'metered',
      endpoint: 'metered.usage',
      project: 'app_test',
      intervalMs: 5 * MIN,
      points: signalling(),
    },
    {
      name: 'idle',
      provider: 'imkit',
      endpoint: 'imkit.connectionCount',
      project: 'idle.imkit.io',
      intervalMs: MIN,
      points: [],
    },
    {
      name: 'sp-account',
      provider: 'streampixel',
      endpoint: 'streampixel.liveStats',
      project: '',
      intervalMs: 5 * MIN,
      points: totalOf(projects),
      projects,
    },
  ];
}

/** Writes the seeded series as line protocol, in batches, with second precision like the collector. */
export async function seed(
  influxd: Influxd,
  db: string,
  targets: SeedTarget[] = seedTargets(),
): Promise<void> {
  await influxd.createDatabase(db);
  const lines: string[] = [];
  const write = (tags: string, points: SeedPoint[]) => {
    for (const point of points) {
      const fields = Object.entries(point.fields)
        .map(([key, value]) => `${key}=${value}i`)
        .join(',');
      lines.push(`concurrency,${tags} ${fields} ${point.time / 1000}`);
    }
  };
  for (const target of targets) {
    const tags = `provider=${target.provider},endpoint=${target.endpoint},target=${target.name}`;
    if (!target.projects) {
      write(`${tags},project=${target.project}`, target.points);
      continue;
    }
    // As the collector writes a discovered project's points: the target's name, and the project's id and name.
    for (const project of target.projects) {
      const region = project.region ? `,region=${project.region}` : '';
      write(`${tags},project=${project.id},project_name=${project.name}${region}`, project.points);
    }
  }
  const BATCH = 50_000;
  for (let i = 0; i < lines.length; i += BATCH) {
    await influxd.writeLines(db, lines.slice(i, i + BATCH).join('\n'));
  }
}

/** What a report test file runs against; every field is set once its `beforeAll` has run. */
export interface SeededWorld {
  influxd: Influxd;
  /** The test file's temporary folder. */
  dir: ReturnType<typeof tempDir>;
  /** A v1 config of `configTargets` reading the seeded database. */
  configFile: string;
  /** An empty secrets file: secrets are named by the targets but never read by a report; it keeps the CLI off AWS. */
  secretsFile: string;
  /** `--config <configFile> --secrets-file <secretsFile>`: a report of the seeded database. */
  args(): string[];
}

/**
 * Starts a real influxd before the calling file's tests, seeds `targets` into `db` and writes the config and
 * secrets files; stops it and removes the folder after them. Call it at the top of a test file.
 */
export function seededWorld(db: string, targets: SeedTarget[], configTargets: unknown[]): SeededWorld {
  const world = {
    dir: tempDir(`${db}-test-`),
    args: () => ['--config', world.configFile, '--secrets-file', world.secretsFile],
  } as SeededWorld;
  beforeAll(async () => {
    world.influxd = await startInfluxd();
    await seed(world.influxd, db, targets);
    world.configFile = world.dir.file('config.json', {
      influx: { url: world.influxd.url, apiVersion: 1, database: db },
      targets: configTargets,
    });
    world.secretsFile = world.dir.file('secrets.json', {});
  }, 120_000);
  afterAll(async () => {
    await world.influxd?.stop();
    world.dir.cleanup();
  });
  return world;
}

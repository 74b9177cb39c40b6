/**
 * Every query the dashboards and the alert rule ship, run against a real InfluxDB seeded with known points, after
 * Grafana's own expansion of its macros and variables. Each result is checked against values computed here from
 * the seeded points; a query without an expectation fails the test, so no panel ships unrun.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertProvisioning,
  CONSECUTIVE_SAMPLES,
  LOOKBACK_SECONDS,
  NEAR_CAPACITY_MINUTES,
  OVERAGE_MINUTES,
  QUEUE_THRESHOLD,
  STALE_BUCKET_SECONDS,
  STALE_LOOKBACK_SECONDS,
  SUCCESS_MINUTES,
} from '../../../dashboards/src/alerts.js';
import { FOLDER } from '../../../dashboards/src/provisioning.js';
import { type Influxd, type InfluxSeries, startInfluxd } from '../../../devtools/influxd.js';
import { expand, formatInterval, type GrafanaContext, regexFormat } from './grafana-macros.js';

const DB = 'grafana';
const S = 1_000;
const MIN = 60 * S;
const FROM = Date.parse('2026-10-14T20:00:00Z');
const TO = Date.parse('2026-10-14T21:00:00Z');
const INTERVAL = 5 * MIN;

// ---- The seeded points ----

interface Point {
  measurement: 'concurrency' | 'collector_run';
  tags: Record<string, string>;
  fields: Record<string, number | string>;
  time: number;
}

interface Seeded {
  name: string;
  provider: string;
  endpoint: string;
  project: string;
  stepMs: number;
}

const TARGETS: Seeded[] = [
  {
    name: 'sp-a',
    provider: 'streampixel',
    endpoint: 'streampixel.liveStats',
    project: 'p-a',
    stepMs: 30 * S,
  },
  {
    name: 'sp-b',
    provider: 'streampixel',
    endpoint: 'streampixel.userStats',
    project: 'p-b',
    stepMs: 10 * S,
  },
  { name: 'sp-c', provider: 'streampixel', endpoint: 'streampixel.liveStats', project: 'p-c', stepMs: MIN },
  {
    name: 'chat',
    provider: 'imkit',
    endpoint: 'imkit.connectionCount',
    project: 'acme.imkit.io',
    stepMs: 30 * S,
  },
  { name: 'signalling', provider: 'metered', endpoint: 'metered.usage', project: 'app_sim', stepMs: MIN },
];

const at = (hhmmss: string) => Date.parse(`2026-10-14T${hhmmss}Z`);
/** sp-a collected nothing for five minutes. */
const SP_A_GAP = { from: at('20:20:00'), to: at('20:25:00') };
/** sp-b timed out for two minutes, chat was refused for two. */
const SP_B_TIMEOUTS = { from: at('20:30:00'), to: at('20:32:00') };
const CHAT_AUTH = { from: at('20:45:00'), to: at('20:47:00') };
/** chat stopped writing anything at 20:55: stale for the last 5 minutes, ten of its 30 s intervals. */
const CHAT_STOPPED = at('20:55:00');
/** The capacities the collector wrote: sp-a 30, sp-c 5 (always at it), sp-all 120 on every project's point. */
const CAPACITY: Record<string, number> = { 'sp-a': 30, 'sp-c': 5, 'sp-all': 120 };
/** sp-b missed a sample at 20:50 (the run came too late for its slot). */
const SP_B_MISSED = at('20:50:00');
/** sp-b reaches its peak twice: the peak table must show the first time. */
const SP_B_PEAK = 60;
const SP_B_PEAK_TIMES = [at('20:10:20'), at('20:40:00')];
/**
 * A target that discovers its account's projects: one point per project per sample time, each with the
 * project's id, name and (when the listing gives one) region. `us.001` (a dot for the regex format to escape)
 * was created at 20:30.
 */
const DISCOVERING = {
  name: 'sp-all',
  provider: 'streampixel',
  endpoint: 'streampixel.liveStats',
  stepMs: 30 * S,
  projects: [
    { id: 'p-x1', name: 'eu-001', region: 'eu-west-1', from: FROM },
    { id: 'p-x2', name: 'eu-002', region: 'eu-west-1', from: FROM },
    { id: 'p-x3', name: 'us.001', from: Date.parse('2026-10-14T20:30:00Z') },
  ],
} as const;
/** eu-002 reaches its peak twice: the per-project peak table must show the first time. */
const EU_002_PEAK = 95;
const EU_002_PEAK_TIMES = [Date.parse('2026-10-14T20:12:30Z'), Date.parse('2026-10-14T20:48:00Z')];

/**
 * The last samples before 21:00, for the alert, per target (and per project of sp-all): sp-a stays above the
 * threshold, sp-b dips, sp-c has too few; of sp-all's projects only eu-001 stays above it. Interleaved, sp-all's
 * last four points would be of three projects: the alert must judge each project on its own.
 */
const LAST_QUEUES: Record<string, number[]> = {
  'sp-a': [6, 7, 8, 9],
  'sp-b': [9, 9, 3, 9],
  'sp-c': [20, 20],
  'sp-all/eu-001': [8, 9, 7, 6],
  'sp-all/eu-002': [9, 9, 9, 4],
  'sp-all/us.001': [0, 30, 30, 30],
};

function within(time: number, range: { from: number; to: number }): boolean {
  return time >= range.from && time < range.to;
}

function seedPoints(): Point[] {
  const points: Point[] = [];
  for (const target of TARGETS) {
    const tags = {
      provider: target.provider,
      endpoint: target.endpoint,
      target: target.name,
      project: target.project,
    };
    let times: number[] = [];
    for (let t = FROM; t < TO; t += target.stepMs) times.push(t);
    if (target.name === 'sp-c') times = [at('20:58:00'), at('20:59:00')];
    if (target.name === 'chat') times = times.filter((time) => time < CHAT_STOPPED);
    let periodPeak = 0;
    times.forEach((time, k) => {
      const runTags = { target: target.name, provider: target.provider, endpoint: target.endpoint };
      const failed =
        (target.name === 'sp-b' && within(time, SP_B_TIMEOUTS)) ||
        (target.name === 'chat' && within(time, CHAT_AUTH));
      if (target.name === 'sp-a' && within(time, SP_A_GAP)) return;
      if (target.name === 'sp-b' && time === SP_B_MISSED) {
        points.push({
          measurement: 'collector_run',
          tags: { ...runTags, project: target.project, outcome: 'missed' },
          fields: { up: 0, duration_ms: 0, http_status: 0, attempts: 0 },
          time,
        });
        return;
      }
      if (failed) {
        const timeout = target.name === 'sp-b';
        points.push({
          measurement: 'collector_run',
          tags: { ...runTags, project: target.project, outcome: timeout ? 'timeout' : 'auth' },
          fields: {
            up: 0,
            duration_ms: timeout ? 30_000 : 120,
            http_status: timeout ? 0 : 401,
            attempts: timeout ? 3 : 1,
            error: timeout ? 'no complete answer within 10000 ms' : 'HTTP 401: Unauthorized: INVALID_API_KEY',
          },
          time,
        });
        return;
      }
      if (target.name === 'signalling' && time === at('20:15:00')) {
        // A refused Metered key: no appId came back, so the run has no project tag.
        points.push({
          measurement: 'collector_run',
          tags: { ...runTags, outcome: 'auth' },
          fields: { up: 0, duration_ms: 90, http_status: 401, attempts: 1, error: 'HTTP 401: unauthorized' },
          time,
        });
        return;
      }
      const fields: Record<string, number> = {};
      switch (target.provider) {
        case 'streampixel': {
          const last = LAST_QUEUES[target.name] as number[];
          const fromEnd = times.length - k;
          fields.live = target.name === 'sp-a' ? 20 + ((k * 7) % 13) : 30 + ((k * 11) % 17);
          fields.queued =
            fromEnd <= last.length ? (last[last.length - fromEnd] as number) : k % 5 === 0 ? 2 : 0;
          if (target.name === 'sp-b' && SP_B_PEAK_TIMES.includes(time)) fields.live = SP_B_PEAK;
          if (target.name === 'sp-c') fields.live = 5;
          if (CAPACITY[target.name] !== undefined) fields.capacity = CAPACITY[target.name] as number;
          break;
        }
        case 'imkit':
          fields.live = 1000 + ((k * 37) % 200);
          break;
        case 'metered':
          fields.live = 700 + ((k * 13) % 100);
          periodPeak = Math.max(periodPeak, fields.live);
          fields.period_peak = periodPeak;
          fields.plan_max_connections = time < at('20:30:00') ? 1000 : 1500;
          fields.capacity = fields.plan_max_connections;
          fields.overage_connections = k < 30 ? 0 : 2;
          fields.overage_messages = k * 10;
          break;
      }
      points.push({ measurement: 'concurrency', tags, fields, time });
      points.push({
        measurement: 'collector_run',
        tags: { ...runTags, project: target.project, outcome: 'ok' },
        fields: { up: 1, duration_ms: 100 + (k % 50), http_status: 200, attempts: 1 },
        time,
      });
    });
  }
  for (const project of DISCOVERING.projects) {
    const tags: Record<string, string> = {
      provider: DISCOVERING.provider,
      endpoint: DISCOVERING.endpoint,
      target: DISCOVERING.name,
      project: project.id,
      project_name: project.name,
      ...('region' in project ? { region: project.region } : {}),
    };
    const times: number[] = [];
    for (let t = project.from; t < TO; t += DISCOVERING.stepMs) times.push(t);
    const last = LAST_QUEUES[`${DISCOVERING.name}/${project.name}`] as number[];
    const base = { 'p-x1': 40, 'p-x2': 50, 'p-x3': 10 }[project.id];
    times.forEach((time, k) => {
      const fromEnd = times.length - k;
      let live = base + ((k * 13) % 29);
      if (project.name === 'eu-002' && EU_002_PEAK_TIMES.includes(time)) live = EU_002_PEAK;
      const queued = fromEnd <= last.length ? (last[last.length - fromEnd] as number) : k % 7 === 0 ? 1 : 0;
      points.push({
        measurement: 'concurrency',
        tags,
        fields: { live, queued, capacity: CAPACITY[DISCOVERING.name] as number },
        time,
      });
      points.push({
        measurement: 'collector_run',
        tags: {
          target: DISCOVERING.name,
          provider: DISCOVERING.provider,
          endpoint: DISCOVERING.endpoint,
          project: project.id,
          outcome: 'ok',
        },
        fields: { up: 1, duration_ms: 200 + (k % 30), http_status: 200, attempts: 1 },
        time,
      });
    });
  }
  // Just after the range: `$timeFilter` must leave them out.
  const late = at('21:00:30');
  points.push({
    measurement: 'concurrency',
    tags: { provider: 'streampixel', endpoint: 'streampixel.liveStats', target: 'sp-a', project: 'p-a' },
    fields: { live: 999, queued: 999 },
    time: late,
  });
  points.push({
    measurement: 'collector_run',
    tags: {
      target: 'sp-a',
      provider: 'streampixel',
      endpoint: 'streampixel.liveStats',
      project: 'p-a',
      outcome: 'upstream',
    },
    fields: { up: 0, duration_ms: 5, http_status: 500, attempts: 3, error: 'HTTP 500' },
    time: late,
  });
  return points;
}

const POINTS = seedPoints();

function lineProtocol(point: Point): string {
  const tags = Object.entries(point.tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const fields = Object.entries(point.fields)
    .map(([key, value]) =>
      typeof value === 'string' ? `${key}=${JSON.stringify(value)}` : `${key}=${value}i`,
    )
    .join(',');
  return `${point.measurement},${tags} ${fields} ${point.time}`;
}

// ---- What Grafana sends, and what InfluxDB answers ----

let influxd: Influxd;

beforeAll(async () => {
  influxd = await startInfluxd();
  await influxd.createDatabase(DB);
  await influxd.writeLines(DB, POINTS.map(lineProtocol).join('\n'), 'ms');
});
afterAll(async () => {
  await influxd?.stop();
});

const ALL = { all: true } as const;
const CONTEXTS: Record<string, GrafanaContext> = {
  'everything selected': {
    from: FROM,
    to: TO,
    intervalMs: INTERVAL,
    variables: { provider: ALL, target: ALL, project: ALL, project_name: ALL },
  },
  'two targets picked': {
    from: FROM,
    to: TO,
    intervalMs: INTERVAL,
    variables: { provider: ALL, target: { values: ['sp-a', 'chat'] }, project: ALL, project_name: ALL },
  },
  'one project with dots, one provider': {
    from: FROM,
    to: TO,
    intervalMs: INTERVAL,
    variables: {
      provider: { values: ['imkit'] },
      target: ALL,
      project: { values: ['acme.imkit.io'] },
      project_name: ALL,
    },
  },
  'the discovering target and another, two project names picked (one with a dot)': {
    from: FROM,
    to: TO,
    intervalMs: INTERVAL,
    variables: {
      provider: ALL,
      target: { values: ['sp-all', 'sp-a'] },
      project: ALL,
      project_name: { values: ['eu-002', 'us.001'] },
    },
  },
};

async function run(query: string, ctx: GrafanaContext): Promise<InfluxSeries[]> {
  const [result] = await influxd.query(expand(query, ctx), DB);
  return result?.series ?? [];
}

// ---- The expected answers, from the seeded points ----

/** Points of a measurement in the dashboard's range (both ends in) that pass the variables' filter. */
function selected(measurement: Point['measurement'], ctx: GrafanaContext, tagsFiltered: string[]): Point[] {
  return POINTS.filter((point) => {
    if (point.measurement !== measurement || point.time < ctx.from || point.time > ctx.to) return false;
    return tagsFiltered.every((tag) => {
      const selection = ctx.variables[tag];
      // `.*` matches a missing tag too (InfluxDB compares it as the empty string).
      if (!selection || 'all' in selection) return true;
      return selection.values.includes(point.tags[tag] ?? '');
    });
  });
}

const CONCURRENCY_TAGS = ['provider', 'target', 'project', 'project_name'];

/** Only the discovered projects' points: those with a `project_name`. */
const discovered = (points: Point[]) => points.filter((point) => (point.tags.project_name ?? '') !== '');

/** A series' key by target and project name, as the per-project panels group. */
const byTargetAndName = (series: InfluxSeries[]) =>
  series.map((s) => ({ ...s, tags: { key: `${s.tags?.target}/${s.tags?.project_name}` } }));
/** The same key on the seeded points. */
const withKey = (points: Point[]) =>
  points.map((point) => ({
    ...point,
    tags: { ...point.tags, key: `${point.tags.target}/${point.tags.project_name}` },
  }));
const RUN_TAGS = ['provider', 'target'];

/** The account totals per target of the `concurrency` points the dashboard's variables select. */
function targetTotals(ctx: GrafanaContext): Point[] {
  return totals(selected('concurrency', ctx, CONCURRENCY_TAGS));
}

/** A stat panel's one value per target that has a capacity, stamped with the dashboard's start. */
function capacityStat(ctx: GrafanaContext, figure: (points: Point[]) => number): Map<string, unknown[][]> {
  const groups = byTag(
    targetTotals(ctx).filter((p) => p.fields.capacity !== undefined),
    'target',
  );
  return new Map([...groups].map(([key, points]) => [key, [[ctx.from, figure(points)]]]));
}

/**
 * The account total per target and sample time, as one `concurrency` point per target and time: `live` and
 * `queued` summed (absent when no point had it), `capacity` the highest.
 */
function totals(points: Point[]): Point[] {
  const byKey = new Map<string, Point>();
  for (const point of points) {
    const key = `${point.tags.target}@${point.time}`;
    const total = byKey.get(key);
    if (!total) {
      const fields: Record<string, number> = { live: num(point, 'live') };
      for (const field of ['queued', 'capacity'])
        if (point.fields[field] !== undefined) fields[field] = num(point, field);
      byKey.set(key, { ...point, tags: { target: point.tags.target as string }, fields });
      continue;
    }
    total.fields.live = num(total, 'live') + num(point, 'live');
    if (point.fields.queued !== undefined)
      total.fields.queued = ((total.fields.queued as number) ?? 0) + num(point, 'queued');
    if (point.fields.capacity !== undefined)
      total.fields.capacity = Math.max((total.fields.capacity as number) ?? 0, num(point, 'capacity'));
  }
  return [...byKey.values()].sort((a, b) => a.time - b.time);
}

/** The highest of a field over the points that have it; `null` when none has. */
const maxOrNull = (points: Point[], field: string) => {
  const values = points.filter((p) => p.fields[field] !== undefined).map((p) => num(p, field));
  return values.length ? Math.max(...values) : null;
};

/** The `GROUP BY time(interval), tag fill(null)` answer: every bucket of the range, per tag value. */
function buckets(
  points: Point[],
  ctx: GrafanaContext,
  groupTag: string,
  reduce: (points: Point[]) => (number | string | null)[],
  fill: 'null' | 'none' = 'null',
): Map<string, unknown[][]> {
  const first = Math.floor(ctx.from / ctx.intervalMs) * ctx.intervalMs;
  const series = new Map<string, unknown[][]>();
  for (const key of new Set(points.map((point) => point.tags[groupTag] ?? ''))) {
    const mine = points.filter((point) => (point.tags[groupTag] ?? '') === key);
    const rows: unknown[][] = [];
    for (let start = first; start <= ctx.to; start += ctx.intervalMs) {
      const inBucket = mine.filter((point) => point.time >= start && point.time < start + ctx.intervalMs);
      if (inBucket.length === 0 && fill === 'none') continue;
      rows.push([start, ...(inBucket.length === 0 ? reduce([]).map(() => null) : reduce(inBucket))]);
    }
    series.set(key, rows);
  }
  return series;
}

const num = (point: Point, field: string) => point.fields[field] as number;
const max = (field: string) => (points: Point[]) => [Math.max(...points.map((p) => num(p, field)))];
const mean =
  (field: string, scale = 1) =>
  (points: Point[]) => [(points.reduce((sum, p) => sum + num(p, field), 0) / points.length) * scale];
const last = (points: Point[]) => points.reduce((a, b) => (b.time >= a.time ? b : a));

/** Compares InfluxDB's series, keyed by one tag, with the expected rows; floats to 9 digits. */
function expectSeries(actual: InfluxSeries[], expected: Map<string, unknown[][]>, tag: string): void {
  const byKey = new Map(actual.map((series) => [series.tags?.[tag] ?? '', series.values]));
  expect([...byKey.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, rows] of expected) {
    const got = byKey.get(key) as unknown[][];
    expect(got.length, `${tag}=${key}`).toBe(rows.length);
    for (const [i, row] of rows.entries()) {
      for (const [j, value] of row.entries()) {
        const cell = (got[i] as unknown[])[j];
        if (typeof value === 'number' && !Number.isInteger(value)) expect(cell).toBeCloseTo(value, 9);
        else expect(cell, `${tag}=${key} row ${i} column ${j}`).toEqual(value);
      }
    }
  }
}

function byTag(points: Point[], tag: string): Map<string, Point[]> {
  const groups = new Map<string, Point[]>();
  for (const point of points) {
    const key = point.tags[tag] ?? '';
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  return groups;
}

type Check = (series: InfluxSeries[], ctx: GrafanaContext) => void;

/** What each panel's query must answer, by panel title. */
const PANEL_CHECKS: Record<string, Check> = {
  'Live users per target': (series, ctx) => {
    const points = targetTotals(ctx);
    const reduce = (inBucket: Point[]) => {
      const capacity = maxOrNull(inBucket, 'capacity');
      return [...max('live')(inBucket), capacity, capacity === null ? null : capacity * 0.9];
    };
    expectSeries(series, buckets(points, ctx, 'target', reduce), 'target');
  },
  'Live users as % of capacity': (series, ctx) => {
    const points = targetTotals(ctx);
    const reduce = (inBucket: Point[]) => {
      const capacity = maxOrNull(inBucket, 'capacity');
      return [capacity === null ? null : (Math.max(...inBucket.map((p) => num(p, 'live'))) / capacity) * 100];
    };
    expectSeries(series, buckets(points, ctx, 'target', reduce), 'target');
  },
  'Queue per target': (series, ctx) => {
    // Targets without a queue have no series.
    const points = targetTotals(ctx).filter((p) => p.fields.queued !== undefined);
    const reduce = (inBucket: Point[]) => [maxOrNull(inBucket, 'queued')];
    expectSeries(series, buckets(points, ctx, 'target', reduce), 'target');
  },
  'Live users now': (series, ctx) => {
    const groups = byTag(targetTotals(ctx), 'target');
    expect(series.map((s) => s.tags?.target).sort()).toEqual([...groups.keys()].sort());
    for (const [key, points] of groups) {
      // The account total at the latest sample time: one figure even for a target of several projects.
      const latest = last(points);
      expect(series.find((s) => s.tags?.target === key)?.values, key).toEqual([
        [latest.time, num(latest, 'live')],
      ]);
    }
  },
  'Headroom now': (series, ctx) => {
    const headroom = (points: Point[]) => num(last(points), 'capacity') - num(last(points), 'live');
    expectSeries(series, capacityStat(ctx, headroom), 'target');
  },
  'Month-to-date peak vs capacity': (series, ctx) => {
    const peakPercent = (points: Point[]) =>
      (Math.max(...points.map((p) => num(p, 'live'))) / num(last(points), 'capacity')) * 100;
    expectSeries(series, capacityStat(ctx, peakPercent), 'target');
  },
  'Age of the latest sample': (series, ctx) => {
    const groups = byTag(selected('concurrency', ctx, CONCURRENCY_TAGS), 'target');
    expect(series.map((s) => s.tags?.target).sort()).toEqual([...groups.keys()].sort());
    for (const [key, points] of groups)
      expect(series.find((s) => s.tags?.target === key)?.values[0]?.[0], key).toBe(last(points).time);
  },
  'Peak over the selected range': (series, ctx) => {
    const groups = byTag(targetTotals(ctx), 'target');
    const expected = new Map(
      [...groups].map(([key, points]) => {
        const peak = Math.max(...points.map((p) => num(p, 'live')));
        // The time of the first point at the peak: the tie rule, answered by InfluxDB itself.
        const first = points
          .filter((p) => num(p, 'live') === peak)
          .sort((a, b) => a.time - b.time)[0] as Point;
        return [key, [[first.time, peak]]];
      }),
    );
    expectSeries(series, expected, 'target');
  },
  'Live users per project': (series, ctx) => {
    const points = withKey(discovered(selected('concurrency', ctx, CONCURRENCY_TAGS)));
    expectSeries(byTargetAndName(series), buckets(points, ctx, 'key', max('live')), 'key');
  },
  'Queue per project': (series, ctx) => {
    const points = withKey(discovered(selected('concurrency', ctx, CONCURRENCY_TAGS)));
    expectSeries(byTargetAndName(series), buckets(points, ctx, 'key', max('queued')), 'key');
  },
  'Peak per project over the selected range': (series, ctx) => {
    const groups = byTag(withKey(discovered(selected('concurrency', ctx, CONCURRENCY_TAGS))), 'key');
    const expected = new Map(
      [...groups].map(([key, points]) => {
        const peak = Math.max(...points.map((p) => num(p, 'live')));
        const first = points
          .filter((p) => num(p, 'live') === peak)
          .sort((a, b) => a.time - b.time)[0] as Point;
        return [key, [[first.time, peak]]];
      }),
    );
    expectSeries(byTargetAndName(series), expected, 'key');
  },
  'Live vs plan cap': (series, ctx) => {
    const points = selected('concurrency', ctx, CONCURRENCY_TAGS).filter(
      (p) => p.tags.provider === 'metered',
    );
    const reduce = (inBucket: Point[]) => [
      ...max('live')(inBucket),
      ...max('plan_max_connections')(inBucket),
    ];
    expectSeries(series, buckets(points, ctx, 'target', reduce), 'target');
    for (const s of series) expect(s.columns).toEqual(['time', 'live', 'plan cap']);
  },
  'Plan usage (latest)': (series, ctx) => {
    const groups = byTag(
      selected('concurrency', ctx, CONCURRENCY_TAGS).filter((p) => p.tags.provider === 'metered'),
      'target',
    );
    const fields = ['live', 'plan_max_connections', 'period_peak', 'overage_connections', 'overage_messages'];
    const expected = new Map(
      // Several functions answer with the start of the range as the time.
      [...groups].map(([key, points]) => [
        key,
        [[ctx.from, ...fields.map((field) => num(last(points), field))]],
      ]),
    );
    expectSeries(series, expected, 'target');
  },
  'Collector up': (series, ctx) => {
    const points = selected('collector_run', ctx, RUN_TAGS);
    expectSeries(series, buckets(points, ctx, 'target', mean('up', 100)), 'target');
  },
  'Run outcomes': (series, ctx) => {
    const points = selected('collector_run', ctx, RUN_TAGS);
    expectSeries(
      series,
      buckets(points, ctx, 'outcome', (inBucket) => [inBucket.length], 'none'),
      'outcome',
    );
  },
  'Sample duration': (series, ctx) => {
    const points = selected('collector_run', ctx, RUN_TAGS);
    const reduce = (inBucket: Point[]) => [...mean('duration_ms')(inBucket), ...max('duration_ms')(inBucket)];
    expectSeries(series, buckets(points, ctx, 'target', reduce), 'target');
  },
  'Failed samples by target and outcome': (series, ctx) => {
    const failed = selected('collector_run', ctx, RUN_TAGS).filter((p) => p.tags.outcome !== 'ok');
    const expected = new Map<string, unknown[][]>();
    for (const [key, points] of byTag(failed, 'target')) {
      for (const [outcome, runs] of byTag(points, 'outcome')) {
        const latest = last(runs);
        expected.set(`${key}/${outcome}`, [
          [ctx.from, runs.length, latest.fields.http_status, latest.fields.error ?? null],
        ]);
      }
    }
    const keyed = series.map((s) => ({ ...s, tags: { key: `${s.tags?.target}/${s.tags?.outcome}` } }));
    expectSeries(keyed, expected, 'key');
  },
  'Failed samples': (series, ctx) =>
    annotationCheck(series, ctx, (outcome) => outcome !== 'ok' && outcome !== 'missed'),
  'Missed samples': (series, ctx) => annotationCheck(series, ctx, (outcome) => outcome === 'missed'),
};

/** An annotation query answers one row per failed (or missed) sample, with its outcome, target and error. */
function annotationCheck(
  series: InfluxSeries[],
  ctx: GrafanaContext,
  wanted: (outcome: string) => boolean,
): void {
  const runs = selected('collector_run', ctx, RUN_TAGS).filter((p) => wanted(p.tags.outcome as string));
  const rows = series.flatMap((s) =>
    s.values.map((row) => Object.fromEntries(s.columns.map((column, i) => [column, row[i]]))),
  );
  const key = (time: unknown, target: unknown, outcome: unknown) => `${time} ${target} ${outcome}`;
  expect(rows.map((row) => key(row.time, row.target, row.outcome)).sort()).toEqual(
    runs.map((p) => key(p.time, p.tags.target, p.tags.outcome)).sort(),
  );
  for (const row of rows) {
    const run = runs.find((p) => p.time === row.time && p.tags.target === row.target);
    expect(row.error ?? null).toBe(run?.fields.error ?? null);
  }
}

interface PanelQuery {
  panel: string;
  refId: string;
  query: string;
}

/** Every query of the committed dashboard JSON, the file Grafana loads. */
function dashboardQueries(): { panels: PanelQuery[]; variables: Record<string, string> } {
  const json = JSON.parse(
    readFileSync(new URL('../../../dashboards/concurrency.json', import.meta.url), 'utf8'),
  );
  const panels: PanelQuery[] = [];
  const visit = (panel: {
    title: string;
    type: string;
    targets?: { refId: string; query: string }[];
    panels?: unknown[];
  }) => {
    for (const target of panel.targets ?? [])
      panels.push({ panel: panel.title, refId: target.refId, query: target.query });
    for (const inner of (panel.panels ?? []) as (typeof panel)[]) visit(inner);
  };
  for (const panel of json.panels) visit(panel);
  for (const annotation of json.annotations?.list ?? []) {
    if (annotation.target)
      panels.push({ panel: annotation.name, refId: 'annotation', query: annotation.target.query });
  }
  const variables: Record<string, string> = {};
  for (const variable of json.templating.list)
    if (variable.type === 'query') variables[variable.name] = variable.query;
  return { panels, variables };
}

describe("Grafana's expansion, as the tests apply it", () => {
  it('turns macros and multi-value variables into what Grafana sends', () => {
    const ctx = CONTEXTS['two targets picked'] as GrafanaContext;
    expect(expand('WHERE "target" =~ /^$target$/ AND $timeFilter GROUP BY time($__interval)', ctx)).toBe(
      `WHERE "target" =~ /^(sp-a|chat)$/ AND time >= ${FROM}ms and time <= ${TO}ms GROUP BY time(5m)`,
    );
    expect(expand(`$__interval_ms \${target} [[provider]]`, ctx)).toBe('300000 (sp-a|chat) .*');
    expect(regexFormat({ values: ['acme.imkit.io'] })).toBe('acme\\.imkit\\.io');
    expect([
      formatInterval(10_000),
      formatInterval(90_000),
      formatInterval(3_600_000),
      formatInterval(500),
    ]).toEqual(['10s', '1m', '1h', '500ms']);
  });
});

describe('every dashboard query against InfluxDB', () => {
  const { panels, variables } = dashboardQueries();

  it('has an expectation for every panel and annotation query: seventeen panels and two annotations', () => {
    expect(panels.map((query) => query.panel).sort()).toEqual(Object.keys(PANEL_CHECKS).sort());
    expect(panels).toHaveLength(19);
  });

  for (const [name, ctx] of Object.entries(CONTEXTS)) {
    describe(name, () => {
      for (const { panel, refId, query } of panels) {
        it(`${panel} (${refId})`, async () => {
          const check = PANEL_CHECKS[panel];
          if (!check) throw new Error(`no expectation for panel "${panel}": every shipped query must be run`);
          const series = await run(query, ctx);
          check(series, ctx);
        });
      }
    });
  }

  it('the panels see the gap, the tie and the failures they are meant to show', async () => {
    const ctx = CONTEXTS['everything selected'] as GrafanaContext;
    const live = await run(panels.find((q) => q.panel === 'Live users per target')?.query as string, ctx);
    const spA = live.find((s) => s.tags?.target === 'sp-a')?.values ?? [];
    expect(spA.find((row) => row[0] === SP_A_GAP.from)?.[1]).toBeNull();
    const peaks = await run(
      panels.find((q) => q.panel === 'Peak over the selected range')?.query as string,
      ctx,
    );
    expect(peaks.find((s) => s.tags?.target === 'sp-b')?.values).toEqual([[SP_B_PEAK_TIMES[0], SP_B_PEAK]]);
    const failed = await run(
      panels.find((q) => q.panel === 'Failed samples by target and outcome')?.query as string,
      ctx,
    );
    expect(failed.map((s) => `${s.tags?.target}/${s.tags?.outcome}`).sort()).toEqual([
      'chat/auth',
      'signalling/auth',
      'sp-b/missed',
      'sp-b/timeout',
    ]);
  });

  it('the per-project panels show each discovered project of sp-all, its peak at the first time reached', async () => {
    const ctx = CONTEXTS['everything selected'] as GrafanaContext;
    const query = (panel: string) => panels.find((q) => q.panel === panel)?.query as string;
    const live = await run(query('Live users per project'), ctx);
    expect(live.map((s) => `${s.tags?.target}/${s.tags?.project_name}`).sort()).toEqual([
      'sp-all/eu-001',
      'sp-all/eu-002',
      'sp-all/us.001',
    ]);
    // us.001 was created at 20:30: nothing before, a line after.
    const us = live.find((s) => s.tags?.project_name === 'us.001')?.values ?? [];
    expect(
      us.filter((row) => (row[0] as number) < Date.parse('2026-10-14T20:30:00Z')).every((r) => r[1] === null),
    ).toBe(true);
    expect(us.some((row) => typeof row[1] === 'number')).toBe(true);
    const peaks = await run(query('Peak per project over the selected range'), ctx);
    expect(peaks.find((s) => s.tags?.project_name === 'eu-002')?.values).toEqual([
      [EU_002_PEAK_TIMES[0], EU_002_PEAK],
    ]);
    // Picking a project name narrows every concurrency panel to that project, the dot matched literally.
    const picked = { ...ctx, variables: { ...ctx.variables, project_name: { values: ['us.001'] } } };
    const perTarget = await run(query('Live users per target'), picked);
    expect(perTarget.map((s) => s.tags?.target)).toEqual(['sp-all']);
  });

  it('the variable queries list the tag values, each narrowed by the variables before it', async () => {
    const values = async (name: string, ctx: GrafanaContext) =>
      ((await run(variables[name] as string, ctx))[0]?.values ?? []).map((row) => row[1]);
    const all = CONTEXTS['everything selected'] as GrafanaContext;
    expect(Object.keys(variables)).toEqual(['provider', 'target', 'project', 'project_name']);
    expect(await values('provider', all)).toEqual(['imkit', 'metered', 'streampixel']);
    expect(await values('target', all)).toEqual(['chat', 'signalling', 'sp-a', 'sp-all', 'sp-b', 'sp-c']);
    expect(await values('project', all)).toEqual([
      'acme.imkit.io',
      'app_sim',
      'p-a',
      'p-b',
      'p-c',
      'p-x1',
      'p-x2',
      'p-x3',
    ]);
    expect(await values('project_name', all)).toEqual(['eu-001', 'eu-002', 'us.001']);
    const onlySpA = { ...all, variables: { ...all.variables, target: { values: ['sp-a'] } } };
    expect(await values('project_name', onlySpA)).toEqual([]);
    const streampixel = { ...all, variables: { ...all.variables, provider: { values: ['streampixel'] } } };
    expect(await values('target', streampixel)).toEqual(['sp-a', 'sp-all', 'sp-b', 'sp-c']);
    expect(await values('project_name', streampixel)).toEqual(['eu-001', 'eu-002', 'us.001']);
    const twoTargets = {
      ...streampixel,
      variables: { ...streampixel.variables, target: { values: ['sp-a', 'sp-c'] } },
    };
    expect(await values('project', twoTargets)).toEqual(['p-a', 'p-c']);
  });
});

interface ProvisionedRule {
  uid: string;
  condition: string;
  noDataState: string;
  data: {
    refId: string;
    datasourceUid: string;
    relativeTimeRange: { from: number; to: number };
    model: Record<string, string>;
  }[];
}

function ruleOf(uid: string): ProvisionedRule {
  const rules = alertProvisioning(FOLDER).groups[0]?.rules as unknown as ProvisionedRule[];
  return rules.find((rule) => rule.uid === uid) as ProvisionedRule;
}

/**
 * Runs a rule's InfluxDB queries at 21:00 over their relative ranges, reduces each to its last value per
 * instance, evaluates its Math condition, and returns the values and the instances that fire.
 */
async function evaluateRule(
  rule: ProvisionedRule,
): Promise<{ values: Record<string, Map<string, number>>; firing: string[] }> {
  const values: Record<string, Map<string, number>> = {};
  for (const query of rule.data.filter((q) => q.datasourceUid !== '__expr__')) {
    const range = query.relativeTimeRange;
    const ctx: GrafanaContext = {
      from: TO - range.from * S,
      to: TO - range.to * S,
      intervalMs: 1000,
      variables: {},
    };
    const series = await run(query.model.query as string, ctx);
    values[query.refId] = new Map(series.map((s) => [alertKey(s), s.values.at(-1)?.[1] as number]));
  }
  for (const query of rule.data.filter((q) => q.model.type === 'reduce')) {
    expect(query.model).toMatchObject({ reducer: 'last' });
    values[query.refId] = values[query.model.expression as string] as Map<string, number>;
  }
  const math = rule.data.find((q) => q.refId === rule.condition)?.model as Record<string, string>;
  expect(math.type).toBe('math');
  const instances = new Set(Object.values(values).flatMap((map) => [...map.keys()]));
  const firing = [...instances].filter(
    (key) => evaluateMath(math.expression as string, (ref) => values[ref]?.get(key) ?? Number.NaN) !== 0,
  );
  return { values, firing: firing.sort() };
}

describe('the other alert rules, evaluated as Grafana would at 21:00', () => {
  const lastInRange = (from: number) => POINTS.filter((p) => p.time >= from && p.time <= TO);

  it('stale data: chat, silent since 20:55, ten of its 30 s intervals; no data alerts', async () => {
    const rule = ruleOf('concurrency-stale-data');
    expect(rule.noDataState).toBe('Alerting');
    const { values, firing } = await evaluateRule(rule);
    const window = lastInRange(TO - STALE_LOOKBACK_SECONDS * S).filter(
      (p) => p.measurement === 'concurrency',
    );
    for (const [target, points] of byTag(window, 'target')) {
      const latest = Math.max(...points.map((p) => p.time));
      // Empty 5 s buckets after the one of the latest point, up to the one of 21:00.
      const bucket = (time: number) => Math.floor(time / (STALE_BUCKET_SECONDS * S));
      expect(values.A?.get(target), target).toBe((bucket(TO) - bucket(latest)) * STALE_BUCKET_SECONDS);
      const perSeries = byTag(withKey(points), 'key');
      const gaps = [...perSeries.values()].flatMap((own) =>
        own.slice(1).map((p, i) => (p.time - (own[i] as Point).time) / S),
      );
      if (gaps.length) expect(values.B?.get(target), target).toBe(Math.min(...gaps));
    }
    expect(firing).toEqual(['chat']);
  });

  it('near capacity: sp-c, at its capacity of 5 in both samples of the last 5 minutes', async () => {
    const { values, firing } = await evaluateRule(ruleOf('concurrency-near-capacity'));
    const window = totals(
      lastInRange(TO - NEAR_CAPACITY_MINUTES * MIN).filter((p) => p.measurement === 'concurrency'),
    ).filter((p) => p.fields.capacity !== undefined);
    for (const [target, points] of byTag(window, 'target')) {
      const shares = points.map((p) => (num(p, 'live') / num(p, 'capacity')) * 100);
      expect(values.A?.get(target), target).toBeCloseTo(Math.min(...shares), 9);
      expect(values.B?.get(target), target).toBe(shares.length);
    }
    expect(firing).toEqual(
      [...byTag(window, 'target')]
        .filter(
          ([, points]) =>
            points.length >= 2 && points.every((p) => num(p, 'live') * 10 >= num(p, 'capacity') * 9),
        )
        .map(([target]) => target)
        .sort(),
    );
    expect(firing).toContain('sp-c');
  });

  it('plan overage rising: signalling, whose messages overage grew and connections overage did not', async () => {
    const { values, firing } = await evaluateRule(ruleOf('concurrency-overage-rising'));
    const points = lastInRange(TO - OVERAGE_MINUTES * MIN).filter(
      (p) => p.measurement === 'concurrency' && p.tags.provider === 'metered',
    );
    const rise = (field: string) => num(last(points), field) - num(points[0] as Point, field);
    expect(values.A?.get('signalling')).toBe(rise('overage_connections'));
    expect(values.B?.get('signalling')).toBe(rise('overage_messages'));
    expect(rise('overage_connections')).toBe(0);
    expect(firing).toEqual(['signalling']);
  });

  it('collector success: chat, refused four times in its last 15 minutes', async () => {
    const { values, firing } = await evaluateRule(ruleOf('concurrency-collector-success'));
    const runs = lastInRange(TO - SUCCESS_MINUTES * MIN).filter((p) => p.measurement === 'collector_run');
    const expected = [...byTag(runs, 'target')].map(([target, own]) => {
      const share = (own.filter((p) => p.fields.up === 1).length / own.length) * 100;
      expect(values.A?.get(target), target).toBeCloseTo(share, 9);
      return [target, share] as const;
    });
    expect(firing).toEqual(
      expected
        .filter(([, share]) => share < 95)
        .map(([target]) => target)
        .sort(),
    );
    expect(firing).toContain('chat');
  });
});

describe('the queue alert rule, evaluated as Grafana would at 21:00', () => {
  const rule = ruleOf('concurrency-queue-above-threshold');
  const ctx: GrafanaContext = { from: TO - LOOKBACK_SECONDS * S, to: TO, intervalMs: 1000, variables: {} };

  it('A and B: the smallest queue and the number of samples among the last N, per Streampixel target', async () => {
    const influxQueries = rule.data.filter((query) => query.datasourceUid !== '__expr__');
    expect(influxQueries.map((query) => query.refId)).toEqual(['A', 'B']);
    for (const query of influxQueries)
      expect(query.relativeTimeRange).toEqual({ from: LOOKBACK_SECONDS, to: 0 });
    const [a, b] = await Promise.all(influxQueries.map((query) => run(query.model.query as string, ctx)));
    const values = (series: InfluxSeries[] | undefined) =>
      Object.fromEntries((series ?? []).map((s) => [alertKey(s), s.values.at(-1)?.[1]]));
    const expectedMin = Object.fromEntries(
      Object.entries(LAST_QUEUES).map(([key, queue]) => [key, Math.min(...queue)]),
    );
    const expectedCount = Object.fromEntries(
      Object.entries(LAST_QUEUES).map(([key, queue]) => [key, queue.length]),
    );
    expect(values(a)).toEqual(expectedMin);
    expect(values(b)).toEqual(expectedCount);
  });

  it('E pages for the target whose last N samples were all above the threshold, and only for it', async () => {
    const byRef = Object.fromEntries(rule.data.map((query) => [query.refId, query]));
    const [a, b] = await Promise.all(['A', 'B'].map((ref) => run(byRef[ref]?.model.query as string, ctx)));
    const reduceLast = (series: InfluxSeries[] | undefined) =>
      new Map((series ?? []).map((s) => [alertKey(s), s.values.at(-1)?.[1] as number]));
    const results: Record<string, Map<string, number>> = { A: reduceLast(a), B: reduceLast(b) };
    // C and D reduce A and B to their last value; E is the Math expression, evaluated per target.
    for (const ref of ['C', 'D']) {
      expect(byRef[ref]?.model).toMatchObject({ type: 'reduce', reducer: 'last' });
      results[ref] = results[byRef[ref]?.model.expression as string] as Map<string, number>;
    }
    const math = byRef[rule.condition]?.model as Record<string, string>;
    expect(math.type).toBe('math');
    expect(math.expression).toBe(`$C > ${QUEUE_THRESHOLD} && $D >= ${CONSECUTIVE_SAMPLES}`);
    const firing = [...(results.C as Map<string, number>).keys()].filter(
      (target) =>
        evaluateMath(math.expression as string, (ref) => results[ref]?.get(target) ?? Number.NaN) !== 0,
    );
    // sp-a, and of sp-all's projects only eu-001, whose own last four samples were all above the threshold.
    expect(firing.sort()).toEqual(['sp-a', 'sp-all/eu-001']);
  });
});

/** An alert series' instance: its target, and the project name when it has one (a discovered project). */
function alertKey(series: InfluxSeries): string {
  const name = series.tags?.project_name ?? '';
  return name === '' ? (series.tags?.target as string) : `${series.tags?.target}/${name}`;
}

/** Grafana's server-side Math for the subset the rules use: `$X`, numbers, `*`, `/`, comparisons, `&&`, `||`. */
function evaluateMath(expression: string, value: (ref: string) => number): number {
  const tokens = expression.match(/\$\w+|\d+(?:\.\d+)?|>=|<=|==|!=|&&|\|\||[<>()*/]/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const primary = (): number => {
    const token = tokens[i++] as string;
    if (token === '(') {
      const inner = or();
      i++;
      return inner;
    }
    return token.startsWith('$') ? value(token.slice(1)) : Number(token);
  };
  const term = (): number => {
    let left = primary();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[i++];
      const right = primary();
      left = op === '*' ? left * right : left / right;
    }
    return left;
  };
  const comparison = (): number => {
    const left = term();
    const op = peek();
    if (!op || !['>', '>=', '<', '<=', '==', '!='].includes(op)) return left;
    i++;
    const right = term();
    const result = {
      '>': left > right,
      '>=': left >= right,
      '<': left < right,
      '<=': left <= right,
      '==': left === right,
      '!=': left !== right,
    }[op];
    return result ? 1 : 0;
  };
  const and = (): number => {
    let left = comparison();
    while (peek() === '&&') {
      i++;
      const right = comparison();
      left = left !== 0 && right !== 0 ? 1 : 0;
    }
    return left;
  };
  const or = (): number => {
    let left = and();
    while (peek() === '||') {
      i++;
      const right = and();
      left = left !== 0 || right !== 0 ? 1 : 0;
    }
    return left;
  };
  return or();
}

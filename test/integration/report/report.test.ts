import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../devtools/ports.js';
import { parseConfig } from '../../../functions/config/load.js';
import { buildReport } from '../../../functions/report/build.js';
import type { ProjectReport, TargetReport } from '../../../functions/report/model.js';
import { withComparison } from '../../../functions/report/period.js';
import { InfluxReader, type Row } from '../../../functions/report/query.js';
import { CSV_COLUMNS } from '../../../functions/report/render/csv.js';
import { runCli } from '../../support/cli.js';
import { reportInProcess } from '../../support/report-cli.js';
import {
  ACCOUNT_CREATED,
  ACCOUNT_GAP,
  ACCOUNT_PEAK,
  ACCOUNT_PEAK_TIMES,
  BILLING_RESET,
  FROM,
  PLAN_UPGRADE,
  PREVIOUS_FROM,
  type SeedPoint,
  type SeedTarget,
  SP_GAP,
  SP_PEAK,
  SP_PEAK_TIMES,
  seedConfigTargets,
  seededWorld,
  seedTargets,
  TO,
} from './seed.js';

const DB = 'report';
const MIN = 60_000;
const PERIOD = ['--from', '2026-10-01', '--to', '2026-11-01'];

const targets = seedTargets();
const world = seededWorld(DB, targets, seedConfigTargets());

/** Runs the CLI in this process and returns its exit code and output. */
const report = (args: string[]) => reportInProcess(args);

// ---- The figures, computed here from the seeded points, without the report's code. ----

const iso = (ms: number) => new Date(ms).toISOString();
const minute = (ms: number) => Math.floor(ms / MIN) * MIN;
const inside = (target: { points: SeedPoint[] }, from: number, to: number) =>
  target.points.filter((point) => point.time >= from && point.time < to);

/** InfluxQL's percentile: rank floor(n·p/100 + 0.5), 1-based, of the sorted values. */
function influxPercentile(values: number[], p: number): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.floor((sorted.length * p) / 100 + 0.5);
  return rank >= 1 && rank <= sorted.length ? (sorted[rank - 1] as number) : null;
}

function expectedFigures(target: Pick<SeedTarget, 'points' | 'intervalMs'>) {
  const points = inside(target, FROM, TO);
  const previous = inside(target, PREVIOUS_FROM, FROM);
  const live = points.map((point) => point.fields.live as number);
  const peak = live.length ? Math.max(...live) : null;
  const first = points.find((point) => point.fields.live === peak);
  const mean = live.length ? live.reduce((a, b) => a + b, 0) / live.length : null;
  const previousLive = previous.map((point) => point.fields.live as number);
  const previousPeak = previousLive.length ? Math.max(...previousLive) : null;
  const previousMean = previousLive.length
    ? previousLive.reduce((a, b) => a + b, 0) / previousLive.length
    : null;
  const expected = (TO - FROM) / target.intervalMs;
  return { points, live, peak, first, mean, previousLive, previousPeak, previousMean, expected };
}

describe('npm run report over a seeded month (InfluxDB 1.6 answering the real queries)', () => {
  let json: TargetReport[];

  beforeAll(async () => {
    const result = await report([
      '--config',
      world.configFile,
      '--secrets-file',
      world.secretsFile,
      ...PERIOD,
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    json = JSON.parse(result.stdout);
  });

  it('answers one object per target, in the configuration order, each with its period', () => {
    expect(json.map((t) => t.target)).toEqual(['sp-live', 'chat', 'signalling', 'idle', 'sp-account']);
    for (const target of json) {
      expect(target.from).toBe('2026-10-01T00:00:00.000Z');
      expect(target.to).toBe('2026-11-01T00:00:00.000Z');
      expect(target.previous.from).toBe('2026-08-31T00:00:00.000Z');
      expect(target.previous.to).toBe('2026-10-01T00:00:00.000Z');
    }
  });

  it('every figure of every target equals the one computed from the seeded points', () => {
    for (const seeded of targets) {
      const e = expectedFigures(seeded);
      const got = json.find((t) => t.target === seeded.name) as TargetReport;
      expect(got.provider).toBe(seeded.provider);
      expect(got.endpoint).toBe(seeded.endpoint);
      expect(got.intervalSeconds).toBe(seeded.intervalMs / 1000);
      expect(got.samples).toEqual({
        present: e.points.length,
        expected: e.expected,
        missing: e.expected - e.points.length,
        coveragePercent: (e.points.length / e.expected) * 100,
        // The default --coverage-warn is 99 %.
        coverageWarning: e.points.length * 100 < 99 * e.expected,
      });
      expect(got.live.peak).toBe(e.peak);
      expect(got.live.peakAt).toBe(e.first ? iso(minute(e.first.time)) : null);
      expect(got.live.p95).toBe(influxPercentile(e.live, 95));
      if (e.mean === null) expect(got.live.mean).toBeNull();
      else expect(got.live.mean).toBeCloseTo(e.mean, 9);
      expect(got.previous.samplesPresent).toBe(e.previousLive.length);
      expect(got.previous.peak).toBe(e.previousPeak);
      if (e.previousMean === null) expect(got.previous.mean).toBeNull();
      else expect(got.previous.mean).toBeCloseTo(e.previousMean, 9);
      if (e.peak === null || e.previousPeak === null) {
        expect(got.change).toEqual({ peak: null, mean: null });
      } else {
        expect(got.change.peak?.absolute).toBe(e.peak - e.previousPeak);
        expect(got.change.peak?.percent).toBeCloseTo(((e.peak - e.previousPeak) / e.previousPeak) * 100, 9);
        expect(got.change.mean?.absolute).toBeCloseTo((e.mean as number) - (e.previousMean as number), 9);
        expect(got.change.mean?.percent).toBeCloseTo(
          (((e.mean as number) - (e.previousMean as number)) / (e.previousMean as number)) * 100,
          9,
        );
      }
    }
  });

  it('a discovering target: its own figures are the account total, then one entry per project', () => {
    const seeded = targets.find((t) => t.name === 'sp-account') as SeedTarget;
    const got = json.find((t) => t.target === 'sp-account') as TargetReport;
    // The total's queue, like its live users, is the sum over the projects at each time.
    const totals = inside(seeded, FROM, TO);
    const queued = totals.map((point) => point.fields.queued as number);
    const queuePeak = Math.max(...queued);
    expect(got.queue).toEqual({
      peak: queuePeak,
      peakAt: iso(minute((totals.find((point) => point.fields.queued === queuePeak) as SeedPoint).time)),
      minutesNonEmpty: new Set(
        totals.filter((p) => (p.fields.queued as number) > 0).map((p) => minute(p.time)),
      ).size,
    });
    expect(got.projects?.map((p) => [p.name, p.region])).toEqual([
      ['eu-001', 'eu-west-1'],
      ['eu-002', 'eu-west-1'],
      ['us-001', null],
    ]);
    for (const project of seeded.projects ?? []) {
      const e = expectedFigures({ points: project.points, intervalMs: seeded.intervalMs });
      const p = got.projects?.find((entry) => entry.project === project.id) as ProjectReport;
      expect(p.name).toBe(project.name);
      expect(p.samples).toEqual({
        present: e.points.length,
        expected: e.expected,
        missing: e.expected - e.points.length,
        coveragePercent: (e.points.length / e.expected) * 100,
        // The default --coverage-warn is 99 %.
        coverageWarning: e.points.length * 100 < 99 * e.expected,
      });
      expect(p.live.peak).toBe(e.peak);
      expect(p.live.peakAt).toBe(iso(minute((e.first as SeedPoint).time)));
      expect(p.live.p95).toBe(influxPercentile(e.live, 95));
      expect(p.live.mean).toBeCloseTo(e.mean as number, 9);
      const q = e.points.map((point) => point.fields.queued as number);
      const qPeak = Math.max(...q);
      expect(p.queue).toEqual({
        peak: qPeak,
        peakAt: iso(minute((e.points.find((point) => point.fields.queued === qPeak) as SeedPoint).time)),
        minutesNonEmpty: e.points.filter((point) => (point.fields.queued as number) > 0).length,
      });
    }
    // What the seed was made for: the tie, the gap, the late start, the point at `to` left out.
    const [eu001, eu002, us001] = got.projects as [ProjectReport, ProjectReport, ProjectReport];
    expect(eu002.live.peak).toBe(ACCOUNT_PEAK);
    expect(eu002.live.peakAt).toBe(iso(ACCOUNT_PEAK_TIMES[0] as number));
    expect(eu002.samples.missing).toBe((ACCOUNT_GAP.to - ACCOUNT_GAP.from) / (5 * MIN));
    expect(us001.samples.present).toBe((TO - ACCOUNT_CREATED) / (5 * MIN));
    expect(eu001.samples.missing).toBe(0);
    expect(eu001.live.peak).toBeLessThan(400);
    // Which project peaked is now visible; the account's peak is more than any one project's.
    expect(got.live.peak).toBeGreaterThan(ACCOUNT_PEAK);
    expect(json.filter((t) => t.target !== 'sp-account').every((t) => t.projects === null)).toBe(true);
  });

  it('a tie for the peak reports the first minute the peak was reached', () => {
    const spLive = json.find((t) => t.target === 'sp-live') as TargetReport;
    expect(spLive.live.peak).toBe(SP_PEAK);
    expect(spLive.live.peakAt).toBe('2026-10-07T19:42:00.000Z');
    expect(minute(SP_PEAK_TIMES[0] as number)).toBe(Date.parse(spLive.live.peakAt as string));
  });

  it('a gap shows as missing samples (12 h of a 30 s target), and the sample at `to` is left out', () => {
    const spLive = json.find((t) => t.target === 'sp-live') as TargetReport;
    expect(spLive.samples.expected).toBe(89_280);
    expect(spLive.samples.missing).toBe((SP_GAP.to - SP_GAP.from) / 30_000);
    // The point at exactly 2026-11-01T00:00:00Z has live 500: had it been counted, it would be the peak.
    expect(spLive.live.peak).toBeLessThan(500);
    const idle = json.find((t) => t.target === 'idle') as TargetReport;
    expect(idle.samples).toEqual({
      present: 0,
      expected: 44_640,
      missing: 44_640,
      coveragePercent: 0,
      coverageWarning: true,
    });
    expect(idle.live).toEqual({ peak: null, peakAt: null, p95: null, mean: null });
  });

  it('queue: the peak and the distinct minutes with a queue above 0', () => {
    const seeded = targets[0] as SeedTarget;
    const points = inside(seeded, FROM, TO);
    const queued = points.map((point) => point.fields.queued as number);
    const peak = Math.max(...queued);
    const minutes = new Set(
      points.filter((point) => (point.fields.queued as number) > 0).map((p) => minute(p.time)),
    );
    const spLive = json.find((t) => t.target === 'sp-live') as TargetReport;
    expect(spLive.queue).toEqual({
      peak,
      peakAt: iso(minute((points.find((point) => point.fields.queued === peak) as { time: number }).time)),
      minutesNonEmpty: minutes.size,
    });
    expect(minutes.size).toBeGreaterThan(100);
    expect(json.find((t) => t.target === 'chat')?.queue).toBeNull();
  });

  it('Metered: the peak against the plan cap in force then, and the overage counters (last and max)', () => {
    const seeded = targets[2] as SeedTarget;
    const points = inside(seeded, FROM, TO);
    const e = expectedFigures(seeded);
    const plan = e.first?.fields.plan_max_connections as number;
    const last = points[points.length - 1]?.fields as Record<string, number>;
    const max = (field: string) => Math.max(...points.map((point) => point.fields[field] as number));
    const signalling = json.find((t) => t.target === 'signalling') as TargetReport;
    expect(signalling.metered).toEqual({
      planMaxConnections: plan,
      peakPercentOfPlan: ((e.peak as number) / plan) * 100,
      periodPeak: max('period_peak'),
      overageConnections: { last: last.overage_connections, max: max('overage_connections') },
      overageMessages: { last: last.overage_messages, max: max('overage_messages') },
    });
    // The seed makes both facts matter: the plan changed, and the counters were reset before the end.
    expect([1000, 1500]).toContain(plan);
    expect(points.some((point) => point.time >= PLAN_UPGRADE)).toBe(true);
    expect(last.overage_messages).toBeLessThan(max('overage_messages'));
    expect(BILLING_RESET).toBeLessThan(TO);
    expect(json.find((t) => t.target === 'sp-live')?.metered).toBeNull();
  });

  it("agrees with InfluxDB's own max, percentile, mean and count over the same half-open period", async () => {
    for (const name of ['sp-live', 'chat', 'signalling']) {
      const [row] = await world.influxd.rows(
        `SELECT max(live), percentile(live, 95), mean(live), count(live) FROM concurrency ` +
          `WHERE target = '${name}' AND time >= ${FROM}ms AND time < ${TO}ms`,
        DB,
      );
      const got = json.find((t) => t.target === name) as TargetReport;
      expect(got.live.peak).toBe(row?.max);
      expect(got.live.p95).toBe(row?.percentile);
      expect(got.live.mean).toBeCloseTo(row?.mean as number, 9);
      expect(got.samples.present).toBe(row?.count);
    }
  });

  it("agrees with InfluxDB's own figures of each project, grouped by project_name", async () => {
    const [result] = await world.influxd.query(
      'SELECT max(live), percentile(live, 95), mean(live), count(live), max(queued) FROM concurrency ' +
        `WHERE target = 'sp-account' AND time >= ${FROM}ms AND time < ${TO}ms GROUP BY project_name`,
      DB,
    );
    const got = json.find((t) => t.target === 'sp-account') as TargetReport;
    expect(result?.series?.map((series) => series.tags?.project_name)).toEqual([
      'eu-001',
      'eu-002',
      'us-001',
    ]);
    for (const series of result?.series ?? []) {
      const [, max, p95, mean, count, maxQueued] = series.values[0] as number[];
      const project = got.projects?.find((p) => p.name === series.tags?.project_name) as ProjectReport;
      expect(project.live.peak).toBe(max);
      expect(project.live.p95).toBe(p95);
      expect(project.live.mean).toBeCloseTo(mean as number, 9);
      expect(project.samples.present).toBe(count);
      expect(project.queue?.peak).toBe(maxQueued);
    }
  });
});

describe('what the report reads', () => {
  it('aggregates only: no answer holds more rows than the days of the forecast or the chart has buckets', async () => {
    const config = parseConfig({
      influx: { url: world.influxd.url, apiVersion: 1, database: DB },
      targets: seedConfigTargets(),
    });
    const answers: number[] = [];
    class CountingReader extends InfluxReader {
      override async run(statements: readonly string[]): Promise<Row[][]> {
        const rows = await super.run(statements);
        for (const statement of rows) answers.push(statement.length);
        return rows;
      }
    }
    const reader = new CountingReader(config.influx, {});
    const period = withComparison({ from: FROM, to: TO }, 'month');
    const report = await buildReport(config.targets, period, reader, { charts: true });
    expect(report.targets).toHaveLength(5);
    // October in 1 h buckets is 744 rows; the samples of a 30 s target alone are 89 280.
    expect(Math.max(...answers)).toBe(744);
    expect(answers.length).toBeGreaterThan(20);
  });
});

describe('every format', () => {
  it('csv: a header and one row per target, matching the JSON figures', async () => {
    const [csv, json] = await Promise.all([
      report([...world.args(), ...PERIOD, '--format', 'csv']),
      report([...world.args(), ...PERIOD, '--format', 'json']),
    ]);
    expect(csv.code).toBe(0);
    const figures = JSON.parse(json.stdout) as TargetReport[];
    const [header, ...rows] = csv.stdout
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    expect(header).toEqual([...CSV_COLUMNS]);
    const cell = (row: string[] | undefined, name: string) => row?.[(header as string[]).indexOf(name)];
    // Five targets, and after sp-account's own row one row per project.
    expect(
      rows.map((row) => `${cell(row, 'target')}/${cell(row, 'scope')}/${cell(row, 'project_name')}`),
    ).toEqual([
      'sp-live/target/',
      'chat/target/',
      'signalling/target/',
      'idle/target/',
      'sp-account/target/',
      'sp-account/project/eu-001',
      'sp-account/project/eu-002',
      'sp-account/project/us-001',
    ]);
    const targetRows = rows.filter((row) => cell(row, 'scope') === 'target');
    figures.forEach((target, i) => {
      const row = targetRows[i];
      expect(cell(row, 'target')).toBe(target.target);
      expect(cell(row, 'samples_present')).toBe(String(target.samples.present));
      expect(cell(row, 'samples_expected')).toBe(String(target.samples.expected));
      expect(cell(row, 'peak_live')).toBe(target.live.peak === null ? '' : String(target.live.peak));
      expect(cell(row, 'peak_live_at')).toBe(target.live.peakAt ?? '');
      expect(cell(row, 'p95_live')).toBe(target.live.p95 === null ? '' : String(target.live.p95));
      expect(cell(row, 'mean_live')).toBe(target.live.mean === null ? '' : String(target.live.mean));
      expect(cell(row, 'queue_minutes')).toBe(target.queue ? String(target.queue.minutesNonEmpty) : '');
      expect(cell(row, 'plan_max_connections')).toBe(String(target.metered?.planMaxConnections ?? ''));
    });
    const account = figures.find((t) => t.target === 'sp-account') as TargetReport;
    for (const [i, project] of (account.projects ?? []).entries()) {
      const row = rows[5 + i];
      expect(cell(row, 'project')).toBe(project.project);
      expect(cell(row, 'region')).toBe(project.region ?? '');
      expect(cell(row, 'samples_present')).toBe(String(project.samples.present));
      expect(cell(row, 'samples_expected')).toBe(String(project.samples.expected));
      expect(cell(row, 'peak_live')).toBe(String(project.live.peak));
      expect(cell(row, 'peak_live_at')).toBe(project.live.peakAt);
      expect(cell(row, 'p95_live')).toBe(String(project.live.p95));
      expect(cell(row, 'mean_live')).toBe(String(project.live.mean));
      expect(cell(row, 'peak_queued')).toBe(String(project.queue?.peak));
      expect(cell(row, 'queue_minutes')).toBe(String(project.queue?.minutesNonEmpty));
    }
  });

  it('table: the usage, coverage and Metered blocks with the figures', async () => {
    const { code, stdout } = await report([...world.args(), ...PERIOD]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(
      'Concurrency report 2026-10: 2026-10-01 00:00 → 2026-11-01 00:00 UTC (31 d)',
    );
    expect(stdout).toMatch(/^sp-live +99 +2026-10-07 19:42 /m);
    expect(stdout).toMatch(/^sp-live +streampixel +30s +87840 +89280 +1440 +98\.4 % !$/m);
    expect(stdout).toMatch(/^idle +imkit +1m +0 +44640 +44640 +0\.0 % !$/m);
    expect(stdout).toMatch(/^signalling +\d+ +(1000|1500) +\d+\.\d %/m);
    // The projects' block: eu-002's tie at 12:05 on the 3rd, its day without samples.
    expect(stdout).toContain('Per project (discovered)\n');
    expect(stdout).toMatch(/^sp-account +eu-002 +eu-west-1 +77 +2026-10-03 12:05 .* 8640 +8928 +96\.8 % !$/m);
    expect(stdout).toMatch(/^sp-account +us-001 +– +\d+ /m);
  });

  it('md: headings and pipe tables', async () => {
    const { code, stdout } = await report([...world.args(), ...PERIOD, '--format', 'md']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Concurrency report 2026-10: /);
    expect(stdout).toContain('| sp-live | 99 | 2026-10-07 19:42 |');
    expect(stdout).toContain('## Per project (discovered)');
    expect(stdout).toContain('| sp-account | eu-002 | eu-west-1 | 77 | 2026-10-03 12:05 |');
  });

  it('html --out FILE: a standalone page with a chart per target', async () => {
    const out = `${world.dir.path}/report.html`;
    const { code, stdout } = await report([...world.args(), ...PERIOD, '--format', 'html', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const html = readFileSync(out, 'utf8');
    // A chart per target, not per project; the projects in a table under their target's chart.
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(html).toContain('peak 99 · 07 Oct 19:42 UTC');
    const account = html.slice(html.indexOf('id="target-sp-account"'));
    expect(account.indexOf('<h3>Projects')).toBeGreaterThan(account.indexOf('<svg '));
    expect(account).toMatch(
      /<tr class="top gap"><td>eu-002<\/td><td>eu-west-1<\/td><td class="num">77<\/td>/,
    );
    expect(html).not.toMatch(/<script|<link|<img|url\(/i);
  });
});

describe('InfluxDB 2.x / 3.x settings', () => {
  let proxy: Server;
  const seen: { url: string; authorization: string | undefined }[] = [];

  beforeAll(async () => {
    // A recording proxy in front of influxd: what a v2-style config sends to `/query`.
    proxy = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      void fetch(`${world.influxd.url}${req.url}`).then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  it('sends the token and maps a db/rp bucket to db and rp, as a DBRP mapping does', async () => {
    const { port } = proxy.address() as AddressInfo;
    const config = world.dir.file('v2.json', {
      influx: {
        url: `http://127.0.0.1:${port}`,
        apiVersion: 2,
        org: 'acme',
        bucket: `${DB}/autogen`,
        tokenSecret: 'collector/influx',
      },
      targets: seedConfigTargets(),
    });
    const secrets = world.dir.file('v2-secrets.json', { 'collector/influx': { token: 'sekret-token' } });
    const result = await report([
      '--config',
      config,
      '--secrets-file',
      secrets,
      ...PERIOD,
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { live: { peak: number } }[])[0]?.live.peak).toBe(SP_PEAK);
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      const url = new URL(request.url, 'http://proxy');
      expect(url.pathname).toBe('/query');
      expect(url.searchParams.get('db')).toBe(DB);
      expect(url.searchParams.get('rp')).toBe('autogen');
      expect(request.authorization).toBe('Token sekret-token');
      expect(request.url).not.toContain('sekret');
    }
  });
});

describe('exit codes (a fresh process, as `npm run report` runs)', () => {
  it('0 with the report on stdout', async () => {
    const result = await runCli('report', [
      ...[
        '--config',
        world.configFile,
        '--secrets-file',
        world.secretsFile,
        ...PERIOD,
        '--format',
        'json',
        '--target',
        'chat',
      ],
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).map((t: { target: string }) => t.target)).toEqual(['chat']);
  });

  it('2 for a bad flag, before anything is read', async () => {
    const result = await runCli('report', ['--config', world.configFile, '--period', 'fortnight']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'config error: --period: "fortnight" is not one of day, week, month, last-month',
    );
    expect(result.stdout).toBe('');
  });

  it('1 when InfluxDB cannot be queried', async () => {
    const config = world.dir.file('dead.json', {
      influx: { url: `http://127.0.0.1:${await freePort()}`, apiVersion: 1, database: DB },
      targets: seedConfigTargets(),
    });
    const result = await runCli('report', [
      '--config',
      config,
      '--secrets-file',
      world.secretsFile,
      ...PERIOD,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: cannot query InfluxDB http:\/\/127\.0\.0\.1:\d+ \(database report\): ECONNREFUSED/,
    );
    expect(result.stdout).toBe('');
  });

  it('2 for the other configuration errors', async () => {
    const cases: [string[], string][] = [
      [[...PERIOD], '--config FILE is required'],
      [['--config', world.configFile, '--from', '2026-10-01'], '--from needs --to'],
      [
        ['--config', world.configFile, ...PERIOD, '--format', 'pdf'],
        '--format: "pdf" is not one of table, json, csv, md, html',
      ],
      [[...world.args(), ...PERIOD, '--target', 'nope'], 'target "nope" is not in the config'],
      [
        ['--config', `${world.dir.path}/missing.json`, ...PERIOD],
        'missing.json: cannot read the config file (no such file)',
      ],
      [['--config', world.configFile, ...PERIOD, '--bogus'], "Unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const result = await report(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it('0 for --help, with the usage on stdout', async () => {
    const result = await report(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run report -- --config FILE/);
  });

  it('2 when the InfluxDB token secret cannot be read', async () => {
    const config = world.dir.file('token.json', {
      influx: {
        url: world.influxd.url,
        apiVersion: 2,
        org: 'acme',
        bucket: DB,
        tokenSecret: 'collector/influx',
      },
      targets: seedConfigTargets(),
    });
    const result = await report(['--config', config, '--secrets-file', world.secretsFile, ...PERIOD]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('secret "collector/influx": is not in');
  });
});

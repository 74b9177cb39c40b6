/**
 * The generic endpoint end to end: a loopback JSON server, the run, a real InfluxDB 1.6.7, the dashboard's own
 * panel queries and the report, with nothing in between that knows `http.json` by name.
 */

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { listenOnLoopback } from '../../../devtools/ports.js';
import { runReportCli } from '../../../functions/cli/report.js';
import { parseConfig } from '../../../functions/config/load.js';
import { openInfluxWriter } from '../../../functions/influx/open.js';
import { FileSecretSource } from '../../../functions/secrets/file.js';
import { RunSecrets } from '../../../functions/secrets/run-secrets.js';
import { memoryLog, runOnce } from '../../support/run.js';
import { expand, type GrafanaContext } from '../dashboards/grafana-macros.js';

const DB = 'generic';
const API_KEY = 'k-generic-0123456789';

/** What the stand-in answers: a nested document, the counts where the targets' pointers say. */
const STATS = { data: { rooms: [{ online: 42, waiting: 3 }] }, 'per/app': { 'a~b': 17 } };

let influxd: Influxd;
let server: Server;
let base: string;
const requests: { url: string; apiKey: string | undefined; authorization: string | undefined }[] = [];
const dir = tempDir();

beforeAll(async () => {
  influxd = await startInfluxd();
  await influxd.createDatabase(DB);
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const apiKey = request.headers['x-api-key'] as string | undefined;
    const authorization = request.headers.authorization;
    requests.push({ url: url.pathname + url.search, apiKey, authorization });
    const allowed =
      apiKey === API_KEY ||
      authorization === `Bearer ${API_KEY}` ||
      url.searchParams.get('token') === API_KEY;
    response.writeHead(allowed ? 200 : 401, { 'content-type': 'application/json' });
    response.end(JSON.stringify(allowed ? STATS : { message: 'invalid api key' }));
  });
  base = await listenOnLoopback(server);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await influxd?.stop();
  dir.cleanup();
});

function configOf() {
  return parseConfig(configInput());
}

function configInput() {
  return {
    influx: { url: influxd.url, apiVersion: 1, database: DB },
    targets: [
      {
        name: 'rooms',
        endpoint: 'http.json',
        url: `${base}/v1/stats?app=abc`,
        secret: 'collector/example',
        auth: { type: 'header', name: 'X-Api-Key', key: 'apiKey' },
        fields: { live: '/data/rooms/0/online', queued: '/data/rooms/0/waiting' },
        project: 'abc',
        interval: '30s',
        tags: { env: 'test' },
      },
      {
        name: 'per-app',
        endpoint: 'http.json',
        url: `${base}/v2/apps`,
        secret: 'collector/example',
        auth: { type: 'query', name: 'token', key: 'apiKey' },
        fields: { live: '/per~1app/a~0b' },
        interval: '5s',
      },
      {
        name: 'refused',
        endpoint: 'http.json',
        url: `${base}/v1/stats`,
        secret: 'collector/wrong',
        auth: { type: 'bearer', key: 'token' },
        fields: { live: '/data/rooms/0/online' },
        interval: '1m',
      },
      {
        name: 'pointer-misses',
        endpoint: 'http.json',
        url: `${base}/v1/stats`,
        secret: 'collector/example',
        auth: { type: 'bearer', key: 'apiKey' },
        fields: { live: '/data/rooms/1/online' },
        interval: '1m',
      },
    ],
  };
}

describe('an http.json target, collected into a real InfluxDB', () => {
  let at: number;

  beforeAll(async () => {
    const secrets = await FileSecretSource.load(
      dir.file('secrets.json', {
        'collector/example': { apiKey: API_KEY },
        'collector/wrong': { token: 'not-the-key' },
      }),
    );
    const config = configOf();
    const log = memoryLog();
    const summary = await runOnce(
      config,
      secrets,
      await openInfluxWriter(config, new RunSecrets(secrets)),
      log,
    );
    at = summary.records.find((record) => record.target.name === 'rooms')?.at as number;
    expect(summary.unwritten).toEqual([]);
    // No credential reaches a log line.
    expect(log.lines.join('\n')).not.toContain(API_KEY);
    expect(log.lines.join('\n')).not.toContain('not-the-key');
  });

  it('sends the credential as each target says: header, query parameter, bearer', () => {
    expect(requests).toEqual(
      expect.arrayContaining([
        { url: '/v1/stats?app=abc', apiKey: API_KEY, authorization: undefined },
        { url: `/v2/apps?token=${API_KEY}`, apiKey: undefined, authorization: undefined },
        { url: '/v1/stats', apiKey: undefined, authorization: 'Bearer not-the-key' },
        { url: '/v1/stats', apiKey: undefined, authorization: `Bearer ${API_KEY}` },
      ]),
    );
  });

  it('writes live and queued at their pointers, tagged provider http, endpoint http.json, project given or host', async () => {
    const byTarget = Object.fromEntries(
      (await influxd.query('SELECT * FROM concurrency GROUP BY *', DB))[0]?.series?.map((series) => [
        series.tags?.target,
        {
          tags: series.tags,
          row: Object.fromEntries(series.columns.map((c, i) => [c, series.values[0]?.[i]])),
        },
      ]) ?? [],
    );
    expect(Object.keys(byTarget).sort()).toEqual(['per-app', 'rooms']);
    expect(byTarget.rooms?.tags).toMatchObject({
      provider: 'http',
      endpoint: 'http.json',
      project: 'abc',
      env: 'test',
    });
    expect(byTarget.rooms?.row).toMatchObject({ time: at, live: 42, queued: 3 });
    expect(byTarget['per-app']?.tags).toMatchObject({ provider: 'http', project: new URL(base).host });
    expect(byTarget['per-app']?.row).toMatchObject({ live: 17, queued: null });
  });

  it('records each sample in collector_run: ok, auth for the refused key, bad_response naming the pointer', async () => {
    const runs = await influxd.rows(
      'SELECT "outcome", "target", "error", "http_status" FROM collector_run ORDER BY time',
      DB,
    );
    const byTarget = Object.fromEntries(runs.map((row) => [row.target, row]));
    expect(byTarget.rooms).toMatchObject({ outcome: 'ok', http_status: 200 });
    expect(byTarget['per-app']).toMatchObject({ outcome: 'ok' });
    expect(byTarget.refused).toMatchObject({ outcome: 'auth', http_status: 401 });
    expect(byTarget['pointer-misses']).toMatchObject({
      outcome: 'bad_response',
      error: '"/data/rooms/1/online": /data/rooms has no element "1"',
    });
  });

  it("appears in the dashboard's panels: every concurrency panel that shows live or queued shows its values", async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../../../dashboards/concurrency.json', import.meta.url), 'utf8'),
    ) as { panels: Panel[]; templating: { list: { name: string; type: string }[] } };
    const ctx: GrafanaContext = {
      from: at - 60_000,
      to: at + 60_000,
      intervalMs: 60_000,
      variables: Object.fromEntries(
        dashboard.templating.list.map((variable) => [variable.name, { all: true }]),
      ),
      allValue: '.*',
    };
    const queries = panelQueries(dashboard.panels).filter(
      (query) => /FROM "concurrency"/.test(query) && !/"project_name" != ''/.test(query),
    );
    const seen = { live: false, queued: false };
    for (const query of queries) {
      const [result] = await influxd.query(expand(query, ctx), DB);
      const series = result?.series?.find((s) => s.tags?.target === 'rooms');
      const values = series?.values.flatMap((row) => row.slice(1)) ?? [];
      // Panels of live against a capacity (a plan cap, a utilisation) need a capacity this target has none of.
      if (/"live"/.test(query) && !/plan_max|capacity/.test(query)) {
        expect(values, query).toContain(42);
        seen.live = true;
      }
      if (/max\("queued"\)/.test(query)) {
        expect(values, query).toContain(3);
        seen.queued = true;
      }
    }
    expect(seen).toEqual({ live: true, queued: true });
  });
});

describe('an http.json target in the report', () => {
  it('reports the live peak of the samples the run wrote, and a failed target as a gap, not a zero', async () => {
    const rooms = (await influxd.rows(`SELECT "live" FROM concurrency WHERE "target" = 'rooms'`, DB))[0];
    const at = rooms?.time as number;
    const configFile = dir.file('report-config.json', configInput());
    const secretsFile = dir.file('report-secrets.json', {});
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const iso = (ms: number) => new Date(ms).toISOString();
    const code = await runReportCli(
      [
        '--config',
        configFile,
        '--secrets-file',
        secretsFile,
        '--from',
        iso(at - 60_000),
        '--to',
        iso(at + 60_000),
      ].concat(['--format', 'json']),
      { stdout, stderr: new PassThrough() },
    );
    expect(code).toBe(0);
    const reports = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{
      target: string;
      provider: string;
      endpoint: string;
      live: { peak: number | null; peakAt: string | null };
    }>;
    const byTarget = Object.fromEntries(reports.map((report) => [report.target, report]));
    expect(byTarget.rooms).toMatchObject({
      provider: 'http',
      endpoint: 'http.json',
      live: { peak: 42, peakAt: iso(Math.floor(at / 60_000) * 60_000) },
    });
    expect(byTarget['per-app']?.live.peak).toBe(17);
    expect(byTarget.refused?.live.peak).toBeNull();
  });
});

interface Panel {
  targets?: { query: string }[];
  panels?: Panel[];
}

function panelQueries(panels: Panel[]): string[] {
  return panels.flatMap((panel) => [
    ...(panel.targets ?? []).map((target) => target.query),
    ...panelQueries(panel.panels ?? []),
  ]);
}

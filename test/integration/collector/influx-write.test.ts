import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { startV2Shim, type V2Shim } from '../../../devtools/v2-shim.js';
import { parseConfig } from '../../../functions/config/load.js';
import { openInfluxWriter } from '../../../functions/influx/open.js';
import { FileSecretSource } from '../../../functions/secrets/file.js';
import { RunSecrets } from '../../../functions/secrets/run-secrets.js';
import { simulatorConfig, simulatorSecrets } from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { runOnce, runPastTick } from '../../support/run.js';

const V1_DB = 'concurrency_v1';
const V2_DB = 'concurrency_v2';

let influxd: Influxd;
let shim: V2Shim;
let simulator: Simulator;
const dir = tempDir();
let secrets: FileSecretSource;

beforeAll(async () => {
  influxd = await startInfluxd();
  await influxd.createDatabase(V1_DB);
  await influxd.createDatabase(V2_DB);
  await influxd.query(`CREATE RETENTION POLICY "month" ON "${V2_DB}" DURATION 400d REPLICATION 1`);
  shim = await startV2Shim(influxd.url);
  simulator = await startSimulator();
  secrets = await FileSecretSource.load(
    dir.file('secrets.json', { ...simulatorSecrets(), 'collector/influx': { token: 'v2-token-abcdef' } }),
  );
});

afterAll(async () => {
  await simulator?.close();
  await shim?.close();
  await influxd?.stop();
  dir.cleanup();
});

function configFor(influx: Record<string, unknown>) {
  return parseConfig(simulatorConfig(simulator.url, { tokenSecret: 'collector/influx', ...influx }));
}

/** The successful bodies the simulator served for one endpoint, parsed. */
function servedBodies(endpoint: string): Record<string, unknown>[] {
  return simulator.served
    .filter((s) => s.endpoint === endpoint && s.status === 200)
    .map((s) => JSON.parse(s.body));
}

describe('a run written to a real InfluxDB 1.6.7 through /write (apiVersion 1)', () => {
  it('stores every sample value by value, with the contract types', async () => {
    simulator.served.length = 0;
    const config = configFor({ url: influxd.url, apiVersion: 1, database: V1_DB });
    const summary = await runOnce(config, secrets, await openInfluxWriter(config, new RunSecrets(secrets)));

    expect(summary.records.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(summary.unwritten).toEqual([]);
    expect(summary.pointsWritten).toBe(8);

    const rows = await influxd.rows('SELECT * FROM concurrency', V1_DB);
    expect(rows).toHaveLength(4);
    const byTarget = new Map(rows.map((row) => [row.target, row]));

    const [live] = servedBodies('streampixel.liveStats') as [{ liveUser: number; queueUser: number }];
    expect(byTarget.get('eu-prod')).toMatchObject({
      live: live.liveUser,
      queued: live.queueUser,
      env: 'prod',
    });
    const [users] = servedBodies('streampixel.userStats') as [{ liveUser: number; queueUser: number }];
    expect(byTarget.get('eu-prod-users')).toMatchObject({ live: users.liveUser, queued: users.queueUser });
    const [chat] = servedBodies('imkit.connectionCount') as [{ result: { count: number } }];
    expect(byTarget.get('chat')).toMatchObject({ live: chat.result.count, provider: 'imkit' });
    const [usage] = servedBodies('metered.usage') as [
      Record<string, number> & { plan: Record<string, unknown> },
    ];
    expect(byTarget.get('signalling')).toMatchObject({
      project: usage.appId,
      live: usage.concurrentNow,
      period_peak: usage.peakConcurrent,
      messages_used: usage.messagesUsed,
      overage_messages: usage.overageMessages,
      overage_connections: usage.overageConnections,
      plan_max_connections: usage.plan.maxConcurrentConnections,
      plan_max_messages: usage.plan.maxMessagesPerPeriod,
      period_start: usage.periodStartUnix,
      period_end: usage.periodEndUnix,
      plan: usage.plan.name,
      // No capacity in the config: the plan's cap is the capacity.
      capacity: usage.plan.maxConcurrentConnections,
    });

    const fieldTypes = await influxd.rows('SHOW FIELD KEYS FROM concurrency', V1_DB);
    const types = Object.fromEntries(fieldTypes.map((row) => [row.fieldKey, row.fieldType]));
    expect(types).toEqual({
      live: 'integer',
      queued: 'integer',
      period_peak: 'integer',
      messages_used: 'integer',
      overage_messages: 'integer',
      overage_connections: 'integer',
      plan_max_connections: 'integer',
      plan_max_messages: 'integer',
      period_start: 'integer',
      period_end: 'integer',
      capacity: 'integer',
      plan: 'string',
    });
    const runTypes = await influxd.rows('SHOW FIELD KEYS FROM collector_run', V1_DB);
    expect(Object.fromEntries(runTypes.map((row) => [row.fieldKey, row.fieldType]))).toEqual({
      up: 'integer',
      duration_ms: 'integer',
      http_status: 'integer',
      attempts: 'integer',
      lateness_ms: 'integer',
    });
    const runs = await influxd.rows('SELECT * FROM collector_run', V1_DB);
    expect(
      runs.map((row) => [row.target, row.outcome, row.up, row.http_status, row.attempts]).sort(),
    ).toEqual([
      ['chat', 'ok', 1, 200, 1],
      ['eu-prod', 'ok', 1, 200, 1],
      ['eu-prod-users', 'ok', 1, 200, 1],
      ['signalling', 'ok', 1, 200, 1],
    ]);
  });

  it('stamps each point with its scheduled time, so a repeated run overwrites instead of adding', async () => {
    const config = configFor({ url: influxd.url, apiVersion: 1, database: V1_DB });
    const tick = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const writer = await openInfluxWriter(config, new RunSecrets(secrets));
    await runPastTick(config, secrets, writer, tick);
    await runPastTick(config, secrets, writer, tick);
    const times = await influxd.rows(
      `SELECT live FROM concurrency WHERE target = 'eu-prod' AND time >= ${tick}ms AND time < ${tick + 60_000}ms`,
      V1_DB,
    );
    // A 10 s target: six samples in the minute, at :00, :10, …, :50, each once.
    expect(times.map((row) => row.time)).toEqual([0, 1, 2, 3, 4, 5].map((i) => tick + i * 10_000));
    const thirty = await influxd.rows(
      `SELECT count(live) FROM concurrency WHERE target = 'chat' AND time >= ${tick}ms AND time < ${tick + 60_000}ms`,
      V1_DB,
    );
    expect(thirty[0]?.count).toBe(2);
  });

  it("takes a write whose deadline is not a whole millisecond (a share of a run's time)", async () => {
    const config = configFor({ url: influxd.url, apiVersion: 1, database: V1_DB });
    const writer = await openInfluxWriter(config, new RunSecrets(secrets));
    const at = Math.floor(Date.now() / 1000) - 60;
    await writer.write([`concurrency,target=fractional live=3i ${at}`], { deadline: Date.now() + 10_000.5 });
    const rows = await influxd.rows(`SELECT live FROM concurrency WHERE target = 'fractional'`, V1_DB);
    expect(rows.map((row) => row.live)).toEqual([3]);
  });
});

describe('a run written through /api/v2/write (the default apiVersion 2)', () => {
  it('sends one gzip-capable batch per run to the bucket, token in the header, and lands in db/rp', async () => {
    shim.requests.length = 0;
    const config = configFor({ url: shim.url, org: 'acme', bucket: `${V2_DB}/month` });
    const summary = await runOnce(config, secrets, await openInfluxWriter(config, new RunSecrets(secrets)));
    expect(summary.unwritten).toEqual([]);

    expect(shim.requests).toHaveLength(1);
    const [request] = shim.requests;
    expect(request?.path).toMatch(/^\/api\/v2\/write\?org=acme&bucket=concurrency_v2%2Fmonth&precision=s$/);
    expect(request?.headers.authorization).toBe('Token v2-token-abcdef');
    expect(request?.body.split('\n')).toHaveLength(8);

    const rows = await influxd.rows('SELECT count(live) FROM "month".concurrency', V2_DB);
    expect(rows[0]?.count).toBe(4);
  });

  it('gzips a batch above the threshold and InfluxDB still reads it', async () => {
    shim.requests.length = 0;
    const config = configFor({ url: shim.url, org: 'acme', bucket: `${V2_DB}/month` });
    const tick = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const many = parseConfig({
      ...simulatorConfig(simulator.url, { url: shim.url, org: 'acme', bucket: `${V2_DB}/month` }),
      targets: Array.from({ length: 30 }, (_, i) => ({
        name: `project-${i}`,
        endpoint: 'streampixel.liveStats',
        projectId: `bulk-${i}`,
        baseUrl: simulator.url,
        secret: 'collector/streampixel',
        interval: '1m',
      })),
    });
    await runPastTick(many, secrets, await openInfluxWriter(config, new RunSecrets(secrets)), tick);
    expect(shim.requests).toHaveLength(1);
    expect(shim.requests[0]?.gzipped).toBe(true);
    const rows = await influxd.rows(
      `SELECT count(live) FROM "month".concurrency WHERE time = ${tick}ms`,
      V2_DB,
    );
    expect(rows[0]?.count).toBe(30);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { freePort } from '../../../devtools/ports.js';
import { parseConfig } from '../../../functions/config/load.js';
import { openInfluxWriter } from '../../../functions/influx/open.js';
import { collect } from '../../../functions/run/collect.js';
import { deliver } from '../../../functions/run/deliver.js';
import { FileSecretSource } from '../../../functions/secrets/file.js';
import { RunSecrets } from '../../../functions/secrets/run-secrets.js';
import { DirectorySpillStore } from '../../../functions/spill/directory.js';
import { simulatorConfig } from '../../../simulator/config.js';
import { DEFAULT_SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../../simulator/server.js';
import { memoryLog } from '../../support/run.js';

let influxd: Influxd;
let simulator: Simulator;
const dir = tempDir();

beforeAll(async () => {
  [influxd, simulator] = await Promise.all([
    startInfluxd({ auth: { username: 'admin', password: 'influx-pw-93c1d' } }),
    startSimulator(),
  ]);
  await influxd.createDatabase('refused');
});
afterAll(async () => {
  await simulator?.close();
  await influxd?.stop();
  dir.cleanup();
});

const influxSecret = { username: 'admin', password: 'influx-pw-93c1d' };

async function secretsWith(extra: Record<string, unknown> = {}) {
  const { streampixel, imkit, metered } = DEFAULT_SIMULATOR_CREDENTIALS;
  return FileSecretSource.load(
    dir.file(`secrets-${Math.random()}.json`, {
      'collector/streampixel': streampixel,
      'collector/imkit': imkit,
      'collector/metered': metered,
      'collector/influx': influxSecret,
      ...extra,
    }),
  );
}

function gunzipAll(folder: string): string {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.lp.gz'))
    .map((entry) => gunzipSync(readFileSync(join(entry.parentPath, entry.name))).toString('utf8'))
    .join('\n');
}

describe('points InfluxDB refuses as malformed', () => {
  it('go to rejected/ with the server message, never replayed, while the rest of the batch lands', async () => {
    const at = Math.floor(Date.now() / 60_000) * 60_000 - 300_000;
    // A field written once as a string makes every later integer `live` of that shard a type conflict.
    await influxd.writeLines('refused', `concurrency,target=chat live="text" ${at / 1000 - 30}`);
    const config = parseConfig(
      simulatorConfig(simulator.url, {
        url: influxd.url,
        apiVersion: 1,
        database: 'refused',
        tokenSecret: 'collector/influx',
      }),
    );
    const source = await secretsWith();
    const spill = new DirectorySpillStore(join(dir.path, 'spill-refused'));
    const log = memoryLog();
    const now = Date.now();
    const summary = await collect(
      {
        samples: config.targets.map((target) => ({ target, at })),
        waitForSchedule: false,
        stopSamplingAt: now + 15_000,
        finishBy: now + 25_000,
      },
      {
        secrets: new RunSecrets(source),
        sink: await openInfluxWriter(config, new RunSecrets(source)),
        spill,
        log,
        concurrency: 4,
        maxAttempts: 2,
      },
    );
    expect(summary.rejected).toBe(4); // every concurrency point: `live` is a string field in that shard
    expect(summary.unwritten).toEqual([]);
    expect(summary.pointsWritten).toBe(4); // the four collector_run points
    const runs = await influxd.rows(`SELECT count(up) FROM collector_run WHERE time = ${at}ms`, 'refused');
    expect(runs[0]?.count).toBe(4);

    expect(await spill.list()).toEqual([]);
    const rejected = readdirSync(join(dir.path, 'spill-refused', 'rejected'));
    expect(rejected).toHaveLength(1); // one file for the batch, however many of its points were refused
    const text = gunzipAll(join(dir.path, 'spill-refused', 'rejected'));
    expect(text).toMatch(/^# rejected by InfluxDB: InfluxDB answered HTTP 400: .*field type conflict/m);
    expect(text.match(/^concurrency,/gm)).toHaveLength(4);
    const refusedLines = log.lines.filter((line) => line.includes('InfluxDB refused points'));
    expect(refusedLines).toHaveLength(1);
    expect(JSON.parse(refusedLines[0] as string)).toMatchObject({
      level: 'error',
      points: 4,
      batches: 1,
      first_errors: expect.stringMatching(/field type conflict/),
      kept_in: `rejected/${rejected[0]}`,
    });
  });

  it('turn a refused batch of 10,000 points into one rejected/ file in a couple of requests', async () => {
    const at = Math.floor(Date.now() / 60_000) * 60_000 - 600_000;
    await influxd.writeLines('refused', `flood,target=t live="text" ${at / 1000 - 30}`);
    const writer = await openInfluxWriter(
      parseConfig(
        simulatorConfig(simulator.url, {
          url: influxd.url,
          apiVersion: 1,
          database: 'refused',
          tokenSecret: 'collector/influx',
        }),
      ),
      new RunSecrets(await secretsWith()),
    );
    let requests = 0;
    const counting = {
      description: writer.description,
      write: (lines: readonly string[], options?: { deadline?: number }) => {
        requests++;
        return writer.write(lines, options);
      },
    };
    const lines = Array.from(
      { length: 10_000 },
      (_, index) => `flood,target=t,n=${index} live=${index}i ${at / 1000}`,
    );
    const delivery = await deliver(counting, lines, Date.now() + 30_000);
    expect(delivery.rejected.flatMap((group) => group.lines)).toHaveLength(10_000);
    expect(delivery.unsent).toEqual([]);
    expect(requests).toBeLessThanOrEqual(2);
    const spill = new DirectorySpillStore(join(dir.path, 'spill-flood'));
    await spill.reject(delivery.rejected, at);
    expect(readdirSync(join(dir.path, 'spill-flood', 'rejected'))).toHaveLength(1);
    expect(gunzipAll(join(dir.path, 'spill-flood', 'rejected')).match(/^flood,/gm)).toHaveLength(10_000);
  });
});

describe('no credential leaks, whatever fails', () => {
  it('is in no log line, error, point or spilled object of a run where everything goes wrong', async () => {
    const wrongKeys = {
      'collector/streampixel': { userId: 'sim-user-0001', apikey: 'leaky-apikey-0f9e8d' },
      'collector/imkit': { apiKey: 'leaky-imkit-key-1a2b3c' },
      'collector/metered': { secretKey: 'sk_leaky_4d5e6f' },
    };
    const source = await secretsWith(wrongKeys);
    const deadPort = await freePort();
    const base = simulatorConfig(simulator.url, {
      url: `http://127.0.0.1:${deadPort}`,
      apiVersion: 1,
      database: 'refused',
      tokenSecret: 'collector/influx',
      timeout: '500ms',
    });
    const broken = (projectId: string) => ({
      name: projectId,
      endpoint: 'streampixel.liveStats' as const,
      projectId,
      baseUrl: simulator.url,
      secret: 'collector/streampixel',
      interval: '30s',
      timeout: '1s',
    });
    const config = parseConfig({
      ...base,
      targets: [...base.targets, ...['err-500', 'err-html', 'err-reset', 'err-404', 'err-429'].map(broken)],
      maxAttempts: 2,
    });
    const spillDir = join(dir.path, 'spill-leaks');
    const log = memoryLog();
    const now = Date.now();
    const summary = await collect(
      {
        samples: config.targets.map((target) => ({ target, at: Math.floor(now / 60_000) * 60_000 })),
        waitForSchedule: false,
        stopSamplingAt: now + 15_000,
        finishBy: now + 25_000,
      },
      {
        secrets: new RunSecrets(source),
        sink: await openInfluxWriter(config, new RunSecrets(source)),
        spill: new DirectorySpillStore(spillDir),
        log,
        concurrency: 4,
        maxAttempts: 2,
      },
    );
    expect(new Set(summary.records.map((record) => record.outcome))).toEqual(
      new Set(['ok', 'auth', 'upstream', 'not_found', 'rate_limited']),
    );
    expect(summary.unwritten[0]?.spilledAs).toBeDefined();

    const everything = [
      ...log.lines,
      ...summary.records.map((record) => record.error),
      ...summary.unwritten.map((batch) => batch.error.message),
      gunzipAll(spillDir),
    ].join('\n');
    expect(everything).toContain('collector_run'); // the spilled points are in the haystack
    const credentials = [
      ...Object.values(wrongKeys).flatMap(Object.values),
      ...Object.values(influxSecret),
    ].filter((value) => value !== 'sim-user-0001' && value !== 'admin');
    for (const credential of credentials) expect(everything).not.toContain(credential);
    expect(everything).not.toMatch(/apikey=/i);
  });
});

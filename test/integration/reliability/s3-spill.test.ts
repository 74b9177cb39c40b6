import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { freePort } from '../../../devtools/ports.js';
import { parseConfig } from '../../../functions/config/load.js';
import type { Config } from '../../../functions/config/schema.js';
import { openInfluxWriter } from '../../../functions/influx/open.js';
import { collect, type RunSummary } from '../../../functions/run/collect.js';
import { planTick } from '../../../functions/schedule/plan.js';
import { FileSecretSource } from '../../../functions/secrets/file.js';
import { RunSecrets } from '../../../functions/secrets/run-secrets.js';
import { S3SpillStore } from '../../../functions/spill/s3.js';
import { simulatorConfig, simulatorSecrets } from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { memoryLog } from '../../support/run.js';
import { type S3Standin, startS3rver } from '../../support/s3rver.js';

/**
 * The deployed spill, `S3SpillStore`, through the real `@aws-sdk/client-s3` against s3rver: its own contract
 * first, then a run that cannot reach InfluxDB and the next run that replays what it spilled.
 */

const DATABASE = 'spill_replay';
const MINUTE = 60_000;

let s3: S3Standin;
const dir = tempDir('s3-spill-');

beforeAll(async () => {
  s3 = await startS3rver();
});

afterAll(async () => {
  await s3?.close();
  dir.cleanup();
});

/** Each test starts from an empty bucket: the tests share one s3rver. */
async function emptyBucket(): Promise<void> {
  const store = new S3SpillStore(s3.bucket, s3.client);
  for (const key of await allKeys()) await store.delete(key);
}

/** Every key in the bucket, spilled, rejected and state alike. */
async function allKeys(): Promise<string[]> {
  const page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
  return (page.Contents ?? []).map((object) => object.Key as string).sort();
}

async function rawObject(key: string): Promise<{ bytes: Uint8Array; contentType: string | undefined }> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return {
    bytes: await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    contentType: object.ContentType,
  };
}

/** `20261122T001500Z`: the stamp a batch key carries for a scheduled time. */
function stampOf(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Line protocol that exercises escaping, unicode and every field type: it must come back byte for byte. */
const TRICKY_LINES = [
  'concurrency,provider=streampixel,endpoint=streampixel.liveStats,target=eu-prod,project=64f1 live=12i,queued=0i 1767225600',
  'concurrency,provider=metered,endpoint=metered.usage,target=sig\\ nal\\,ling,project=app_sim live=3i,plan="SIGNALLING \\"BASIC\\" – ünïcødé 🚀" 1767225600',
  'collector_run,target=eu-prod,provider=streampixel,endpoint=streampixel.liveStats,outcome=upstream up=0i,duration_ms=1503i,http_status=500i,attempts=3i,error="HTTP 500: Internal server error" 1767225600',
];

describe('S3SpillStore against s3rver', () => {
  it('lists batches oldest first by their tick, whatever order they were put in', async () => {
    await emptyBucket();
    const store = new S3SpillStore(s3.bucket, s3.client);
    const base = Date.UTC(2026, 10, 22, 0, 15);
    const order = [3, 0, 2, 1, 4].map((i) => base + i * MINUTE);
    const keys = new Map<number, string>();
    for (const at of order) keys.set(at, await store.put([`m v=${at}i ${at / 1000}`], at));

    for (const [at, key] of keys) {
      expect(key).toMatch(new RegExp(`^spill/${stampOf(at)}-[0-9a-z]+-[0-9a-f]{8}\\.lp\\.gz$`));
    }
    const listed = await store.list();
    expect(listed).toEqual([...order].sort((a, b) => a - b).map((at) => keys.get(at)));
    // Two batches of one tick (two shards) are both kept, under distinct keys.
    const twin = await store.put(['m v=1i 1'], base);
    expect(twin).not.toBe(keys.get(base));
    expect(await store.list()).toHaveLength(order.length + 1);
  });

  it('reads back exactly the lines it put, stored gzipped', async () => {
    await emptyBucket();
    const store = new S3SpillStore(s3.bucket, s3.client);
    const at = Date.UTC(2026, 0, 1);
    const key = await store.put(TRICKY_LINES, at);
    expect(await store.read(key)).toEqual(TRICKY_LINES);

    const { bytes, contentType } = await rawObject(key);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(contentType).toBe('application/gzip');
    expect(gunzipSync(bytes).toString('utf8')).toBe(`${TRICKY_LINES.join('\n')}\n`);
  });

  it('deletes a batch so that it is neither listed nor readable', async () => {
    await emptyBucket();
    const store = new S3SpillStore(s3.bucket, s3.client);
    const first = await store.put(['m v=1i 60'], MINUTE);
    const second = await store.put(['m v=2i 120'], 2 * MINUTE);
    await store.delete(first);
    expect(await store.list()).toEqual([second]);
    await expect(store.read(first)).rejects.toThrow();
    // Deleting twice (a replay that was cut short after the delete) is harmless.
    await store.delete(first);
    expect(await store.list()).toEqual([second]);
  });

  it('keeps rejected lines under rejected/ with the message as a comment, never listed for replay', async () => {
    await emptyBucket();
    const store = new S3SpillStore(s3.bucket, s3.client);
    const at = Date.UTC(2026, 0, 1, 12);
    const message =
      'partial write: field type conflict:\n input field "live" on measurement "concurrency" is type float';
    const key = await store.reject([{ lines: TRICKY_LINES.slice(0, 1), message }], at);

    expect(key).toMatch(new RegExp(`^rejected/${stampOf(at)}-`));
    expect(await store.list()).toEqual([]);
    const text = gunzipSync((await rawObject(key)).bytes).toString('utf8');
    const [comment, ...rest] = text.split('\n');
    expect(comment).toBe(`# rejected by InfluxDB: ${message.replace(/\s+/g, ' ')}`);
    expect(rest.filter((line) => line !== '')).toEqual(TRICKY_LINES.slice(0, 1));
    // Read as a batch, the comment is not a line: InfluxDB's parser would skip it too.
    expect(await store.read(key)).toEqual(TRICKY_LINES.slice(0, 1));
    expect(await allKeys()).toEqual([key]);
  });

  it('reads no state when none was written, and round-trips named state documents', async () => {
    await emptyBucket();
    const store = new S3SpillStore(s3.bucket, s3.client);
    expect(await store.readState('shard-0123456789abcdef')).toBeUndefined();

    const backoff = JSON.stringify({
      'eu-prod': Date.UTC(2026, 0, 1, 0, 2),
      chat: Date.UTC(2026, 0, 1, 0, 1),
    });
    await store.writeState('shard-0123456789abcdef', backoff);
    await store.writeState('listing-sim-user-0001', '{"projects": ["ünïcødé"]}');
    const again = new S3SpillStore(s3.bucket, s3.client);
    expect(await again.readState('shard-0123456789abcdef')).toBe(backoff);
    expect(await again.readState('listing-sim-user-0001')).toBe('{"projects": ["ünïcødé"]}');
    expect(await again.readState('shard-ffffffffffffffff')).toBeUndefined();
    // State lives under state/, apart from the batches: never listed for replay.
    expect(await store.list()).toEqual([]);
    expect(await allKeys()).toEqual([
      'state/listing-sim-user-0001.json',
      'state/shard-0123456789abcdef.json',
    ]);

    // Overwriting keeps one document per name.
    await store.writeState('shard-0123456789abcdef', '{}');
    expect(await store.readState('shard-0123456789abcdef')).toBe('{}');
    expect(await allKeys()).toHaveLength(2);
  });
});

/** A spill whose `delete` first checks, in InfluxDB itself, that every line of the batch is there. */
class CheckedS3SpillStore extends S3SpillStore {
  readonly reads = new Map<string, string[]>();
  readonly deletions: Array<{ key: string; linesInInflux: number; lines: number }> = [];

  constructor(
    bucket: string,
    client: S3Standin['client'],
    private readonly influxd: () => Influxd | undefined,
  ) {
    super(bucket, client);
  }

  override async read(key: string): Promise<string[]> {
    const lines = await super.read(key);
    this.reads.set(key, lines);
    return lines;
  }

  override async delete(key: string): Promise<void> {
    const lines = this.reads.get(key) ?? [];
    const influxd = this.influxd();
    const linesInInflux = influxd ? await pointsAt(influxd, lines) : 0;
    this.deletions.push({ key, linesInInflux, lines: lines.length });
    await super.delete(key);
  }
}

/** How many of `lines` (one scheduled time per batch) InfluxDB holds: counted per measurement at that time. */
async function pointsAt(influxd: Influxd, lines: readonly string[]): Promise<number> {
  const seconds = new Set(lines.map((line) => line.slice(line.lastIndexOf(' ') + 1)));
  let found = 0;
  for (const second of seconds) {
    const time = `${second}s`;
    const [concurrency] = await influxd.rows(
      `SELECT count("live") AS n FROM "concurrency" WHERE time = ${time}`,
      DATABASE,
    );
    const [runs] = await influxd.rows(
      `SELECT count("up") AS n FROM "collector_run" WHERE time = ${time}`,
      DATABASE,
    );
    found += Number(concurrency?.n ?? 0) + Number(runs?.n ?? 0);
  }
  return found;
}

describe('a run with InfluxDB down spills to S3, and the next run replays it', () => {
  let simulator: Simulator;
  let influxd: Influxd | undefined;
  let secrets: FileSecretSource;

  beforeAll(async () => {
    simulator = await startSimulator();
    secrets = await FileSecretSource.load(dir.file('secrets.json', simulatorSecrets()));
  });

  afterAll(async () => {
    await simulator?.close();
    await influxd?.stop();
  });

  function configFor(influxUrl: string): Config {
    return parseConfig(simulatorConfig(simulator.url, { url: influxUrl, apiVersion: 1, database: DATABASE }));
  }

  async function run(config: Config, tick: number | undefined, store: S3SpillStore): Promise<RunSummary> {
    const now = Date.now();
    const runSecrets = new RunSecrets(secrets);
    return collect(
      {
        samples: tick === undefined ? [] : planTick(config.targets, tick),
        // A tick that already passed: every slot is due, so the run does not wait out the minute.
        waitForSchedule: true,
        stopSamplingAt: now + 20_000,
        finishBy: now + 40_000,
      },
      {
        secrets: runSecrets,
        sink: await openInfluxWriter(config, runSecrets),
        spill: store,
        log: memoryLog(),
        concurrency: config.concurrency,
        maxAttempts: config.maxAttempts,
      },
    );
  }

  it('loses nothing: every point of the failed run is in InfluxDB after the replay, value for value', async () => {
    await emptyBucket();
    const store = new CheckedS3SpillStore(s3.bucket, s3.client, () => influxd);
    // Recent enough for any retention policy, and in the past, so that no slot waits.
    const tick = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;

    // Run 1: nothing listens on InfluxDB's port.
    const down = configFor(`http://127.0.0.1:${await freePort()}`);
    expect(down.maxAttempts).toBe(3);
    const first = await run(down, tick, store);

    const slots = [...new Set(planTick(down.targets, tick).map((planned) => planned.at))].sort(
      (a, b) => a - b,
    );
    expect(first.records).toHaveLength(planTick(down.targets, tick).length);
    expect(first.records.every((record) => record.outcome === 'ok')).toBe(true);
    expect(first.pointsWritten).toBe(0);
    expect(first.unwritten.map((batch) => batch.at)).toEqual(slots);
    for (const batch of first.unwritten) {
      expect(batch.error.httpStatus).toBe(0);
      expect(batch.error.attempts).toBe(down.maxAttempts);
      expect(batch.spilledAs).toMatch(new RegExp(`^spill/${stampOf(batch.at)}-.*\\.lp\\.gz$`));
    }
    const spilled = await store.list();
    expect(spilled).toEqual(first.unwritten.map((batch) => batch.spilledAs));
    expect(await allKeys()).toEqual(spilled);
    for (const batch of first.unwritten)
      expect(await store.read(batch.spilledAs as string)).toEqual(batch.lines);
    const spilledLines = first.unwritten.reduce((sum, batch) => sum + batch.lines.length, 0);
    const okRecords = first.records.filter((record) => record.sample !== undefined);
    expect(spilledLines).toBe(first.records.length + okRecords.length);

    // A run while InfluxDB is still down replays nothing and deletes nothing.
    const still = await run(down, undefined, store);
    expect(still.replay).toMatchObject({ batches: 0, points: 0, remaining: spilled.length });
    expect(await store.list()).toEqual(spilled);
    expect(store.deletions).toEqual([]);

    // Run 2: InfluxDB is back (on another port, as after a redeploy), one tick later.
    influxd = await startInfluxd();
    await influxd.createDatabase(DATABASE);
    const up = configFor(influxd.url);
    const second = await run(up, tick + MINUTE, store);

    expect(second.unwritten).toEqual([]);
    expect(second.replay).toEqual({
      batches: spilled.length,
      points: spilledLines,
      rejected: 0,
      remaining: 0,
    });
    expect(await store.list()).toEqual([]);
    expect(await allKeys()).toEqual([]);
    // Each object was deleted only once InfluxDB held every line of it.
    expect(store.deletions.map((deletion) => deletion.key).sort()).toEqual(spilled);
    for (const deletion of store.deletions) {
      expect(deletion.lines).toBeGreaterThan(0);
      expect(deletion.linesInInflux).toBe(deletion.lines);
    }

    // Point by point: target, time and live value of every sample of run 1.
    const rows = await influxd.rows(
      `SELECT "live", "target" FROM "concurrency" WHERE time >= ${tick}ms AND time < ${tick + MINUTE}ms`,
      DATABASE,
    );
    const stored = rows.map((row) => `${row.target}@${row.time}=${row.live}`).sort();
    const expected = okRecords
      .map((record) => `${record.target.name}@${record.at}=${record.sample?.ints.live}`)
      .sort();
    expect(stored).toEqual(expected);
    const [runs] = await influxd.rows(
      `SELECT count("up") AS n FROM "collector_run" WHERE time >= ${tick}ms AND time < ${tick + MINUTE}ms`,
      DATABASE,
    );
    expect(runs?.n).toBe(first.records.length);
  }, 60_000);
});

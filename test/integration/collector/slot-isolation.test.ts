import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { parseConfig } from '../../../functions/config/load.js';
import { InfluxWriter, type PointSink, type WriteOptions } from '../../../functions/influx/writer.js';
import { FileSecretSource } from '../../../functions/secrets/file.js';
import { SIMULATOR_SECRET_NAMES, simulatorSecrets } from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { runOnce } from '../../support/run.js';

const DB = 'slot_isolation';
/** How long the one hanging target keeps its request open before it answers (well within its timeout). */
const HANG_MS = 6_000;

let influxd: Influxd;
let simulator: Simulator;
let secrets: FileSecretSource;
const dir = tempDir();

beforeAll(async () => {
  influxd = await startInfluxd();
  await influxd.createDatabase(DB);
  simulator = await startSimulator({ latencyMs: 20, slowMs: HANG_MS });
  secrets = await FileSecretSource.load(dir.file('secrets.json', simulatorSecrets()));
});
afterAll(async () => {
  await simulator?.close();
  await influxd?.stop();
  dir.cleanup();
});

/** The real writer, with every batch it was given kept in order. */
class RecordingSink implements PointSink {
  readonly batches: string[][] = [];
  readonly description: string;
  constructor(private readonly inner: PointSink) {
    this.description = inner.description;
  }
  async write(lines: readonly string[], options?: WriteOptions): Promise<void> {
    await this.inner.write(lines, options);
    this.batches.push([...lines]);
  }
}

async function count(measurement: string): Promise<number> {
  const [row] = await influxd.rows(`SELECT count("up") FROM "${measurement}"`, DB);
  return Number(row?.count ?? 0);
}

describe('one hanging target of 100 does not hold back the slot', () => {
  it('lands the other 99 while it hangs, then its own sample alone, nothing lost or written twice', async () => {
    const projects = Array.from({ length: 99 }, (_, index) => `64f1a0ok${String(index).padStart(4, '0')}`);
    const config = parseConfig({
      influx: { url: influxd.url, apiVersion: 1, database: DB },
      maxAttempts: 3,
      targets: [...projects, 'err-slow'].map((projectId) => ({
        name: `t-${projectId}`,
        endpoint: 'streampixel.liveStats',
        projectId,
        baseUrl: simulator.url,
        secret: SIMULATOR_SECRET_NAMES.streampixel,
        interval: '1m',
        timeout: '15s',
      })),
    });
    const sink = new RecordingSink(new InfluxWriter(config.influx, {}));
    const started = Date.now();
    let finished = false;
    const running = runOnce(config, secrets, sink).then((summary) => {
      finished = true;
      return summary;
    });

    let landedAfterMs: number | undefined;
    while (!finished && landedAfterMs === undefined) {
      // `up` is a field of every `collector_run` point: 99 of them once the healthy samples landed.
      if ((await count('collector_run')) === 99) landedAfterMs = Date.now() - started;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(finished, 'the run ended before the healthy samples were queryable').toBe(false);
    expect(landedAfterMs).toBeLessThan(HANG_MS / 2);
    const [liveRow] = await influxd.rows(`SELECT count("live") FROM "concurrency"`, DB);
    expect(Number(liveRow?.count)).toBe(99);

    const summary = await running;
    expect(Date.now() - started).toBeGreaterThanOrEqual(HANG_MS);
    expect(summary.records.filter((record) => record.outcome === 'ok')).toHaveLength(100);
    expect(summary.pointsWritten).toBe(200);
    expect(summary.unwritten).toEqual([]);
    // The slot's batch without the late sample, then the late sample's two points alone.
    expect(sink.batches.map((batch) => batch.length)).toEqual([198, 2]);
    expect(sink.batches[1]?.every((line) => line.includes('target=t-err-slow'))).toBe(true);
    const lines = sink.batches.flat();
    expect(new Set(lines).size).toBe(lines.length);
    expect(await count('collector_run')).toBe(100);

    // A replay of everything (a spilled copy) overwrites the same points: still one point per sample.
    await sink.write(lines);
    expect(await count('collector_run')).toBe(100);
    const [again] = await influxd.rows(`SELECT count("live") FROM "concurrency"`, DB);
    expect(Number(again?.count)).toBe(100);
  }, 30_000);
});

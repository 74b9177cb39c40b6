import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { startV2Shim, type V2Shim, type WriteFault } from '../../../devtools/v2-shim.js';
import { parseConfig } from '../../../functions/config/load.js';
import type { Config } from '../../../functions/config/schema.js';
import { openInfluxWriter } from '../../../functions/influx/open.js';
import type { SampleRecord } from '../../../functions/points/build.js';
import { collect, type RunSummary } from '../../../functions/run/collect.js';
import type { PlannedSample } from '../../../functions/schedule/plan.js';
import { FileSecretSource } from '../../../functions/secrets/file.js';
import { RunSecrets } from '../../../functions/secrets/run-secrets.js';
import { DirectorySpillStore } from '../../../functions/spill/directory.js';
import { simulatorConfig, simulatorSecrets } from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { memoryLog } from '../../support/run.js';

let influxd: Influxd;
let shim: V2Shim;
let simulator: Simulator;
let secrets: FileSecretSource;
const dir = tempDir();

beforeAll(async () => {
  [influxd, simulator] = await Promise.all([startInfluxd(), startSimulator()]);
  await influxd.createDatabase('faults');
  await influxd.createDatabase('killed');
  shim = await startV2Shim(influxd.url);
  secrets = await FileSecretSource.load(dir.file('secrets.json', simulatorSecrets()));
});
afterAll(async () => {
  await simulator?.close();
  await shim?.close();
  await influxd?.stop();
  dir.cleanup();
});

/** A plan of every target at one scheduled time, taken now: each call stands for one scheduled run. */
function planAt(config: Config, at: number): PlannedSample[] {
  return config.targets.map((target) => ({ target, at }));
}

function runAt(config: Config, at: number, spill: DirectorySpillStore) {
  const now = Date.now();
  return openInfluxWriter(config, new RunSecrets(secrets)).then((sink) =>
    collect(
      {
        samples: planAt(config, at),
        waitForSchedule: true,
        stopSamplingAt: now + 15_000,
        finishBy: now + 25_000,
      },
      {
        secrets: new RunSecrets(secrets),
        sink,
        spill,
        log: memoryLog(),
        concurrency: 8,
        maxAttempts: config.maxAttempts,
      },
    ),
  );
}

/** `target@epoch-ms → live` of every successful sample: what must end up in InfluxDB. */
function servedValues(summaries: RunSummary[]): Map<string, number> {
  const ok = summaries
    .flatMap((summary) => summary.records)
    .filter((r): r is SampleRecord & { sample: object } => !!r.sample);
  return new Map(
    ok.map((record) => [`${record.target.name}@${record.at}`, record.sample?.ints.live as number]),
  );
}

async function storedValues(db: string): Promise<Map<string, number>> {
  const rows = await influxd.rows('SELECT live, target FROM concurrency', db);
  return new Map(rows.map((row) => [`${row.target}@${row.time}`, row.live as number]));
}

describe('InfluxDB failing on the write path: nothing is lost', () => {
  it('503, 500, a reset connection and a stall in turn are spilled, then replayed by the next run', async () => {
    const spillDir = join(dir.path, 'spill-faults');
    const spill = new DirectorySpillStore(spillDir);
    const config = parseConfig({
      ...simulatorConfig(simulator.url, { url: shim.url, org: 'acme', bucket: 'faults', timeout: '1s' }),
      maxAttempts: 2,
    });
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 600_000;
    // Two attempts for the run's batch, and from the second run on two more for the replay of the spilled
    // batches, which starts alongside it and stops at its first failure.
    const faults: WriteFault[] = [503, 500, 'reset', 'stall'];
    const summaries: RunSummary[] = [];
    for (const [index, fault] of faults.entries()) {
      shim.failNext(Array(index === 0 ? 2 : 4).fill(fault));
      const summary = await runAt(config, base + index * 60_000, spill);
      expect(summary.unwritten).toHaveLength(1);
      expect(summary.unwritten[0]?.spilledAs).toMatch(/\.lp\.gz$/);
      expect(summary.pointsWritten).toBe(0);
      summaries.push(summary);
    }
    expect(readdirSync(spillDir).filter((name) => name.endsWith('.lp.gz'))).toHaveLength(4);
    expect(await storedValues('faults')).toEqual(new Map());

    const clean = await runAt(config, base + 4 * 60_000, spill);
    summaries.push(clean);
    expect(clean.unwritten).toEqual([]);
    expect(clean.replay).toMatchObject({ batches: 4, remaining: 0 });
    expect(readdirSync(spillDir).filter((name) => name.endsWith('.lp.gz'))).toEqual([]);
    expect(await storedValues('faults')).toEqual(servedValues(summaries));
  });

  it('a write that fails once and then succeeds is retried, not spilled', async () => {
    const spill = new DirectorySpillStore(join(dir.path, 'spill-retry'));
    const config = parseConfig(
      simulatorConfig(simulator.url, { url: shim.url, org: 'acme', bucket: 'faults' }),
    );
    shim.failNext([503]);
    const summary = await runAt(config, Math.floor(Date.now() / 60_000) * 60_000 - 1_200_000, spill);
    expect(summary.unwritten).toEqual([]);
    expect(summary.pointsWritten).toBe(8);
    expect(await spill.list()).toEqual([]);
  });
});

describe('InfluxDB killed in the middle of a run and started again', () => {
  it('has every sample of the runs in between after the next successful run, point by point', async () => {
    const spill = new DirectorySpillStore(join(dir.path, 'spill-killed'));
    const config = parseConfig({
      ...simulatorConfig(simulator.url, {
        url: influxd.url,
        apiVersion: 1,
        database: 'killed',
        timeout: '1s',
      }),
      maxAttempts: 2,
    });
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 1_800_000;
    const soon = Date.now();
    // Four scheduled slots a second apart: InfluxDB dies after the first and is back before the last.
    const running = Promise.all(
      [0, 1, 2, 3].map(async (slot) => {
        await new Promise((resolve) => setTimeout(resolve, soon + 300 + slot * 1_000 - Date.now()));
        return runAt(config, base + slot * 10_000, spill);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 900));
    await influxd.kill();
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await influxd.restart();
    const during = await running;
    expect(during.some((summary) => summary.unwritten.length > 0)).toBe(true);

    const after = await runAt(config, base + 5 * 10_000, spill);
    expect(after.unwritten).toEqual([]);
    expect(await spill.list()).toEqual([]);
    const expected = servedValues([...during, after]);
    expect(expected.size).toBe(5 * config.targets.length);
    expect(await storedValues('killed')).toEqual(expected);
  });
});

/**
 * `npm run soak`: a bounded soak of the collector against the simulator and a real influxd behind the v2 shim.
 *
 * Each tick is one `collect` run of a handful of targets (healthy ones and the simulator's error ids), stamped
 * one minute after the previous tick, while the shim injects write faults (503, 500, reset, stall) and influxd is
 * now and then killed and restarted between ticks. What could not be written waits in a `DirectorySpillStore`;
 * a final clean tick replays it. Then InfluxDB must hold exactly one `concurrency` point per successful sample
 * (same target, time and value), no spill file may remain, and the heap must not grow run over run.
 *
 *   npm run soak -- --ticks 60 --seconds 240 --seed 42
 *
 * Exit 0: every check passed; 1: a check failed (each violation is printed); 2: bad arguments or setup.
 * The last stdout line starting `soak: ` is the summary. Randomness comes from `--seed` (printed), so a failing
 * run can be replayed; request timing still varies from one run to the next.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tempDir } from '../devtools/files.js';
import { type Influxd, startInfluxd } from '../devtools/influxd.js';
import { startV2Shim, type V2Shim, type WriteFault } from '../devtools/v2-shim.js';
import { parseConfig } from '../functions/config/load.js';
import type { Config, Target } from '../functions/config/schema.js';
import { InfluxWriter } from '../functions/influx/writer.js';
import type { RunLog } from '../functions/log/run-log.js';
import { collect, type RunSummary } from '../functions/run/collect.js';
import type { PlannedSample } from '../functions/schedule/plan.js';
import { RunSecrets } from '../functions/secrets/run-secrets.js';
import type { SecretSource } from '../functions/secrets/source.js';
import { DirectorySpillStore } from '../functions/spill/directory.js';
import { type SimulatorTarget, simulatorConfig, simulatorSecrets } from '../simulator/config.js';
import { type Simulator, startSimulator } from '../simulator/server.js';

const MINUTE = 60_000;
const DATABASE = 'soak';
const MB = 1024 * 1024;
/** Heap growth allowed from the first third of the ticks to the last: a ratio or an absolute amount. */
const HEAP_GROWTH_RATIO = 1.2;
const HEAP_GROWTH_BYTES = 5 * MB;
/** Time kept back from `--seconds` for the final clean tick and the checks. */
const FINAL_RESERVE_MS = 30_000;

interface Options {
  ticks: number;
  seconds: number;
  seed: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      ticks: { type: 'string', default: '60' },
      seconds: { type: 'string', default: '240' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const ticks = Number(values.ticks);
  const seconds = Number(values.seconds);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(ticks) || ticks < 2 || ticks > 10_000)
    throw new Error('--ticks: an integer, 2 to 10000');
  if (!Number.isFinite(seconds) || seconds < 10) throw new Error('--seconds: a number, at least 10');
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed: a non-negative integer');
  return { ticks, seconds, seed };
}

/** mulberry32: a tiny seeded PRNG, enough to replay the same choices from the same seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `global.gc`, turned on at run time when node was started without `--expose-gc` (as `tsx` starts it). */
function collectGarbage(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Which targets a tick may poll, and how often it does: healthy ones mostly, error ids sometimes. */
interface Candidate {
  target: Record<string, unknown>;
  /** Chance that a tick polls it. */
  chance: number;
}

/** Error ids polled in place of a project id, with their chance: a flaky project often, a throttled one rarely. */
const FAULTS = [
  { name: 'flaky', id: 'err-flaky', chance: 0.8 },
  { name: 'flaky-users', id: 'err-flaky', chance: 0.5 },
  { name: 'broken', id: 'err-500', chance: 0.4 },
  { name: 'proxy-page', id: 'err-html', chance: 0.4 },
  { name: 'throttled', id: 'err-429', chance: 0.1 },
] as const;

/**
 * The simulator's ready-made targets, each polled most ticks (the first nearly every one), then the error ids,
 * each on the ready-made targets that name a project, in turn.
 */
function candidates(simulatorUrl: string): Candidate[] {
  const poll = { interval: '1m', timeout: '2s' };
  const ready = simulatorConfig(simulatorUrl).targets;
  const healthy = ready.map((target, index) => ({
    target: { ...target, ...poll, tags: undefined },
    chance: index === 0 ? 0.95 : 0.9,
  }));
  const named = ready.filter((target) => target.projectId !== undefined);
  const faulty = FAULTS.map(({ name, id, chance }, index) => ({
    target: {
      ...(named[index % named.length] as SimulatorTarget),
      ...poll,
      name,
      projectId: id,
      tags: undefined,
    },
    chance,
  }));
  return [...healthy, ...faulty];
}

const FAULT_KINDS: readonly WriteFault[] = [503, 500, 'reset', 'stall'];

/** A run log that only counts: the soak must not hold every line it ever logged. */
function countingLog(counts: Record<string, number>): RunLog {
  const count = (level: string) => () => {
    counts[level] = (counts[level] ?? 0) + 1;
  };
  return { info: count('info'), warn: count('warn'), error: count('error') };
}

interface Totals {
  samples: number;
  okSamples: number;
  faults: Record<string, number>;
  kills: number;
  spilled: number;
  lost: number;
  rejected: number;
  replayed: number;
  pointsWritten: number;
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`soak: ${(error as Error).message}\n`);
    return 2;
  }
  const { ticks, seconds, seed } = options;
  const started = Date.now();
  const random = prng(seed);
  const gc = collectGarbage();
  const violations: string[] = [];
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  const dir = tempDir('collector-soak-');
  let simulator: Simulator | undefined;
  let influxd: Influxd | undefined;
  let shim: V2Shim | undefined;
  // The hard cap: whatever hangs, the soak ends, and influxd with it (its exit hook kills the child).
  const cap = setTimeout(() => {
    out(`soak: FAIL time cap of ${seconds} s exceeded (seed ${seed})`);
    dir.cleanup();
    process.exit(1);
  }, seconds * 1_000);
  cap.unref();

  try {
    simulator = await startSimulator();
    influxd = await startInfluxd();
    await influxd.createDatabase(DATABASE);
    shim = await startV2Shim(influxd.url);

    const all = candidates(simulator.url);
    const config: Config = parseConfig({
      // A short write timeout: a stalled write costs one second, not ten.
      influx: { url: shim.url, apiVersion: 2, org: 'soak', bucket: DATABASE, timeout: '1s' },
      targets: all.map((candidate) => candidate.target),
      concurrency: 8,
      maxAttempts: 3,
    });
    const targetsByName = new Map(config.targets.map((target) => [target.name, target]));
    const secretMap = simulatorSecrets();
    const source: SecretSource = {
      async get(name) {
        return JSON.stringify(secretMap[name] ?? {});
      },
    };
    // Short retry delays keep a tick at a second or two; the write path is otherwise the deployed one.
    const sink = new InfluxWriter(
      config.influx,
      {},
      {
        maxAttempts: config.maxAttempts,
        minRetryDelayMs: 100,
        maxRetryDelayMs: 400,
      },
    );
    const spillDir = join(dir.path, 'spill');
    const spill = new DirectorySpillStore(spillDir);
    const backoff = new Map<string, number>();
    const logCounts: Record<string, number> = {};
    const log = countingLog(logCounts);

    // Every tick in the past and one minute apart: distinct timestamps, and no slot waits for its time.
    const base = Math.floor(Date.now() / MINUTE) * MINUTE - (ticks + 2) * MINUTE;
    /** `target@ms` → live value of every successful sample. */
    const expected = new Map<string, number>();
    const heap: number[] = [];
    const totals: Totals = {
      samples: 0,
      okSamples: 0,
      faults: { 503: 0, 500: 0, reset: 0, stall: 0 },
      kills: 0,
      spilled: 0,
      lost: 0,
      rejected: 0,
      replayed: 0,
      pointsWritten: 0,
    };
    /** Write requests the shim had seen when the faults still queued were injected, and how many there are. */
    let pendingFaults = { since: 0, count: 0 };
    let writesSeen = 0;
    /** Write requests the shim has received so far; also forgets them, since the shim would keep every body. */
    const writeRequests = (): number => {
      const requests = (shim as V2Shim).requests;
      writesSeen += requests.filter((request) => request.path.startsWith('/api/v2/write')).length;
      requests.length = 0;
      return writesSeen;
    };
    let influxDown = 0;

    const runTick = async (index: number, clean: boolean): Promise<RunSummary> => {
      const at = base + index * MINUTE;
      const chosen: Target[] = all
        .filter((candidate) => clean || random() < candidate.chance)
        .map((candidate) => targetsByName.get(candidate.target.name as string) as Target)
        .filter(
          (target) => !clean || !String((target as { projectId?: string }).projectId).startsWith('err-'),
        );
      if (chosen.length === 0) chosen.push(targetsByName.get('eu-prod') as Target);
      const samples: PlannedSample[] = chosen.map((target) => ({ target, at }));
      const now = Date.now();
      const summary = await collect(
        { samples, waitForSchedule: false, stopSamplingAt: now + 15_000, finishBy: now + 30_000 },
        {
          secrets: new RunSecrets(source),
          sink,
          spill,
          log,
          concurrency: config.concurrency,
          maxAttempts: config.maxAttempts,
          backoff,
        },
      );
      for (const record of summary.records) {
        totals.samples++;
        if (record.outcome !== 'ok' || record.sample === undefined) continue;
        totals.okSamples++;
        expected.set(`${record.target.name}@${record.at}`, record.sample.ints.live as number);
      }
      totals.spilled += summary.unwritten.filter((batch) => batch.spilledAs !== undefined).length;
      totals.lost += summary.unwritten.filter((batch) => batch.spilledAs === undefined).length;
      totals.rejected += summary.rejected + summary.replay.rejected;
      totals.replayed += summary.replay.batches;
      totals.pointsWritten += summary.pointsWritten;
      // The stand-ins remember every request; the collector must not be blamed for their memory.
      writeRequests();
      (simulator as Simulator).served.length = 0;
      return summary;
    };

    const deadline = started + seconds * 1_000 - FINAL_RESERVE_MS;
    let ran = 0;
    for (let index = 0; index < ticks - 1; index++) {
      if (Date.now() >= deadline) break;
      // Every tick draws the same numbers whatever happened before, so that a seed replays the same choices.
      const inject = random() < 0.5;
      const faults = Array.from(
        { length: 1 + Math.floor(random() * 4) },
        () => FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)] as WriteFault,
      );
      const kill = random() < 0.08;
      const downFor = 1 + Math.floor(random() * 2);
      // Faults are queued only once the previous ones were used up, so that the final tick starts clean.
      if (pendingFaults.count === 0 || writeRequests() - pendingFaults.since >= pendingFaults.count) {
        pendingFaults = { since: writeRequests(), count: 0 };
        if (inject) {
          for (const fault of faults) totals.faults[String(fault)] = (totals.faults[String(fault)] ?? 0) + 1;
          shim.failNext(faults);
          pendingFaults.count = faults.length;
        }
      }
      // At least one outage per soak: the middle tick kills influxd when chance has not yet.
      const midway = index === Math.floor((ticks - 1) / 2) && totals.kills === 0;
      if (influxDown === 0 && (kill || midway)) {
        await influxd.kill();
        totals.kills++;
        influxDown = downFor;
      }
      await runTick(index, false);
      ran++;
      if (influxDown > 0 && --influxDown === 0) await influxd.restart();
      gc();
      gc();
      heap.push(process.memoryUsage().heapUsed);
    }

    // The final clean tick: influxd up, no fault left in the shim's queue, healthy targets only.
    if (influxDown > 0) {
      await influxd.restart();
      influxDown = 0;
    }
    while (pendingFaults.count > 0 && writeRequests() - pendingFaults.since < pendingFaults.count) {
      // A write of another measurement uses up a queued fault without touching what is counted.
      await fetch(`${shim.url}/api/v2/write?org=soak&bucket=${DATABASE}&precision=s`, {
        method: 'POST',
        body: 'soak_drain v=1i',
        signal: AbortSignal.timeout(1_500),
      }).then(
        (response) => response.arrayBuffer(),
        () => undefined,
      );
    }
    const final = await runTick(ticks - 1, true);
    ran++;
    gc();
    gc();
    heap.push(process.memoryUsage().heapUsed);

    // The checks.
    if (final.unwritten.length > 0)
      violations.push(`the final clean tick left ${final.unwritten.length} batch(es) unwritten`);
    if (final.replay.remaining > 0)
      violations.push(`the final clean tick left ${final.replay.remaining} batch(es) to replay`);
    if (totals.lost > 0) violations.push(`${totals.lost} batch(es) were neither written nor spilled`);
    if (totals.rejected > 0) violations.push(`InfluxDB refused ${totals.rejected} line(s)`);

    const leftovers = (await readdir(spillDir).catch(() => [] as string[])).filter((name) =>
      name.endsWith('.lp.gz'),
    );
    if (leftovers.length > 0)
      violations.push(`${leftovers.length} spill file(s) remain: ${leftovers.slice(0, 3).join(', ')}`);

    const rows = await influxd.rows(`SELECT "live", "target" FROM "concurrency"`, DATABASE);
    const stored = new Map(rows.map((row) => [`${row.target}@${row.time}`, row.live as number]));
    if (stored.size !== rows.length)
      violations.push(`InfluxDB holds ${rows.length - stored.size} duplicate point(s)`);
    if (rows.length !== totals.okSamples) {
      violations.push(
        `InfluxDB holds ${rows.length} concurrency point(s) for ${totals.okSamples} successful sample(s)`,
      );
    }
    const missing = [...expected.keys()].filter((key) => !stored.has(key));
    const extra = [...stored.keys()].filter((key) => !expected.has(key));
    const wrong = [...expected].filter(([key, live]) => stored.has(key) && stored.get(key) !== live);
    if (missing.length > 0)
      violations.push(`${missing.length} sample(s) missing, e.g. ${missing.slice(0, 3).join(', ')}`);
    if (extra.length > 0)
      violations.push(`${extra.length} unexpected point(s), e.g. ${extra.slice(0, 3).join(', ')}`);
    if (wrong.length > 0)
      violations.push(`${wrong.length} point(s) with another live value, e.g. ${wrong[0]?.[0]}`);
    const [runs] = await influxd.rows(`SELECT count("up") AS n FROM "collector_run"`, DATABASE);
    if (Number(runs?.n ?? 0) !== totals.samples) {
      violations.push(
        `InfluxDB holds ${runs?.n ?? 0} collector_run point(s) for ${totals.samples} sample(s)`,
      );
    }

    const third = Math.max(1, Math.floor(heap.length / 3));
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    const heapFirst = mean(heap.slice(0, third));
    const heapLast = mean(heap.slice(-third));
    if (heapLast > heapFirst * HEAP_GROWTH_RATIO && heapLast - heapFirst > HEAP_GROWTH_BYTES) {
      violations.push(`heap grew from ${(heapFirst / MB).toFixed(1)} MB to ${(heapLast / MB).toFixed(1)} MB`);
    }

    const faults = Object.values(totals.faults).reduce((sum, count) => sum + count, 0);
    const faultList = Object.entries(totals.faults)
      .map(([kind, count]) => `${kind}:${count}`)
      .join(',');
    for (const violation of violations) out(`violation: ${violation}`);
    out(
      `soak: ${violations.length === 0 ? 'ok' : 'FAIL'} ticks=${ran}/${ticks} samples=${totals.samples} ` +
        `ok_samples=${totals.okSamples} points=${rows.length} faults=${faults} (${faultList}) ` +
        `influxd_kills=${totals.kills} spilled=${totals.spilled} replayed=${totals.replayed} ` +
        `heap_first=${(heapFirst / MB).toFixed(1)}MB heap_last=${(heapLast / MB).toFixed(1)}MB ` +
        `seed=${seed} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
    );
    return violations.length === 0 ? 0 : 1;
  } catch (error) {
    out(
      `soak: FAIL ${error instanceof Error ? (error.stack ?? error.message) : String(error)} (seed ${seed})`,
    );
    return 1;
  } finally {
    clearTimeout(cap);
    await shim?.close().catch(() => {});
    await simulator?.close().catch(() => {});
    await influxd?.stop().catch(() => {});
    dir.cleanup();
  }
}

process.exitCode = await main();

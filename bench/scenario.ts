/**
 * One scenario in its own process: `node scenario.mjs '<ScenarioSpec as JSON>'` prints one line of JSON, a
 * `ScenarioResult`. The orchestrator bundles this file with esbuild and runs it with plain `node`, as Lambda runs
 * the handler's bundle, so that the peak RSS is the collector's and not a TypeScript loader's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../functions/config/load.js';
import type { Config } from '../functions/config/schema.js';
import { openInfluxWriter } from '../functions/influx/open.js';
import { InfluxWriter, type PointSink, type WriteOptions } from '../functions/influx/writer.js';
import { toLines } from '../functions/points/build.js';
import { collect, limitsOf } from '../functions/run/collect.js';
import { keepCompiledCodeAcrossIdleGaps } from '../functions/runtime/idle-gaps.js';
import { sampleWorstCaseMs, writeReserveMs } from '../functions/schedule/budget.js';
import { planOnce } from '../functions/schedule/plan.js';
import { FileSecretSource } from '../functions/secrets/file.js';
import { RunSecrets } from '../functions/secrets/run-secrets.js';
import type { SecretSource } from '../functions/secrets/source.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from '../simulator/config.js';
import { memoryLog } from '../test/support/run.js';
import { readArgument } from './argument.js';
import { naivePoll } from './naive.js';
import type {
  CollectorResult,
  CollectorSpec,
  NaiveResult,
  NaiveSpec,
  ProcessFigures,
  RoundOutcome,
  RoundsResult,
  RoundsSpec,
  ScenarioResult,
  ScenarioSpec,
  TickFigures,
  WriteResult,
  WriteSpec,
} from './spec.js';
import { median } from './stats.js';
import { benchConfig, projectId, targetName, tickPoints } from './targets.js';
import { assertWarmBefore } from './warm-up.js';

/** Generous: a run is measured, never cut short (the CLI's `--once` keeps the same kind of margin). */
const RUN_DEADLINE_MS = 120_000;

/** Measures wall time, CPU time and peak RSS of `work`; RSS is the process's peak so far, hence one scenario each. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; figures: ProcessFigures }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  // maxRSS is in KiB; the bench counts MB as 10^6 bytes throughout.
  const peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1e6;
  return { value, figures: { wallMs, cpuMs: (used.user + used.system) / 1000, peakRssMb } };
}

/** A sink that times its writes and keeps the last batch, to post the same lines raw afterwards. */
class TimedSink implements PointSink {
  readonly description: string;
  writeMs = 0;
  last: readonly string[] = [];

  constructor(private readonly inner: PointSink) {
    this.description = inner.description;
  }

  async write(lines: readonly string[], options?: WriteOptions): Promise<void> {
    const started = performance.now();
    try {
      await this.inner.write(lines, options);
    } finally {
      this.writeMs += performance.now() - started;
      this.last = lines;
    }
  }
}

async function postRaw(influxUrl: string, database: string, body: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(
    `${influxUrl}/write?${new URLSearchParams({ db: database, precision: 's' })}`,
    {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
    },
  );
  const text = await response.text();
  if (response.status !== 204)
    throw new Error(`raw write answered ${response.status}: ${text.slice(0, 200)}`);
  return performance.now() - started;
}

/** One tick as the handler runs it per invocation: open the writer, sample every target once, write one batch. */
async function tick(
  config: Config,
  source: SecretSource,
): Promise<{ figures: TickFigures; sink: TimedSink }> {
  let sink: TimedSink | undefined;
  const { value: summary, figures } = await measured(async () => {
    const now = Date.now();
    const secrets = new RunSecrets(source);
    sink = new TimedSink(await openInfluxWriter(config, secrets));
    return collect(
      {
        samples: planOnce(config.targets, now),
        waitForSchedule: false,
        stopSamplingAt: now + RUN_DEADLINE_MS,
        finishBy: now + 2 * RUN_DEADLINE_MS,
      },
      { secrets, sink, log: memoryLog(), ...limitsOf(config) },
    );
  });
  const written = sink as TimedSink;
  return {
    sink: written,
    figures: {
      ...figures,
      samples: summary.records.length,
      failed: summary.records.filter((record) => record.outcome !== 'ok').length,
      pointsWritten: summary.pointsWritten,
      writeMs: written.writeMs,
    },
  };
}

async function collectorScenario(spec: CollectorSpec): Promise<CollectorResult> {
  // As the handler's module does when Lambda loads it.
  keepCompiledCodeAcrossIdleGaps();
  const source = await FileSecretSource.load(spec.secretsFile);
  const [firstUrl, ...warmUrls] = spec.simulatorUrls;
  if (firstUrl === undefined || warmUrls.length < spec.warmRuns)
    throw new Error('one simulator per run needed');
  // A config per simulator, parsed before the runs: the handler parses its config once per process.
  const configs = [firstUrl, ...warmUrls.slice(0, spec.warmRuns)].map((simulatorUrl) =>
    benchConfig({ ...spec, simulatorUrl }),
  );
  const runs: Awaited<ReturnType<typeof tick>>[] = [];
  for (const config of configs) runs.push(await tick(config, source));
  const [first, ...warm] = runs as [Awaited<ReturnType<typeof tick>>, ...Awaited<ReturnType<typeof tick>>[]];
  const byWall = [...warm].sort((a, b) => a.figures.wallMs - b.figures.wallMs);
  const typical = byWall[Math.floor((byWall.length - 1) / 2)] ?? first;
  const last = runs.at(-1) ?? first;
  const body = typical.sink.last.join('\n');
  const raw: number[] = [];
  for (let index = 0; index < 3; index++) raw.push(await postRaw(spec.influxUrl, spec.database, body));
  return {
    kind: 'collector',
    first: first.figures,
    warm: { ...typical.figures, peakRssMb: last.figures.peakRssMb },
    warmWallMs: warm.map((run) => run.figures.wallMs),
    rawWriteMs: median(raw),
  };
}

async function naiveScenario(spec: NaiveSpec): Promise<NaiveResult> {
  const targets = Array.from({ length: spec.targets }, (_, index) => ({
    name: targetName(index),
    projectId: projectId(index),
  }));
  const options = {
    userId: DEFAULT_SIMULATOR_CREDENTIALS.streampixel.userId,
    influxUrl: spec.influxUrl,
    database: spec.database,
    atSeconds: Math.floor(Date.now() / 60_000) * 60,
  };
  const [warmUpUrl, timedUrl] = spec.simulatorUrls;
  if (warmUpUrl === undefined || timedUrl === undefined) throw new Error('two simulators needed');
  // Warmed up like the collector's warm runs (code loaded and compiled), then timed on fresh connections.
  await naivePoll(targets.slice(0, 10), { ...options, baseUrl: warmUpUrl });
  const { value: failed, figures } = await measured(() =>
    naivePoll(targets, { ...options, baseUrl: timedUrl }),
  );
  return { kind: 'naive', ...figures, samples: spec.targets, failed };
}

async function writeScenario(spec: WriteSpec): Promise<WriteResult> {
  const config = benchConfig({
    ...spec,
    simulatorUrl: spec.simulatorUrls[0] ?? '',
    targets: spec.points / 2,
    concurrency: 16,
  });
  // Every batch its own minute, as consecutive ticks: overwriting the same points again and again would
  // measure InfluxDB's cache rather than its ingest. Built one at a time, outside the timed part.
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const linesOf = (index: number): string[] => toLines(tickPoints(config, minute - index * 60_000));
  const writer = new InfluxWriter(config.influx, {}, { maxAttempts: 1 });
  const writerTimes: number[] = [];
  const rawTimes: number[] = [];
  const linesTimes: number[] = [];
  const { figures } = await measured(async () => {
    const timedWrite = async (index: number): Promise<number> => {
      const lines = linesOf(index);
      const started = performance.now();
      await writer.write(lines);
      return performance.now() - started;
    };
    // One untimed batch each: the first request of a process pays for its connection and for JIT warm-up.
    await timedWrite(0);
    await postRaw(spec.influxUrl, spec.database, linesOf(1).join('\n'));
    for (let round = 1; round <= spec.repeats; round++) {
      const [mine, raw] = [2 * round, 2 * round + 1];
      const body = linesOf(raw).join('\n');
      // Alternating which goes first, so that InfluxDB's background work (WAL, compactions) hurts both alike.
      if (round % 2 === 0) rawTimes.push(await postRaw(spec.influxUrl, spec.database, body));
      writerTimes.push(await timedWrite(mine));
      if (round % 2 === 1) rawTimes.push(await postRaw(spec.influxUrl, spec.database, body));
      const points = tickPoints(config, minute - mine * 60_000);
      const started = performance.now();
      toLines(points);
      linesTimes.push(performance.now() - started);
    }
  });
  return {
    kind: 'write',
    ...figures,
    points: spec.points,
    writerMs: median(writerTimes),
    rawMs: median(rawTimes),
    linesMs: median(linesTimes),
    bodyBytes: Buffer.byteLength(linesOf(0).join('\n')),
  };
}

/** A peer round's config, and how long its sampling may take at worst. */
interface RoundPlan {
  config: Config;
  samplingMs: number;
}

/** The peer's rounds: each started at its time, as the CLI's loop starts its runs, none waiting for the one before. */
async function roundsScenario(spec: RoundsSpec): Promise<RoundsResult> {
  // As the CLI's loop does before its first run.
  keepCompiledCodeAcrossIdleGaps();
  const source = await FileSecretSource.load(spec.secretsFile);
  const planOf = (targets: object[]): RoundPlan => {
    const config = parseConfig({
      influx: { url: spec.influxUrl, apiVersion: 1, database: spec.database },
      concurrency: spec.concurrency,
      maxInFlightPerAccount: spec.concurrency,
      targets,
    });
    const samplingMs = Math.max(
      ...config.targets.map((target) => sampleWorstCaseMs(target, config.maxAttempts)),
    );
    return { config, samplingMs };
  };
  const measured = planOf(spec.targets);
  const warmUp = planOf(spec.warmUp.targets);
  // One writer for the process, a secrets memo per round: as the CLI's loop (`collectForever`) has them.
  const sink = await openInfluxWriter(measured.config, new RunSecrets(source));
  const round = async ({ config, samplingMs }: RoundPlan, startAt: number): Promise<RoundOutcome> => {
    const now = Date.now();
    // The bench plays the scheduler: each round is stamped with the second it starts in, so that rounds 2 s
    // apart of the same one-minute targets land as points of their own.
    const at = Math.floor(startAt / 1000) * 1000;
    const summary = await collect(
      {
        samples: config.targets.map((target) => ({ target, at })),
        waitForSchedule: false,
        stopSamplingAt: now + samplingMs,
        finishBy: now + samplingMs + writeReserveMs(config),
      },
      { secrets: new RunSecrets(source), sink, log: memoryLog(), ...limitsOf(config) },
    );
    return {
      samples: summary.records.length,
      failed: summary.records.filter((record) => record.outcome !== 'ok').length,
      pointsWritten: summary.pointsWritten,
    };
  };
  for (let index = 0; index < spec.warmUp.rounds; index++) {
    const { failed } = await round(warmUp, Date.now());
    // A failing warm-up warms the failure path, not the one measured.
    if (failed > 0) throw new Error(`warm-up round ${index + 1}: ${failed} sample(s) failed`);
  }
  assertWarmBefore(spec.startAt[0]);
  const running: Promise<RoundOutcome>[] = [];
  for (const startAt of spec.startAt) {
    await sleep(Math.max(0, startAt - Date.now()));
    running.push(round(measured, startAt));
  }
  const rounds = await Promise.all(running);
  await sleep(Math.max(0, spec.lingerUntil - Date.now()));
  return { kind: 'rounds', rounds };
}

function run(spec: ScenarioSpec): Promise<ScenarioResult> {
  switch (spec.kind) {
    case 'rounds':
      return roundsScenario(spec);
    case 'collector':
      return collectorScenario(spec);
    case 'naive':
      return naiveScenario(spec);
    case 'write':
      return writeScenario(spec);
  }
}

const spec = readArgument<ScenarioSpec>(process.argv[2]);
process.stdout.write(`${JSON.stringify(await run(spec))}\n`);

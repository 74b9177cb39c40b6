/**
 * The peer comparison: Debian's collectd (`curl_json`, values sent to InfluxDB's collectd listener) and the
 * collector (the CLI's run, and the deployed handler bundle) poll the same simulator in rounds, one interval
 * apart, into the same influxd. The orchestrator watches both from outside in the same way: when each round's
 * values are queryable, and the process's CPU time and peak RSS through `/proc`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Influxd } from '../devtools/influxd.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from '../simulator/config.js';
import type { Simulator } from '../simulator/server.js';
import { startCollectd } from './collectd.js';
import { LAMBDA_LIKE_ENV } from './handler-bundle.js';
import { type ProcFigures, procFigures } from './proc.js';
import type { InvokeSpec, RoundsSpec } from './spec.js';
import { median } from './stats.js';
import { benchTargets, projectId, targetName } from './targets.js';

/** Which program ran a peer row. */
export type PeerTool = 'collectd' | 'cli' | 'handler';

/** One tool on one size: its rounds after the ones left out (see `leftOutRounds`). */
export interface PeerRow {
  tool: PeerTool;
  targets: number;
  /** One of the targets accepts the request and does not answer for longer than the timeout. */
  hanging: boolean;
  /**
   * Per measured round: ms from the round's first request (as the simulator saw it) until every healthy sample
   * of the round was queryable in InfluxDB. collectd at its default flush: its `network` plugin sends a packet
   * when it is full, so a round's last values wait for the next round's.
   */
  completeMs: number[];
  /**
   * Healthy samples seen queryable, against those polled (every round): the most of each round seen while it was
   * watched or after the run (the handler's rounds overwrite the same points, see `measureCollector`).
   */
  landed: number;
  expected: number;
  /** CPU time over the measured rounds' intervals per 1000 samples polled, in ms. */
  cpuMsPer1000: number;
  /** Where the CPU time was read (see `ProcFigures.source`). */
  cpuSource: ProcFigures['source'];
  peakRssMb: number;
}

export interface PeerResults {
  intervalMs: number;
  rounds: number;
  /** Samples each collector process took before its rounds. */
  warmUpSamples: number;
  /** The collector's per-request timeout and collectd's `Timeout`, in ms. */
  timeoutMs: number;
  /** How long InfluxDB's collectd listener buffers points before it writes them. */
  listenerBatchTimeout: string;
  rows: PeerRow[];
}

export const PEER_DATABASES = {
  cli: 'peer_cli',
  handler: 'peer_handler',
  collectd: 'peer_collectd',
} as const;
/**
 * InfluxDB's collectd listener writes what it got every 0.1 s rather than at its default 10 s: the collector
 * writes straight to InfluxDB, so the listener's buffering must not count against collectd.
 */
export const LISTENER_BATCH_TIMEOUT = '100ms';

export interface PeerBench {
  simulator: Simulator;
  latencyMs: number;
  influxd: Influxd;
  /** Secrets file for the CLI's run; the handler reads the same secrets from the Secrets Manager stand-in. */
  secretsFile: string;
  secretsManagerUrl: string;
  scenario: string;
  invoke: string;
  handlerBundle: string;
  work: string;
  quick: boolean;
  /** Rounds per row, those left out included; more give a steadier CPU figure. */
  rounds?: number;
  progress: (message: string) => void;
  /** Where each collector process leaves a `--cpu-prof` profile (`peer-<tool>-<targets>.cpuprofile`). */
  profileDir?: string;
}

/** Rounds one interval apart; 2 s leaves room for 500 targets at 32 in flight and 50 ms latency. */
const INTERVAL_MS = 2_000;
/** Concurrency of both: the collector's default, and collectd's `ReadThreads`. */
const IN_FLIGHT = 32;
/** The collector's default per-request timeout; collectd gets the same. */
const TIMEOUT_MS = 10_000;
/** Between two looks at InfluxDB and at the clock. */
const POLL_MS = 20;
/** The hanging target: the simulator's `err-slow` answers after 30 s. */
const HANGING_PROJECT = 'err-slow';
/** A round not complete this long after its start counts as never complete. */
const ROUND_GIVE_UP_MS = 25_000;
/**
 * The handler stamps a one-minute target with its minute and records a sample `missed` once that minute has
 * passed: all of its rounds run within one minute, in its first 25 s (12 rounds 2 s apart, with time to spare).
 */
const HANDLER_WINDOW_MS = 25_000;

/**
 * Samples a collector process takes before its rounds: V8 optimises a function once it has been called often
 * enough, so a process is warm after a number of samples, whatever the number of targets. In-process, against the
 * simulator, rounds 11–30 of 100 targets still spent 128 ms compiling (TurboFan, on threads of its own) and cost
 * 2.1× the CPU per sample of rounds 101–120; after 4,000 samples, 6 ms. A poller that runs for months pays this
 * once (about 0.2 s of CPU); the cold start has its own section. collectd, compiled ahead of time, has none.
 */
const WARM_UP_SAMPLES = 4_000;

/** The warm-up's rounds of `size` targets, and the time allowed for them (50 % over the physical limit). */
function warmUpOf(size: number, latencyMs: number): { rounds: number; allowanceMs: number } {
  const rounds = Math.ceil(WARM_UP_SAMPLES / size);
  const roundMs = Math.ceil(size / IN_FLIGHT) * latencyMs * 1.5 + 100;
  return { rounds, allowanceMs: 3_000 + rounds * roundMs };
}

/**
 * Rounds left out of the figures at the start of a row, after the collector's warm-up: a fresh process still sizes
 * its heap, and V8's memory reducer runs its full collections some 8 s after the heap last grew. collectd gets the
 * same.
 */
export function leftOutRounds(rounds: number): number {
  return Math.max(1, Math.floor(rounds * 0.4));
}

/** Target indices not used yet in this bench: every row, and every warm-up, has series of its own. */
let nextIndex = 900_000;

const instant = (ms: number): string => `${Math.round(ms)}ms`;

/** What a collector polls each round: its targets as a config holds them, its tag, and its healthy projects. */
interface Round {
  /** The `round` tag of its points: its first target's index, unique in the bench. */
  tag: string;
  targets: { name: string; projectId: string }[];
  healthyProjects: Set<string>;
}

function roundOf(bench: PeerBench, size: number, hanging: boolean): Round {
  const from = nextIndex;
  nextIndex += size;
  const tag = String(from);
  const targets = benchTargets(from, size, bench.simulator.url).map((target, index) => ({
    ...(target as { name: string; projectId: string }),
    tags: { round: tag },
    ...(hanging && index === size - 1
      ? { name: `${targetName(from + index)}-hang`, projectId: HANGING_PROJECT }
      : {}),
  }));
  const healthyProjects = new Set(
    targets.map((target) => target.projectId).filter((id) => id !== HANGING_PROJECT),
  );
  return { tag, targets, healthyProjects };
}

/** A child process of the bench. */
interface Watched {
  pid: number;
  exited: Promise<{ code: number | null; output: string }>;
  kill(): void;
}

/** Runs a bundled bench entry with its argument in a file (`@file`): rounds of 500 targets exceed one argument. */
async function spawnNode(
  script: string,
  argument: unknown,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[],
  work: string,
): Promise<Watched> {
  const file = join(work, `argument-${nextIndex}.json`);
  await writeFile(file, JSON.stringify(argument));
  const child = spawn(process.execPath, [...nodeArgs, script, `@${file}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  if (child.pid === undefined) throw new Error(`${script} did not start`);
  return {
    pid: child.pid,
    exited: new Promise((resolve) => child.once('close', (code) => resolve({ code, output }))),
    kill: () => child.kill('SIGKILL'),
  };
}

/** How a run's rounds are told apart in InfluxDB: a count of healthy samples per round. */
type RoundCount = (round: number) => Promise<number>;

interface Watch {
  pid: number;
  /** Epoch ms of the first round's first request; resolved once known. */
  firstStart: () => Promise<number>;
  count: RoundCount;
  expectedPerRound: number;
}

/** When each round landed (NaN: never), and the process's figures before and after the rounds. */
interface RoundTimes {
  landed: number[];
  cpu: [ProcFigures, ProcFigures];
}

/**
 * Looks at InfluxDB every 20 ms until every round landed (or gave up: NaN, which fails the budgets), and at the process's
 * CPU time half an interval after the last round left out began and half an interval after the last round began.
 */
async function watchRounds(watch: Watch, rounds: number): Promise<RoundTimes> {
  const leftOut = leftOutRounds(rounds);
  const start = await watch.firstStart();
  const from = start + (leftOut - 0.5) * INTERVAL_MS;
  const to = start + (rounds - 0.5) * INTERVAL_MS;
  let before: ProcFigures | undefined;
  let after: ProcFigures | undefined;
  const landed = Array.from({ length: rounds }, () => Number.NaN);
  const giveUpAt = start + (rounds - 1) * INTERVAL_MS + ROUND_GIVE_UP_MS;
  while (Date.now() < giveUpAt) {
    const now = Date.now();
    if (before === undefined && now >= from) before = await procFigures(watch.pid);
    if (after === undefined && now >= to) after = await procFigures(watch.pid);
    for (let round = 0; round < rounds; round++) {
      if (!Number.isNaN(landed[round]) || now < start + round * INTERVAL_MS) continue;
      if ((await watch.count(round)) >= watch.expectedPerRound) landed[round] = Date.now();
    }
    if (after && landed.every((time) => !Number.isNaN(time))) break;
    await sleep(POLL_MS);
  }
  if (!before || !after) throw new Error('the watched process ended before its rounds were measured');
  return { landed, cpu: [before, after] };
}

/** The row's figures from what the watch saw: rounds after the first, their complete times, CPU per sample. */
function rowOf(
  tool: PeerTool,
  targets: number,
  hanging: boolean,
  starts: number[],
  watched: RoundTimes,
  landed: number,
): PeerRow {
  const rounds = starts.length;
  const leftOut = leftOutRounds(rounds);
  const complete = (times: number[]): number[] =>
    times.slice(leftOut).map((time, index) => time - (starts[index + leftOut] as number));
  const [before, after] = watched.cpu;
  if (before.source !== after.source)
    throw new Error(`${tool}: CPU time read from ${before.source}, then ${after.source}`);
  return {
    tool,
    targets,
    hanging,
    completeMs: complete(watched.landed),
    landed,
    expected: rounds * (hanging ? targets - 1 : targets),
    cpuMsPer1000: ((after.cpuMs - before.cpuMs) / ((rounds - leftOut) * targets)) * 1000,
    cpuSource: after.source,
    peakRssMb: after.peakRssMb,
  };
}

/**
 * When round `round` (from 0) of `projects` began, as the simulator saw it: the earliest of every project's
 * `round`-th answer since `since`, less its latency. Infinity while there is none.
 */
function nthRequest(bench: PeerBench, projects: ReadonlySet<string>, since: number, round: number): number {
  const seen = new Map<string, number>();
  let first = Infinity;
  for (const served of bench.simulator.served) {
    if (served.at < since || !projects.has(served.project)) continue;
    const nth = seen.get(served.project) ?? 0;
    seen.set(served.project, nth + 1);
    if (nth === round) first = Math.min(first, served.at);
  }
  return first - bench.latencyMs;
}

/** One collector row: its rounds in a fresh process (the CLI's run, or the handler bundle invoked per round). */
export async function measureCollector(
  bench: PeerBench,
  tool: 'cli' | 'handler',
  size: number,
  hanging: boolean,
  rounds: number,
): Promise<PeerRow> {
  // Both poll the same targets every round, as collectd polls the same URLs and a warm function the same shard
  // every minute. The CLI's rounds are told apart by their points' time (the second each begins in); the
  // handler stamps a one-minute target with its minute, so its rounds write the same points, each over the one
  // before, and are told apart by their samples' `lateness_ms` (see `count`).
  const round = roundOf(bench, size, hanging);
  const warm = roundOf(bench, hanging ? size - 1 : size, false);
  const warmUp = warmUpOf(size, bench.latencyMs);
  let startAt = Date.now() + warmUp.allowanceMs;
  if (tool === 'handler') {
    // The whole run within the first seconds of one minute (see HANDLER_WINDOW_MS).
    const intoMinute = (startAt + 500) % 60_000;
    if (intoMinute + rounds * INTERVAL_MS > HANDLER_WINDOW_MS) startAt += 60_000 - intoMinute + 500;
  }
  const startTimes = Array.from({ length: rounds }, (_, index) => startAt + index * INTERVAL_MS);
  // The process lives on past the CPU time's second reading, taken half an interval after the last round began.
  const lingerUntil = startAt + rounds * INTERVAL_MS;
  const database = PEER_DATABASES[tool];
  const profiling = bench.profileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${bench.profileDir}`,
        `--cpu-prof-name=peer-${tool}-${size}${hanging ? '-hanging' : ''}.cpuprofile`,
      ]
    : [];
  let child: Watched;
  if (tool === 'cli') {
    const spec: RoundsSpec = {
      kind: 'rounds',
      influxUrl: bench.influxd.url,
      secretsFile: bench.secretsFile,
      database,
      concurrency: IN_FLIGHT,
      targets: round.targets,
      startAt: startTimes,
      lingerUntil,
      warmUp: { targets: warm.targets, rounds: warmUp.rounds },
    };
    child = await spawnNode(bench.scenario, spec, process.env, profiling, bench.work);
  } else {
    const configFile = join(bench.work, `peer-handler-${size}.json`);
    await writeFile(
      configFile,
      JSON.stringify({
        influx: { url: bench.influxd.url, apiVersion: 1, database },
        concurrency: IN_FLIGHT,
        maxInFlightPerAccount: IN_FLIGHT,
        targets: [...warm.targets, ...round.targets],
      }),
    );
    const spec: InvokeSpec = {
      bundle: bench.handlerBundle,
      groups: startTimes.map(() => round.targets.map((target) => target.name)),
      timeoutMs: 120_000,
      startAt: startTimes,
      lingerUntil,
      warmUp: { targets: warm.targets.map((target) => target.name), rounds: warmUp.rounds },
    };
    child = await spawnNode(
      bench.invoke,
      spec,
      {
        PATH: process.env.PATH ?? '',
        ...LAMBDA_LIKE_ENV,
        COLLECTOR_CONFIG_PATH: configFile,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: bench.secretsManagerUrl,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
      },
      profiling,
      bench.work,
    );
  }
  const healthy = hanging ? size - 1 : size;
  const countOf = async (query: string): Promise<number> => {
    const [row] = await bench.influxd.rows(query, database);
    return Number(row?.count ?? 0);
  };
  const seen = startTimes.map(() => 0);
  const count: RoundCount = async (index) => {
    const startedAt = startTimes[index] as number;
    let landed: number;
    if (tool === 'cli') {
      // A run stamps its points with the second it began in: rounds 2 s apart fall in different seconds.
      const second = Math.floor(startedAt / 1000) * 1000;
      landed = await countOf(
        `SELECT count("live") FROM "concurrency" WHERE "round" = '${round.tag}' AND "target" !~ /-hang$/` +
          ` AND time >= ${instant(second)} AND time < ${instant(second + 1000)}`,
      );
    } else {
      // Every round's samples are stamped with the minute and start within its interval: their lateness says
      // which round took them. The bounds sit 20 ms early, as a timer may fire a little before `Date.now()`
      // says it is due; the warm-up's last samples start a latency before the first round, earlier still.
      const minute = Math.floor(startedAt / 60_000) * 60_000;
      const from = startedAt - minute - 20;
      landed = await countOf(
        `SELECT count("up") FROM "collector_run" WHERE "outcome" = 'ok' AND "target" !~ /-hang$/` +
          ` AND "lateness_ms" >= ${from} AND "lateness_ms" < ${from + INTERVAL_MS}` +
          ` AND time >= ${instant(minute)} AND time < ${instant(minute + 1000)}`,
      );
    }
    seen[index] = Math.max(seen[index] as number, landed);
    return landed;
  };
  try {
    const watched = await watchRounds(
      {
        pid: child.pid,
        firstStart: async () => startTimes[0] as number,
        count,
        expectedPerRound: healthy,
      },
      rounds,
    );
    const timeout = setTimeout(child.kill, 90_000);
    const { code, output } = await child.exited;
    clearTimeout(timeout);
    if (code !== 0)
      throw new Error(`the collector's ${tool} run exited with ${code}: ${output.slice(-1_500)}`);
    const starts = startTimes.map((time) => nthRequest(bench, round.healthyProjects, time, 0));
    let landed = 0;
    for (let index = 0; index < rounds; index++) {
      await count(index);
      landed += seen[index] as number;
    }
    return rowOf(tool, size, hanging, starts, watched, landed);
  } finally {
    child.kill();
  }
}

async function measureCollectd(
  bench: PeerBench,
  size: number,
  hanging: boolean,
  rounds: number,
): Promise<PeerRow> {
  const from = nextIndex;
  nextIndex += size;
  const { userId } = DEFAULT_SIMULATOR_CREDENTIALS.streampixel;
  const urls = Array.from({ length: size }, (_, index) => {
    const hangs = hanging && index === size - 1;
    const project = hangs ? HANGING_PROJECT : projectId(from + index);
    return {
      url: `${bench.simulator.url}/pixelStripeApi/projects/liveStats/${project}?userId=${userId}`,
      instance: hangs ? 'hang' : targetName(from + index),
    };
  });
  const projects = new Set(
    Array.from({ length: hanging ? size - 1 : size }, (_, index) => projectId(from + index)),
  );
  const dir = await mkdtemp(join(bench.work, 'collectd-'));
  const since = Date.now();
  const collectd = await startCollectd({
    dir,
    intervalS: INTERVAL_MS / 1000,
    readThreads: IN_FLIGHT,
    timeoutMs: TIMEOUT_MS,
    serverPorts: bench.influxd.collectdPorts,
    urls,
  });
  const healthy = hanging ? size - 1 : size;
  let first = Infinity;
  const firstStart = async (): Promise<number> => {
    while (!Number.isFinite(first)) {
      if (Date.now() - since > 15_000) throw new Error('collectd polled nothing within 15 s');
      first = nthRequest(bench, projects, since, 0);
      await sleep(POLL_MS);
    }
    return first;
  };
  // collectd polls each URL once an interval, but not all at the same moment: a URL's n-th value is round n's.
  const count: RoundCount = async (round) => {
    const result = await bench.influxd.query(
      `SELECT count("value") FROM "curl_json_value" WHERE "type_instance" = 'liveUser' AND "instance" != 'hang' ` +
        `AND time >= ${instant(since)} GROUP BY "instance"`,
      PEER_DATABASES.collectd,
    );
    const series = result[0]?.series ?? [];
    return series.filter((one) => Number(one.values[0]?.[1] ?? 0) > round).length;
  };
  try {
    const watched = await watchRounds(
      { pid: collectd.pid, firstStart, count, expectedPerRound: healthy },
      rounds,
    );
    const starts = Array.from({ length: rounds }, (_, round) => nthRequest(bench, projects, since, round));
    let landed = 0;
    for (let round = 0; round < rounds; round++) landed += await count(round);
    return rowOf('collectd', size, hanging, starts, watched, landed);
  } finally {
    await collectd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every peer row: collectd, the CLI's run and the handler at each size, then collectd and the CLI with one hanging. */
export async function measurePeer(bench: PeerBench): Promise<PeerResults> {
  const sizes = bench.quick ? [100] : [100, 500];
  const rounds = bench.rounds ?? (bench.quick ? 5 : 10);
  const rows: PeerRow[] = [];
  const report = (row: PeerRow): void => {
    rows.push(row);
    bench.progress(
      `peer ${row.tool} ${row.targets} targets${row.hanging ? ', one hanging' : ''}: complete ${Math.round(median(row.completeMs))} ms, ` +
        `${Math.round(row.cpuMsPer1000)} CPU ms per 1000 samples, peak RSS ${Math.round(row.peakRssMb)} MB, ${row.landed}/${row.expected} landed`,
    );
  };
  for (const size of sizes) {
    report(await measureCollectd(bench, size, false, rounds));
    report(await measureCollector(bench, 'cli', size, false, rounds));
    report(await measureCollector(bench, 'handler', size, false, rounds));
  }
  const hangingSize = sizes[0] as number;
  report(await measureCollectd(bench, hangingSize, true, rounds));
  report(await measureCollector(bench, 'cli', hangingSize, true, rounds));
  return {
    intervalMs: INTERVAL_MS,
    rounds,
    warmUpSamples: WARM_UP_SAMPLES,
    timeoutMs: TIMEOUT_MS,
    listenerBatchTimeout: LISTENER_BATCH_TIMEOUT,
    rows,
  };
}

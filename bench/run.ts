/**
 * `npm run bench`: a tick of the collector against its physical limit and against a naive poller, the deployed
 * handler's tick, the writer against a raw post, the handler's bundle and cold import, and what that costs on
 * Lambda. Loopback only: simulators (with a fixed latency per response), a throw-away `influxd` and a Secrets
 * Manager stand-in. Prints Markdown tables and the budgets' verdicts, writes `bench/results.json`, and exits 1
 * when a budget is missed. The `peer` section runs Debian's collectd beside the collector (installing it when
 * missing and root, else skipping the section). `--quick` runs a smaller matrix (a smoke test of the bench itself); `--cpu-prof DIR`
 * leaves a CPU profile of every tick's process in DIR; `--latency-ms` changes the simulators' latency.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tempDir } from '../devtools/files.js';
import { type Influxd, startInfluxd } from '../devtools/influxd.js';
import { configSchema } from '../functions/config/schema.js';
import { type Simulator, simulatorSecrets, startSimulator } from '../simulator/server.js';
import { type SecretsManagerStandIn, startSecretsManager } from '../test/support/secrets-manager.js';
import { type BudgetCheck, checkBudgets, peerBudgets, reportBudgets } from './budgets.js';
import { bundleEntry, runNode } from './child.js';
import { COLLECTD_TYPES_DB, ensureCollectd } from './collectd.js';
import {
  type CostLine,
  DEFAULT_MEMORY_MB,
  interpolateTick,
  monthlyCost,
  PRICES,
  SMALL_MEMORY_MB,
  type TickCost,
} from './cost.js';
import { buildHandler, coldImport, LAMBDA_LIKE_ENV } from './handler-bundle.js';
import { LISTENER_BATCH_TIMEOUT, measurePeer, PEER_DATABASES, type PeerBench } from './peer.js';
import {
  budgetTable,
  coldTable,
  costTable,
  handlerTable,
  naiveTable,
  peerTable,
  reportBenchTable,
  tickTable,
  writeTable,
} from './report.js';
import type { ReportRun, ReportSpec } from './report-child.js';
import { REPORT_MONTH, reportTargets, seedReportMonth } from './report-month.js';
import type {
  BenchResults,
  HandlerProcess,
  HandlerRow,
  NaiveRow,
  ReportBench,
  TickRow,
  TickSetup,
} from './results.js';
import type {
  BenchServers,
  CollectorResult,
  CollectorSpec,
  InvokeResult,
  InvokeSpec,
  NaiveResult,
  NaiveSpec,
  WriteResult,
  WriteSpec,
} from './spec.js';
import { benchTargets, targetName } from './targets.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'latency-ms': { type: 'string', default: '50' },
    out: { type: 'string', default: join(projectRoot, 'bench', 'results.json') },
    'cpu-prof': { type: 'string' },
    only: { type: 'string' },
    'peer-rounds': { type: 'string' },
  },
});
/**
 * `--only report` or `--only peer`: one section alone, with its budgets (the report's seeding takes a while; the
 * peer's rounds are what a change to the run's CPU cost is measured by).
 */
const only = args.only;
if (only !== undefined && only !== 'report' && only !== 'peer')
  throw new Error('--only: the sections that run alone are "report" and "peer"');
/** `--peer-rounds N`: rounds per peer row (default 10, 5 with `--quick`; see `measurePeer`). */
const peerRounds = args['peer-rounds'] === undefined ? undefined : Number(args['peer-rounds']);
if (peerRounds !== undefined && !(Number.isInteger(peerRounds) && peerRounds >= 2 && peerRounds <= 12))
  throw new Error(
    "--peer-rounds: expected a whole number from 2 to 12 (the handler's rounds fit in a minute's first 25 s)",
  );
const latencyMs = Number(args['latency-ms']);
if (!Number.isFinite(latencyMs) || latencyMs <= 0)
  throw new Error('--latency-ms: expected a positive number of ms');
const quick = args.quick ?? false;
const outFile = args.out ?? join(projectRoot, 'bench', 'results.json');
/** Where each tick's process leaves a `--cpu-prof` profile, beside the scenario bundle (see profile-summary.ts). */
const profileDir = args['cpu-prof'] === undefined ? undefined : resolve(args['cpu-prof']);

/** The config's defaults, read from the schema so that the bench follows a change of default. */
const DEFAULT_CONCURRENCY = configSchema.shape.concurrency.parse(undefined);
const DEFAULT_PER_ACCOUNT = configSchema.shape.maxInFlightPerAccount.parse(undefined);
/** The highest `maxInFlightPerAccount` the schema accepts: the sweep's concurrencies stay within it. */
const MAX_PER_ACCOUNT = configSchema.shape.maxInFlightPerAccount.unwrap().maxValue ?? 64;
/** The stack's default shard size: the most targets one invocation polls. */
const DEFAULT_SHARD_SIZE = 200;

const TARGETS = quick ? [10, 100, 1_000] : [10, 100, DEFAULT_SHARD_SIZE, 1_000, 5_000];
// Four in flight is covered by the one-account ticks (the per-account cap's default).
const CONCURRENCIES = [...new Set([DEFAULT_CONCURRENCY, ...(quick ? [16, 64] : [16, 32, 64])])]
  .filter((concurrency) => concurrency <= MAX_PER_ACCOUNT)
  .sort((a, b) => a - b);
/** Ticks with every default, every target in one Streampixel account: the per-account cap binds. */
const ONE_ACCOUNT_TARGETS = quick ? [DEFAULT_SHARD_SIZE] : [DEFAULT_SHARD_SIZE, 1_000];
/** A scenario whose limit is longer than this is left out: the whole bench should stay within ~5 minutes. */
const MAX_LIMIT_MS = 20_000;
/** Warm runs of a scenario whose limit is under `REPEAT_BELOW_MS`; one above it (long ticks vary less). */
const MAX_WARM_RUNS = 3;
const REPEAT_BELOW_MS = 5_000;
/** Loopback addresses all route to `lo` on Linux: one simulator each gives every run its own origin. */
const SIMULATOR_HOSTS = Array.from({ length: 1 + MAX_WARM_RUNS }, (_, index) => `127.0.0.${index + 1}`);
/** The peer section's simulator: its log of answers tells each round's start, for collectd as for the collector. */
const PEER_SIMULATOR_HOST = `127.0.0.${SIMULATOR_HOSTS.length + 1}`;
const HANDLER_TARGETS = quick ? [DEFAULT_SHARD_SIZE] : [DEFAULT_SHARD_SIZE, 1_000];
/** The handler's targets in flight: the default concurrency, within what one account may be given. */
const HANDLER_PER_ACCOUNT = Math.min(DEFAULT_CONCURRENCY, MAX_PER_ACCOUNT);
/** The naive poller needs `targets × latency` at least: 5000 targets would take over four minutes alone. */
const NAIVE_TARGETS = quick ? [10, 100] : [10, 100, 1_000];
const WRITE_POINTS = 10_000;
const COLD_IMPORT_RUNS = quick ? 3 : 7;
/** The sub-minute and the one-minute interval of the cost table, in seconds. */
const COST_INTERVALS = [10, 60];
const COST_TARGETS = [10, 100, 1_000];

const DATABASES = {
  tick: 'bench_tick',
  handler: 'bench_handler',
  naive: 'bench_naive',
  write: 'bench_write',
  report: 'bench_report',
} as const;
/** Targets of the report bench: 20 at 10 s make about 5.4 M points in the month. */
const REPORT_TARGETS = quick ? 5 : 20;

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * The limit of a tick: every round of requests in flight waits one latency, then one write of the batch. One
 * account's targets have `min(concurrency, perAccount)` requests in flight at most.
 */
function tickLimitMs(targets: number, inFlight: number, latency: number, writeMs: number): number {
  return Math.ceil(targets / inFlight) * latency + writeMs;
}

/** What the scenarios share: the servers, and where the bundled entries are. */
interface Bench {
  servers: BenchServers;
  scenario: string;
  invoke: string;
  handlerBundle: string;
  secretsManager: SecretsManagerStandIn;
  work: string;
}

async function measureTick(
  bench: Bench,
  setup: TickSetup,
  targets: number,
  concurrency: number,
  perAccount: number,
): Promise<TickRow> {
  const inFlight = Math.min(concurrency, perAccount);
  const spec: CollectorSpec = {
    kind: 'collector',
    targets,
    concurrency,
    perAccount,
    latencyMs,
    warmRuns: tickLimitMs(targets, inFlight, latencyMs, 0) < REPEAT_BELOW_MS ? MAX_WARM_RUNS : 1,
    database: DATABASES.tick,
    ...bench.servers,
  };
  const profiling = profileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${profileDir}`,
        `--cpu-prof-name=tick-${targets}-${concurrency}-${perAccount}.cpuprofile`,
      ]
    : [];
  const { result } = await runNode<CollectorResult>(bench.scenario, spec, { nodeArgs: profiling });
  for (const run of [result.first, result.warm]) {
    // A failed sample makes a tick shorter, not slower: the figures would flatter the collector.
    if (run.failed > 0 || run.pointsWritten !== 2 * targets) {
      throw new Error(
        `${targets} targets at ${concurrency}: ${run.failed} failed, ${run.pointsWritten} points`,
      );
    }
  }
  const limitMs = tickLimitMs(targets, inFlight, latencyMs, result.rawWriteMs);
  progress(
    `tick ${targets} targets, concurrency ${concurrency}, ${perAccount} per account: ` +
      `warm ${Math.round(result.warm.wallMs)} ms, first ${Math.round(result.first.wallMs)} ms, ` +
      `limit ${Math.round(limitMs)} ms`,
  );
  return { setup, targets, concurrency, perAccount, latencyMs, limitMs, result };
}

async function measureTicks(bench: Bench): Promise<TickRow[]> {
  const rows: TickRow[] = [];
  for (const targets of TARGETS) {
    for (const concurrency of CONCURRENCIES) {
      if (tickLimitMs(targets, concurrency, latencyMs, 0) > MAX_LIMIT_MS) continue;
      // The cap raised to the concurrency: the run's own bound is what is measured.
      rows.push(await measureTick(bench, 'spread', targets, concurrency, concurrency));
    }
  }
  for (const targets of ONE_ACCOUNT_TARGETS) {
    rows.push(await measureTick(bench, 'one-account', targets, DEFAULT_CONCURRENCY, DEFAULT_PER_ACCOUNT));
  }
  return rows;
}

/**
 * The deployed bundle in one process, as one warm Lambda function: per size, two invocations in a row (the
 * first one of all is the cold start), each group of targets on a simulator of its own (fresh connections),
 * named in the event as the stack's rules name a shard.
 */
async function measureHandler(bench: Bench, ticks: readonly TickRow[]): Promise<HandlerProcess> {
  const urls = bench.servers.simulatorUrls;
  const targets: object[] = [];
  const groups: string[][] = [];
  let next = 0;
  for (const size of HANDLER_TARGETS) {
    for (let run = 0; run < 2; run++) {
      const simulatorUrl = urls[groups.length % urls.length] as string;
      targets.push(...benchTargets(next, size, simulatorUrl));
      groups.push(Array.from({ length: size }, (_, index) => targetName(next + index)));
      next += size;
    }
  }
  const configFile = join(bench.work, 'handler-config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      influx: { url: bench.servers.influxUrl, apiVersion: 1, database: DATABASES.handler },
      // As the `spread` ticks: the default concurrency bounds the run, not the one account's cap.
      maxInFlightPerAccount: HANDLER_PER_ACCOUNT,
      targets,
    }),
  );
  const spec: InvokeSpec = { bundle: bench.handlerBundle, groups, timeoutMs: 120_000 };
  const { result, log } = await runNode<InvokeResult>(bench.invoke, spec, {
    env: {
      PATH: process.env.PATH ?? '',
      ...LAMBDA_LIKE_ENV,
      COLLECTOR_CONFIG_PATH: configFile,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: bench.secretsManager.url,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    },
  });
  result.runs.forEach((run, index) => {
    const expected = groups[index]?.length ?? 0;
    if (run.failed > 0 || run.pointsWritten !== 2 * expected) {
      const why = log.find((line) => line.includes('sample failed')) ?? log.slice(-3).join('\n');
      throw new Error(
        `handler, ${expected} targets: ${run.failed} failed, ${run.pointsWritten} points: ${why}`,
      );
    }
  });
  const rows = HANDLER_TARGETS.map((size, index): HandlerRow => {
    const rawWriteMs =
      ticks.find((row) => row.targets === size && row.setup === 'spread')?.result.rawWriteMs ?? 0;
    return {
      targets: size,
      concurrency: DEFAULT_CONCURRENCY,
      limitMs: tickLimitMs(size, HANDLER_PER_ACCOUNT, latencyMs, rawWriteMs),
      coldStart: index === 0,
      runs: result.runs.slice(2 * index, 2 * index + 2),
    };
  });
  for (const row of rows) {
    progress(
      `handler ${row.targets} targets: ${row.runs.map((run) => Math.round(run.wallMs)).join(' ms, then ')} ms, ` +
        `limit ${Math.round(row.limitMs)} ms`,
    );
  }
  return { importMs: result.importMs, rssAfterImportMb: result.rssAfterImportMb, rows };
}

async function measureNaive(bench: Bench): Promise<NaiveRow[]> {
  const rows: NaiveRow[] = [];
  for (const targets of NAIVE_TARGETS) {
    const spec: NaiveSpec = {
      kind: 'naive',
      targets,
      latencyMs,
      database: DATABASES.naive,
      ...bench.servers,
    };
    const { result } = await runNode<NaiveResult>(bench.scenario, spec, {
      timeoutMs: targets * latencyMs * 3 + 60_000,
    });
    if (result.failed > 0) throw new Error(`naive poller: ${result.failed} of ${targets} failed`);
    rows.push({ targets, latencyMs, result });
    progress(`naive ${targets} targets: ${Math.round(result.wallMs)} ms`);
  }
  return rows;
}

/**
 * The report against the bare InfluxQL statements that compute the same figures, over a month of 10 s samples,
 * each in a fresh process; twice each, alternating, the faster run counting (influxd's caches warm up on the first).
 */
async function measureReport(influxd: Influxd, childScript: string): Promise<ReportBench> {
  const targets = reportTargets(REPORT_TARGETS);
  const seedStarted = performance.now();
  const points = await seedReportMonth(influxd, DATABASES.report, targets);
  const seedMs = performance.now() - seedStarted;
  progress(`report: seeded ${points} points in ${Math.round(seedMs)} ms`);
  const spec = (mode: ReportSpec['mode']): ReportSpec => ({
    mode,
    influxUrl: influxd.url,
    database: DATABASES.report,
    targets,
    period: REPORT_MONTH,
  });
  const runs: ReportRun[] = [];
  for (const mode of ['bare', 'report', 'bare', 'report', 'monthly'] as const) {
    const { result } = await runNode<ReportRun>(childScript, spec(mode), { timeoutMs: 600_000 });
    progress(`report: ${mode} ${Math.round(result.wallMs)} ms, peak RSS ${Math.round(result.peakRssMb)} MB`);
    runs.push(result);
  }
  const best = (mode: ReportSpec['mode']) =>
    runs.filter((run) => run.mode === mode).reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  return {
    targets: targets.length,
    points,
    seedMs,
    bare: best('bare'),
    report: best('report'),
    monthly: best('monthly'),
    runs,
  };
}

/** `--only report`: seeds, measures and checks the report section alone. */
async function reportOnly(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-report-'));
  const influxd = await startInfluxd();
  try {
    await influxd.createDatabase(DATABASES.report);
    const child = await bundleEntry(projectRoot, 'report-child', work);
    const report = await measureReport(influxd, child);
    const checks = reportBudgets(report);
    process.stdout.write(
      `\n6. The monthly report\n\n${reportBenchTable(report)}\n\nBudgets\n\n${budgetTable(checks)}\n`,
    );
    if (checks.some((check) => !check.pass)) process.exitCode = 1;
  } finally {
    await influxd.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** `--only peer`: collectd and the collector side by side, and the peer's budgets. */
async function peerOnly(): Promise<void> {
  const peerSkipped = ensureCollectd(progress);
  if (peerSkipped) throw new Error(`--only peer: ${peerSkipped}`);
  const work = await mkdtemp(join(tmpdir(), 'bench-peer-'));
  const secrets = tempDir('collector-bench-secrets-');
  let influxd: Influxd | undefined;
  let secretsManager: SecretsManagerStandIn | undefined;
  let simulator: Simulator | undefined;
  try {
    const [scenario, invoke, handlerBundle] = await Promise.all([
      bundleEntry(projectRoot, 'scenario', profileDir ?? work),
      bundleEntry(projectRoot, 'invoke', work),
      buildHandler(projectRoot, join(work, 'handler')),
    ]);
    influxd = await startPeerInfluxd();
    secretsManager = await startSecretsManager(simulatorSecrets());
    simulator = await startSimulator({ host: PEER_SIMULATOR_HOST, latencyMs });
    const peer = await measurePeer({
      ...peerOptions(),
      simulator,
      influxd,
      secretsFile: secrets.file('secrets.json', simulatorSecrets()),
      secretsManagerUrl: secretsManager.url,
      scenario,
      invoke,
      handlerBundle: handlerBundle.file,
      work,
    });
    const checks = peerBudgets(peer);
    process.stdout.write(
      `\n7. Against a real peer\n\n${peerTable(peer)}\n\nBudgets\n\n${budgetTable(checks)}\n`,
    );
    if (checks.some((check) => !check.pass)) process.exitCode = 1;
  } finally {
    await simulator?.close();
    await secretsManager?.close();
    await influxd?.stop();
    secrets.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

/** The peer section's settings that come from the command line. */
function peerOptions(): Pick<PeerBench, 'latencyMs' | 'quick' | 'progress' | 'profileDir' | 'rounds'> {
  return {
    latencyMs,
    quick,
    progress,
    ...(profileDir ? { profileDir } : {}),
    ...(peerRounds ? { rounds: peerRounds } : {}),
  };
}

/** influxd with the collectd listener the peer section writes through. */
async function startPeerInfluxd(): Promise<Influxd> {
  const influxd = await startInfluxd({
    collectd: [
      { database: PEER_DATABASES.collectd, typesDb: COLLECTD_TYPES_DB, batchTimeout: LISTENER_BATCH_TIMEOUT },
    ],
  });
  for (const database of Object.values(PEER_DATABASES)) await influxd.createDatabase(database);
  return influxd;
}

async function main(): Promise<void> {
  const began = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'collector-bench-'));
  const secrets = tempDir('collector-bench-secrets-');
  const simulators: Simulator[] = [];
  let influxd: Influxd | undefined;
  let secretsManager: SecretsManagerStandIn | undefined;
  try {
    progress(`bundling the bench entries and the handler in ${work}`);
    const [scenario, invoke, reportChild, handlerBundle] = await Promise.all([
      bundleEntry(projectRoot, 'scenario', profileDir ?? work),
      bundleEntry(projectRoot, 'invoke', work),
      bundleEntry(projectRoot, 'report-child', work),
      buildHandler(projectRoot, join(work, 'handler')),
    ]);

    // First, on a quiet machine: after the report's seeding, influxd compacts its shards for a minute or more
    // and took a quarter of the CPU from the imports (349 ms against 240 ms alone). A cold start on Lambda has
    // its vCPU share to itself.
    const deployed = await coldImport(handlerBundle.file, COLD_IMPORT_RUNS, LAMBDA_LIKE_ENV.NODE_OPTIONS);
    const withoutSourceMaps = await coldImport(handlerBundle.file, COLD_IMPORT_RUNS, '');
    progress(`handler bundle ${handlerBundle.bytes} bytes, cold import ${Math.round(deployed.importMs)} ms`);

    const peerSkipped = ensureCollectd(progress);
    if (peerSkipped) progress(`peer section skipped: ${peerSkipped}`);
    progress(`starting influxd, a Secrets Manager stand-in and simulators on ${SIMULATOR_HOSTS.join(', ')}`);
    influxd = peerSkipped ? await startInfluxd() : await startPeerInfluxd();
    for (const database of Object.values(DATABASES)) await influxd.createDatabase(database);
    secretsManager = await startSecretsManager(simulatorSecrets());
    for (const host of [...SIMULATOR_HOSTS, PEER_SIMULATOR_HOST]) {
      simulators.push(await startSimulator({ host, latencyMs }));
    }
    const peerSimulator = simulators.at(-1) as Simulator;
    const bench: Bench = {
      servers: {
        simulatorUrls: simulators.slice(0, SIMULATOR_HOSTS.length).map((simulator) => simulator.url),
        influxUrl: influxd.url,
        secretsFile: secrets.file('secrets.json', simulatorSecrets()),
      },
      scenario,
      invoke,
      handlerBundle: handlerBundle.file,
      secretsManager,
      work,
    };

    const peer = peerSkipped
      ? { skipped: peerSkipped }
      : await measurePeer({
          ...peerOptions(),
          simulator: peerSimulator,
          influxd,
          secretsFile: bench.servers.secretsFile,
          secretsManagerUrl: secretsManager.url,
          scenario,
          invoke,
          handlerBundle: handlerBundle.file,
          work,
        });
    const ticks = await measureTicks(bench);
    const handler = await measureHandler(bench, ticks);
    const naive = await measureNaive(bench);
    const writeSpec: WriteSpec = {
      kind: 'write',
      points: WRITE_POINTS,
      repeats: 15,
      database: DATABASES.write,
      ...bench.servers,
    };
    const { result: write } = await runNode<WriteResult>(scenario, writeSpec);
    progress(
      `write ${write.points} points: writer ${Math.round(write.writerMs)} ms, raw ${Math.round(write.rawMs)} ms`,
    );
    const report = await measureReport(influxd, reportChild);

    const cpu = cpus();
    const results: BenchResults = {
      startedAt: new Date(Date.now() - (performance.now() - began)).toISOString(),
      machine: {
        cpus: cpu.length,
        cpuModel: cpu[0]?.model ?? 'unknown',
        memoryGb: Math.round(totalmem() / 1e9),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
      },
      latencyMs,
      defaultConcurrency: DEFAULT_CONCURRENCY,
      defaultPerAccount: DEFAULT_PER_ACCOUNT,
      ticks,
      handler,
      naive,
      write,
      bundle: { bytes: handlerBundle.bytes, mapBytes: handlerBundle.mapBytes },
      coldImport: { deployed, withoutSourceMaps },
      peer,
      report,
      durationS: 0,
    };
    const costs = costLines(results);
    const budgets = checkBudgets(results);
    results.durationS = Math.round((performance.now() - began) / 1000);
    await writeFile(outFile, `${JSON.stringify({ ...results, costs, budgets, prices: PRICES }, null, 2)}\n`);
    printReport(results, costs, budgets);
    progress(`results in ${outFile}; ${results.durationS} s in all`);
    if (budgets.some((check) => !check.pass)) process.exitCode = 1;
  } finally {
    await Promise.all(simulators.map((simulator) => simulator.close()));
    await secretsManager?.close();
    await influxd?.stop();
    secrets.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Monthly costs from the warm ticks at the default concurrency, one per shard size the stack would use, at the
 * function's memory size and at Lambda's smallest.
 */
function costLines(results: BenchResults): CostLine[] {
  const measured = new Map<number, TickCost>(
    results.ticks
      .filter((row) => row.setup === 'spread' && row.concurrency === results.defaultConcurrency)
      .map((row) => [row.targets, { wallMs: row.result.warm.wallMs, cpuMs: row.result.warm.cpuMs }]),
  );
  return [DEFAULT_MEMORY_MB, SMALL_MEMORY_MB].flatMap((memoryMb) =>
    COST_TARGETS.flatMap((targets) =>
      COST_INTERVALS.map((interval) =>
        monthlyCost(targets, interval, (size) => interpolateTick(measured, size), memoryMb),
      ),
    ),
  );
}

function printReport(results: BenchResults, costs: CostLine[], budgets: BudgetCheck[]): void {
  const { machine } = results;
  const out = (text: string): void => {
    process.stdout.write(`${text}\n`);
  };
  out(
    `\nMachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}; ` +
      `simulator latency ${results.latencyMs} ms per response.\n`,
  );
  out('1. Tick time against the limit: ceil(targets / concurrency) × latency + one raw write of the batch');
  out('   (per-account cap raised to the concurrency, as if the targets were spread over accounts)\n');
  out(tickTable(results, 'spread'));
  out(
    `\n1a. Every default (concurrency ${results.defaultConcurrency}, ${results.defaultPerAccount} in flight per account), ` +
      'every target in one Streampixel account\n',
  );
  out(tickTable(results, 'one-account'));
  out('\n1b. The deployed handler bundle, invoked in one process (Secrets Manager stand-in, Powertools)\n');
  out(handlerTable(results));
  out('\n2. Against the naive poller (one target after another, one write per point)\n');
  out(naiveTable(results));
  out('\n3. Write throughput into influxd\n');
  out(writeTable(results));
  out('\n4. Cold start\n');
  out(coldTable(results));
  out(
    `\n5. Monthly cost (Lambda arm64 at $${PRICES.lambdaArm64PerGbSecond}/GB-s, ` +
      `$${PRICES.lambdaPerMillionRequests}/1M requests; $${PRICES.schedulerPerMillionInvocations}/1M EventBridge Scheduler invocations)\n`,
  );
  out(costTable(costs));
  out(
    `\n6. The monthly report: ${results.report.targets} targets, a month of 10 s samples (${results.report.points.toLocaleString('en-US')} points), ` +
      'against the bare InfluxQL statements of the same figures; each in a fresh process\n',
  );
  out(reportBenchTable(results.report));
  out(
    "\n7. Against a real peer: collectd (curl_json, network plugin into InfluxDB's collectd listener) and the " +
      'collector, polling the same simulator in rounds one interval apart\n',
  );
  out(peerTable(results.peer));
  out('\nBudgets\n');
  out(budgetTable(budgets));
}

await (only === 'report' ? reportOnly() : only === 'peer' ? peerOnly() : main());

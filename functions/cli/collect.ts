import { formatCheckLine } from '../check/check.js';
import { runCheck } from '../check/run.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { Config, Target } from '../config/schema.js';
import { selectTargets } from '../config/select.js';
import { ProjectDiscovery } from '../discovery/discover.js';
import { LineProtocolPrinter } from '../influx/dry-run.js';
import { openInfluxWriter } from '../influx/open.js';
import type { PointSink } from '../influx/writer.js';
import type { RunLog } from '../log/run-log.js';
import { CarriedBackoff, scopeOf } from '../run/backoff.js';
import { collect, limitsOf, type RunSummary, sleepUntil } from '../run/collect.js';
import { scheduledRun, summaryFields } from '../run/scheduled.js';
import { keepCompiledCodeAcrossIdleGaps } from '../runtime/idle-gaps.js';
import { runBudgetMs, sampleWorstCaseMs, writeReserveMs } from '../schedule/budget.js';
import { planOnce } from '../schedule/plan.js';
import { FileSecretSource } from '../secrets/file.js';
import { RunSecrets } from '../secrets/run-secrets.js';
import { SecretsManagerSource } from '../secrets/secrets-manager.js';
import { SecretError, type SecretSource } from '../secrets/source.js';
import { DirectorySpillStore } from '../spill/directory.js';
import type { SpillStore } from '../spill/store.js';
import { MINUTE_MS } from '../time/units.js';
import { COLLECT_USAGE, type CollectArgs, parseCollectArgs } from './args.js';
import { listProjects } from './list-projects.js';
import { streamLog } from './logfmt.js';
import { type CliIo, EXIT, runIfMain } from './main.js';

/** `npm run collect`: returns the exit code instead of exiting, so that tests can run it in-process too. */
export async function runCollectCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CollectArgs;
  let config: Config;
  let targets: Target[];
  let source: SecretSource;
  let secrets: RunSecrets;
  let sink: PointSink;
  let spill: SpillStore | undefined;
  try {
    args = parseCollectArgs(argv);
    if (args.help) {
      io.stdout.write(`${COLLECT_USAGE}\n`);
      return EXIT.ok;
    }
    config = await loadConfig(args.config);
    targets = selectTargets(config, args.targets);
    source = args.secretsFile ? await FileSecretSource.load(args.secretsFile) : new SecretsManagerSource();
    secrets = new RunSecrets(source);
    if (args.check) return await check(config, targets, secrets, new DirectorySpillStore(args.spillDir), io);
    const printing = args.dryRun || args.listProjects;
    sink = printing ? new LineProtocolPrinter(io.stdout) : await openInfluxWriter(config, secrets);
    // A dry run writes nothing anywhere: no spill, no replay.
    spill = args.dryRun ? undefined : new DirectorySpillStore(args.spillDir);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SecretError) {
      const problems = error instanceof ConfigError ? error.problems : [error.message];
      for (const problem of problems) io.stderr.write(`config error: ${problem}\n`);
      io.stderr.write('nothing was polled (run with --help for usage)\n');
      return EXIT.config;
    }
    throw error;
  }
  const discovery = new ProjectDiscovery(spill);
  if (args.listProjects) return listProjects(config, targets, secrets, discovery, io.stdout);
  const log = streamLog(io.stderr);
  // 429 back-offs outlive the process, so that cron's next `--once` does not poll a throttled target early.
  const wiring: Wiring = {
    sink,
    log,
    discovery,
    backoff: new CarriedBackoff(spill, log),
    scope: targets.map((target) => target.name),
    ...(spill ? { spill } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  };
  const scope = scopeOf(wiring.scope);
  const code = args.once
    ? await (async () => {
        await wiring.backoff.load(scope);
        const summary = await collectOnce(config, targets, secrets, wiring);
        await wiring.backoff.save(scope, wiring.scope);
        return report(summary, wiring);
      })()
    : await collectForever(config, targets, source, wiring);
  // A stopped collector did not do all it was asked to: cron and systemd should see that.
  if (io.signal?.aborted) {
    log.warn('stopped by a signal', {});
    return EXIT.failed;
  }
  return code;
}

/** `--check`: one line per secret, InfluxDB and target on stdout; the exit code says which kind failed. */
async function check(
  config: Config,
  targets: Target[],
  secrets: RunSecrets,
  spill: SpillStore,
  io: CliIo,
): Promise<number> {
  const result = await runCheck(config, targets, {
    secrets,
    source: 'cli',
    log: streamLog(io.stderr),
    spill,
  });
  for (const line of result.lines) io.stdout.write(`${formatCheckLine(line)}\n`);
  return result.exit;
}

interface Wiring {
  sink: PointSink;
  /** Project listings, cached across the runs of this process and, through the spill folder, of cron runs. */
  discovery: ProjectDiscovery;
  spill?: SpillStore;
  log: RunLog;
  /** 429 back-offs, kept for the next process (cron's next `--once`) in the spill folder. */
  backoff: CarriedBackoff;
  /** Every selected target's name: the scope of the carried back-offs, whichever targets a run polls. */
  scope: string[];
  signal?: AbortSignal;
}

function collectOnce(
  config: Config,
  targets: Target[],
  secrets: RunSecrets,
  wiring: Wiring,
): Promise<RunSummary> {
  const now = Date.now();
  const sampling = Math.max(...targets.map((target) => sampleWorstCaseMs(target, config.maxAttempts)));
  return collect(
    {
      samples: planOnce(targets, now),
      waitForSchedule: false,
      stopSamplingAt: now + sampling,
      finishBy: now + sampling + writeReserveMs(config),
    },
    { ...wiring, ...wiring.backoff.forRun(), secrets, ...limitsOf(config) },
  );
}

/**
 * The desk equivalent of the deployed schedule: a run at every minute boundary, each polling the targets due
 * then (sub-minute targets every minute, longer ones when the minute falls on their interval).
 */
async function collectForever(
  config: Config,
  targets: Target[],
  source: SecretSource,
  wiring: Wiring,
): Promise<number> {
  keepCompiledCodeAcrossIdleGaps();
  const running = new Set<Promise<unknown>>();
  let failed = false;
  wiring.log.info('collecting every minute; stop with Ctrl-C', {
    targets: targets.length,
    sink: wiring.sink.description,
  });
  while (!wiring.signal?.aborted) {
    const tick = Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS;
    await sleepUntil(tick, Date.now, wiring.signal);
    if (wiring.signal?.aborted) break;
    const due = targets.filter((target) => target.interval < MINUTE_MS || tick % target.interval === 0);
    if (due.length === 0) continue;
    const run = scheduledRun(
      { config, targets: due, tick, finishBy: tick + runBudgetMs(due, config) },
      // Each run has its own secrets memo over the same source, so a rotated key is picked up.
      { ...wiring, secrets: new RunSecrets(source) },
    ).then((summary) => {
      failed ||= report(summary, wiring) !== EXIT.ok;
    });
    running.add(run);
    void run.finally(() => running.delete(run));
  }
  await Promise.all(running);
  return failed ? EXIT.failed : EXIT.ok;
}

function report(summary: RunSummary, { sink, spill, log }: Wiring): number {
  const fields = summaryFields(summary);
  log.info('run finished', { ...fields, sink: sink.description, spill: spill?.description });
  const clean = fields.failed === 0 && summary.unwritten.length === 0 && summary.rejected === 0;
  return clean ? EXIT.ok : EXIT.failed;
}

runIfMain(import.meta.url, 'collector', runCollectCli);

import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { Config, Target } from '../config/schema.js';
import { selectTargets } from '../config/select.js';
import { LineProtocolPrinter } from '../influx/dry-run.js';
import { openInfluxWriter } from '../influx/open.js';
import type { PointSink } from '../influx/writer.js';
import { collect, type RunLog, type RunSummary } from '../run/collect.js';
import { RunSecrets } from '../run/credentials.js';
import { runBudgetMs, sampleWorstCaseMs, writeReserveMs } from '../schedule/budget.js';
import { planOnce, planTick } from '../schedule/plan.js';
import { FileSecretSource } from '../secrets/file.js';
import { SecretsManagerSource } from '../secrets/secrets-manager.js';
import { SecretError, type SecretSource } from '../secrets/source.js';
import { COLLECT_USAGE, type CollectArgs, parseCollectArgs } from './args.js';
import { streamLog } from './logfmt.js';

/** Exit codes of shared/CLI.md. */
export const EXIT = { ok: 0, failed: 1, config: 2 } as const;

const MINUTE_MS = 60_000;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Ends the continuous mode (SIGINT/SIGTERM); in-flight runs finish their writes first. */
  signal?: AbortSignal;
}

/** `npm run collect`: returns the exit code instead of exiting, so that tests can run it in-process too. */
export async function runCollectCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CollectArgs;
  let config: Config;
  let targets: Target[];
  let secrets: RunSecrets;
  let sink: PointSink;
  try {
    args = parseCollectArgs(argv);
    if (args.help) {
      io.stdout.write(`${COLLECT_USAGE}\n`);
      return EXIT.ok;
    }
    config = await loadConfig(args.config);
    targets = selectTargets(config, args.targets);
    const source: SecretSource = args.secretsFile
      ? await FileSecretSource.load(args.secretsFile)
      : new SecretsManagerSource();
    secrets = new RunSecrets(source);
    sink = args.dryRun ? new LineProtocolPrinter(io.stdout) : await openInfluxWriter(config, secrets);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SecretError) {
      const problems = error instanceof ConfigError ? error.problems : [error.message];
      for (const problem of problems) io.stderr.write(`config error: ${problem}\n`);
      io.stderr.write('nothing was polled (run with --help for usage)\n');
      return EXIT.config;
    }
    throw error;
  }
  const log = streamLog(io.stderr);
  if (args.once) {
    const summary = await collectOnce(config, targets, { secrets, sink, log });
    return report(summary, sink, log);
  }
  return collectForever(config, targets, {
    source: secrets,
    sink,
    log,
    ...(io.signal ? { signal: io.signal } : {}),
  });
}

interface Wiring {
  secrets: RunSecrets;
  sink: PointSink;
  log: RunLog;
}

function collectOnce(config: Config, targets: Target[], { secrets, sink, log }: Wiring): Promise<RunSummary> {
  const now = Date.now();
  const sampling = Math.max(...targets.map((target) => sampleWorstCaseMs(target, config.maxAttempts)));
  return collect(
    {
      samples: planOnce(targets, now),
      waitForSchedule: false,
      stopSamplingAt: now + sampling,
      finishBy: now + sampling + writeReserveMs(config),
    },
    { secrets, sink, log, concurrency: config.concurrency, maxAttempts: config.maxAttempts },
  );
}

/**
 * The desk equivalent of the deployed schedule: a run at every minute boundary, each polling the targets due
 * then (sub-minute targets every minute, longer ones when the minute falls on their interval).
 */
async function collectForever(
  config: Config,
  targets: Target[],
  wiring: { source: RunSecrets; sink: PointSink; log: RunLog; signal?: AbortSignal },
): Promise<number> {
  const backoff = new Map<string, number>();
  const running = new Set<Promise<unknown>>();
  let failed = false;
  wiring.log.info('collecting every minute; stop with Ctrl-C', {
    targets: targets.length,
    sink: wiring.sink.description,
  });
  while (!wiring.signal?.aborted) {
    const tick = Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS;
    await sleepUntil(tick, wiring.signal);
    if (wiring.signal?.aborted) break;
    const due = targets.filter((target) => target.interval < MINUTE_MS || tick % target.interval === 0);
    if (due.length === 0) continue;
    const finishBy = tick + runBudgetMs(due, config);
    const run = collect(
      {
        samples: planTick(due, tick),
        waitForSchedule: true,
        stopSamplingAt: finishBy - writeReserveMs(config),
        finishBy,
      },
      {
        // Each run re-reads its secrets (through the source's own cache), so a rotated key is picked up.
        secrets: new RunSecrets(wiring.source),
        sink: wiring.sink,
        log: wiring.log,
        concurrency: config.concurrency,
        maxAttempts: config.maxAttempts,
        backoff,
        ...(wiring.signal ? { signal: wiring.signal } : {}),
      },
    ).then((summary) => {
      failed ||= report(summary, wiring.sink, wiring.log) !== EXIT.ok;
    });
    running.add(run);
    void run.finally(() => running.delete(run));
  }
  await Promise.all(running);
  return failed ? EXIT.failed : EXIT.ok;
}

function report(summary: RunSummary, sink: PointSink, log: RunLog): number {
  const failed = summary.records.filter((record) => record.outcome !== 'ok').length;
  const unwritten = summary.unwritten.reduce((count, batch) => count + batch.points.length, 0);
  log.info('run finished', {
    samples: summary.records.length,
    ok: summary.records.length - failed,
    failed,
    points_written: summary.pointsWritten,
    points_unwritten: unwritten,
    sink: sink.description,
  });
  return failed > 0 || unwritten > 0 ? EXIT.failed : EXIT.ok;
}

function sleepUntil(time: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, time - Date.now()));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  runCollectCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `collector crashed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
      );
      process.exitCode = EXIT.failed;
    });
}

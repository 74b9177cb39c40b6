import type { Config } from '../../functions/config/schema.js';
import type { PointSink } from '../../functions/influx/writer.js';
import type { RunLog } from '../../functions/log/run-log.js';
import { collect, type RunSummary } from '../../functions/run/collect.js';
import { scheduledRun } from '../../functions/run/scheduled.js';
import { writeReserveMs } from '../../functions/schedule/budget.js';
import { planOnce } from '../../functions/schedule/plan.js';
import { RunSecrets } from '../../functions/secrets/run-secrets.js';
import type { SecretSource } from '../../functions/secrets/source.js';

/** A run log that keeps its lines, so that tests can search them (for leaks, for outcomes). */
export function memoryLog(): RunLog & { lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    lines.push(JSON.stringify({ level, message, ...attributes }));
  };
  return { lines, info: line('info'), warn: line('warn'), error: line('error') };
}

/** One `--once` style run of every target of a config, as the CLI does it. */
export function runOnce(
  config: Config,
  source: SecretSource,
  sink: PointSink,
  log: RunLog = memoryLog(),
  backoff?: Map<string, number>,
): Promise<RunSummary> {
  const now = Date.now();
  return collect(
    {
      samples: planOnce(config.targets, now),
      waitForSchedule: false,
      stopSamplingAt: now + 20_000,
      finishBy: now + 40_000,
    },
    {
      secrets: new RunSecrets(source),
      sink,
      log,
      concurrency: config.concurrency,
      maxAttempts: config.maxAttempts,
      ...(backoff ? { backoff } : {}),
    },
  );
}

/** A scheduled run of a tick that already passed: every slot is due, so the run does not wait out the minute. */
export function runPastTick(
  config: Config,
  source: SecretSource,
  sink: PointSink,
  tickMs: number,
): Promise<RunSummary> {
  return scheduledRun(
    // Twenty seconds of sampling, then the write reserve the config asks for.
    {
      config,
      targets: config.targets,
      tick: tickMs,
      finishBy: Date.now() + 20_000 + writeReserveMs(config),
      // The tick has passed: its slots are taken now, as a late run would if windows were not judged.
      missClosedWindows: false,
    },
    { secrets: new RunSecrets(source), sink, log: memoryLog() },
  );
}

import type { Config, Target } from '../config/schema.js';
import { openInfluxWriter } from '../influx/open.js';
import { UnavailableSink } from '../influx/unavailable.js';
import type { PointSink } from '../influx/writer.js';
import type { RunLog } from '../log/run-log.js';
import { collect, limitsOf } from '../run/collect.js';
import { sampleWorstCaseMs, writeReserveMs } from '../schedule/budget.js';
import { planOnce } from '../schedule/plan.js';
import type { RunSecrets } from '../secrets/run-secrets.js';
import { SecretError } from '../secrets/source.js';
import type { SpillStore } from '../spill/store.js';
import {
  type CheckExit,
  type CheckLine,
  type CheckSource,
  checkExit,
  checkInflux,
  checkSecrets,
  targetLines,
} from './check.js';

export interface CheckDependencies {
  secrets: RunSecrets;
  source: CheckSource;
  log: RunLog;
  /** Where the targets' samples wait when InfluxDB does not take them, as in any run. */
  spill?: SpillStore;
  now?: () => number;
}

export interface CheckResult {
  /** Secrets first, then InfluxDB, then the targets. */
  lines: CheckLine[];
  exit: CheckExit;
}

/**
 * Proves a config works: its secrets parse, InfluxDB takes a `collector_check` point with the configured token,
 * and each target answers once (that sample is written like any other). Never throws for what it checks.
 */
export async function runCheck(
  config: Config,
  targets: readonly Target[],
  deps: CheckDependencies,
): Promise<CheckResult> {
  const now = deps.now ?? Date.now;
  const secretLines = await checkSecrets(config, deps.secrets);
  let sink: PointSink;
  let influx: CheckLine;
  try {
    sink = await openInfluxWriter(config, deps.secrets);
    influx = await checkInflux(config, sink, deps.source, deps.secrets, now());
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    sink = new UnavailableSink(error.message);
    influx = {
      subject: 'influxdb',
      name: config.influx.url,
      ok: false,
      detail: `not tried: ${error.message}`,
    };
  }
  const started = now();
  const sampling = Math.max(0, ...targets.map((target) => sampleWorstCaseMs(target, config.maxAttempts)));
  const summary = await collect(
    {
      samples: planOnce(targets, started),
      waitForSchedule: false,
      stopSamplingAt: started + sampling,
      finishBy: started + sampling + writeReserveMs(config),
    },
    {
      secrets: deps.secrets,
      sink,
      log: deps.log,
      ...limitsOf(config),
      ...(deps.spill ? { spill: deps.spill } : {}),
    },
  );
  const lines = [...secretLines, influx, ...targetLines(summary.records)];
  return { lines, exit: checkExit(lines) };
}

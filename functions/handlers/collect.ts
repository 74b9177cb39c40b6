import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { selectTargets } from '../config/select.js';
import { ProjectDiscovery } from '../discovery/discover.js';
import { openInfluxWriter } from '../influx/open.js';
import { UnavailableSink } from '../influx/unavailable.js';
import type { PointSink } from '../influx/writer.js';
import { CarriedBackoff } from '../run/backoff.js';
import { lostBatches, type RunSummary, tally } from '../run/collect.js';
import { scheduledRun, summaryFields } from '../run/scheduled.js';
import { keepCompiledCodeAcrossIdleGaps } from '../runtime/idle-gaps.js';
import { RunSecrets } from '../secrets/run-secrets.js';
import { SecretsManagerSource } from '../secrets/secrets-manager.js';
import { SecretError } from '../secrets/source.js';
import { S3SpillStore } from '../spill/s3.js';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from './observability.js';

/** What a schedule sends: its scheduled time and the shard of targets this invocation polls. */
export interface CollectEvent {
  /**
   * The scheduled time (ISO 8601; EventBridge Scheduler's `<aws.scheduler.scheduled-time>`); the sample times
   * derive from it.
   */
  time?: string;
  /** Names of the targets to poll; all targets of the config when absent. */
  targets?: string[];
}

export interface CollectResult {
  samples: number;
  failed: number;
  /** Samples whose window had closed before the run reached them (it started late); not failures. */
  missed: number;
  pointsWritten: number;
  pointsSpilled: number;
  pointsReplayed: number;
}

/** Time kept back from Lambda's own timeout, for the runtime to return. */
const SAFETY_MARGIN_MS = 2_000;

// A warm environment idles between invocations: its ticks should find their compiled code still there.
keepCompiledCodeAcrossIdleGaps();
const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
// Module scope: kept across warm invocations (config parsed once, secrets cached, 429 back-offs remembered).
const secretSource = new SecretsManagerSource();
const spill = process.env.SPILL_BUCKET ? new S3SpillStore(process.env.SPILL_BUCKET) : undefined;
const backoff = new CarriedBackoff(spill, logger);
const discovery = new ProjectDiscovery(spill);
let config: Promise<Config> | undefined;

/**
 * The scheduled collector. Target failures are data (`collector_run`), not a failed invocation: throwing would
 * make Lambda's async retry poll every target of the shard again. It throws only when points could be neither
 * written nor spilled.
 */
export async function handler(event: CollectEvent, context: Context): Promise<CollectResult> {
  const startedAt = Date.now();
  logger.addContext(context);
  config ??= loadConfig(process.env.COLLECTOR_CONFIG_PATH ?? 'collector.config.json');
  const loaded = await config;
  const targets = selectTargets(loaded, event.targets);
  const tick = scheduledTime(event, startedAt);
  const secrets = new RunSecrets(secretSource);
  const sink = await openSink(loaded, secrets);
  const finishBy = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  const summary = await scheduledRun(
    { config: loaded, targets, tick, finishBy },
    { secrets, sink, log: logger, discovery, backoff, ...(spill ? { spill } : {}) },
  );

  const { failed, missed, pointsSpilled: spilled, pointsLost } = tally(summary);
  const lost = lostBatches(summary);
  const spillAgeMs = oldestSpilledAgeMs(summary, Date.now());
  metrics.addMetric(METRIC.samplesTaken, MetricUnit.Count, summary.records.length);
  metrics.addMetric(METRIC.samplesFailed, MetricUnit.Count, failed);
  metrics.addMetric(METRIC.samplesMissed, MetricUnit.Count, missed);
  metrics.addMetric(METRIC.startDelay, MetricUnit.Milliseconds, Math.max(0, startedAt - tick));
  metrics.addMetric(METRIC.spillAge, MetricUnit.Seconds, Math.round(spillAgeMs / 1000));
  metrics.addMetric(METRIC.pointsWritten, MetricUnit.Count, summary.pointsWritten);
  metrics.addMetric(METRIC.pointsSpilled, MetricUnit.Count, spilled);
  metrics.addMetric(METRIC.pointsRejected, MetricUnit.Count, summary.rejected);
  metrics.addMetric(METRIC.pointsLost, MetricUnit.Count, pointsLost);
  metrics.addMetric(METRIC.pointsReplayed, MetricUnit.Count, summary.replay.points);
  metrics.publishStoredMetrics();
  logger.info('run finished', {
    ...summaryFields(summary),
    start_delay_ms: startedAt - tick,
    spill_age_s: Math.round(spillAgeMs / 1000),
  });
  if (lost.length > 0) {
    const why = lost.map((batch) => `${new Date(batch.at).toISOString()}: ${batch.error.message}`);
    // The invocation's error goes to CloudWatch and the failure destination: it passes the scrubber like any log.
    throw new Error(
      secrets.scrub(
        `${pointsLost} point(s) could be neither written to InfluxDB nor spilled: ${why.join('; ')}`,
      ),
    );
  }
  return {
    samples: summary.records.length,
    failed,
    missed,
    pointsWritten: summary.pointsWritten,
    pointsSpilled: spilled,
    pointsReplayed: summary.replay.points,
  };
}

/** The event's scheduled time; an invocation by hand without one runs the tick of now. */
function scheduledTime(event: CollectEvent, now: number): number {
  if (event.time === undefined) return now;
  const time = Date.parse(event.time);
  if (Number.isNaN(time))
    throw new Error(`event.time is not an ISO 8601 time: ${JSON.stringify(event.time)}`);
  return time;
}

/**
 * The InfluxDB writer, or, when its token secret cannot be read, a sink that refuses every write: the run still
 * samples and spills (the spilling alarm fires), where throwing would send every minute to the dead-letter queue.
 */
async function openSink(loaded: Config, secrets: RunSecrets): Promise<PointSink> {
  try {
    return await openInfluxWriter(loaded, secrets);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    logger.error('InfluxDB token unreadable: points are spilled until it is fixed', {
      secret: error.secretName,
      error: error.message,
    });
    return new UnavailableSink(error.message);
  }
}

/** Age of the oldest batch waiting in the spill after this run, in ms; 0 when nothing waits. */
function oldestSpilledAgeMs(summary: RunSummary, now: number): number {
  const waiting = summary.unwritten.filter((batch) => batch.spilledAs !== undefined).map((batch) => batch.at);
  if (summary.replay.oldestWaitingAt !== undefined) waiting.push(summary.replay.oldestWaitingAt);
  return waiting.length === 0 ? 0 : Math.max(0, now - Math.min(...waiting));
}

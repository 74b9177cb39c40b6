import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { selectTargets } from '../config/select.js';
import { ProjectDiscovery } from '../discovery/discover.js';
import { openInfluxWriter } from '../influx/open.js';
import { CarriedBackoff } from '../run/backoff.js';
import { lostBatches, tally } from '../run/collect.js';
import { scheduledRun, summaryFields } from '../run/scheduled.js';
import { RunSecrets } from '../secrets/run-secrets.js';
import { SecretsManagerSource } from '../secrets/secrets-manager.js';
import { S3SpillStore } from '../spill/s3.js';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from './observability.js';

/** What an EventBridge rule sends: its scheduled time and the shard of targets this invocation polls. */
export interface CollectEvent {
  /** The rule's scheduled time (ISO 8601, EventBridge's `time`); the sample times derive from it. */
  time?: string;
  /** Names of the targets to poll; all targets of the config when absent. */
  targets?: string[];
}

export interface CollectResult {
  samples: number;
  failed: number;
  pointsWritten: number;
  pointsSpilled: number;
  pointsReplayed: number;
}

/** Time kept back from Lambda's own timeout, for the runtime to return. */
const SAFETY_MARGIN_MS = 2_000;
/** A scheduled sample more than this late is recorded as missed instead of being stamped with a wrong time. */
const MAX_LATENESS_MS = 90_000;

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
  config ??= loadConfig(process.env.COLLECTOR_CONFIG_PATH ?? 'collector.config.json');
  const loaded = await config;
  const targets = selectTargets(loaded, event.targets);
  const tick = event.time ? Date.parse(event.time) : Date.now();
  const secrets = new RunSecrets(secretSource);
  const sink = await openInfluxWriter(loaded, secrets);
  const finishBy = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  const summary = await scheduledRun(
    { config: loaded, targets, tick, finishBy, maxLatenessMs: MAX_LATENESS_MS },
    { secrets, sink, log: logger, discovery, backoff, ...(spill ? { spill } : {}) },
  );

  const { failed, pointsSpilled: spilled, pointsLost } = tally(summary);
  const lost = lostBatches(summary);
  metrics.addMetric(METRIC.samplesTaken, MetricUnit.Count, summary.records.length);
  metrics.addMetric(METRIC.samplesFailed, MetricUnit.Count, failed);
  metrics.addMetric(METRIC.pointsWritten, MetricUnit.Count, summary.pointsWritten);
  metrics.addMetric(METRIC.pointsSpilled, MetricUnit.Count, spilled);
  metrics.addMetric(METRIC.pointsRejected, MetricUnit.Count, summary.rejected);
  metrics.addMetric(METRIC.pointsLost, MetricUnit.Count, pointsLost);
  metrics.addMetric(METRIC.pointsReplayed, MetricUnit.Count, summary.replay.points);
  metrics.publishStoredMetrics();
  logger.info('run finished', summaryFields(summary));
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
    pointsWritten: summary.pointsWritten,
    pointsSpilled: spilled,
    pointsReplayed: summary.replay.points,
  };
}

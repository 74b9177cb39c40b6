import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { selectTargets } from '../config/select.js';
import { openInfluxWriter } from '../influx/open.js';
import { collect } from '../run/collect.js';
import { RunSecrets } from '../run/credentials.js';
import { writeReserveMs } from '../schedule/budget.js';
import { planTick } from '../schedule/plan.js';
import { SecretsManagerSource } from '../secrets/secrets-manager.js';

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
}

/** Time kept back from Lambda's own timeout, for the runtime to return. */
const SAFETY_MARGIN_MS = 2_000;
/** A scheduled sample more than this late is recorded as missed instead of being stamped with a wrong time. */
const MAX_LATENESS_MS = 90_000;

const logger = new Logger({ serviceName: 'concurrency-collector' });
const metrics = new Metrics({ namespace: 'ConcurrencyCollector', serviceName: 'concurrency-collector' });
// Module scope: kept across warm invocations (config parsed once, secrets cached, 429 back-offs remembered).
const secretSource = new SecretsManagerSource();
const backoff = new Map<string, number>();
let config: Promise<Config> | undefined;

/**
 * The scheduled collector. Target failures are data (`collector_run`), not a failed invocation: throwing would
 * make Lambda's async retry poll every target of the shard again. It throws only when points could not be written.
 */
export async function handler(event: CollectEvent, context: Context): Promise<CollectResult> {
  config ??= loadConfig(process.env.COLLECTOR_CONFIG_PATH ?? 'collector.config.json');
  const loaded = await config;
  const targets = selectTargets(loaded, event.targets);
  const tick = event.time ? Date.parse(event.time) : Date.now();
  const secrets = new RunSecrets(secretSource);
  const sink = await openInfluxWriter(loaded, secrets);
  const finishBy = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  const summary = await collect(
    {
      samples: planTick(targets, tick),
      waitForSchedule: true,
      stopSamplingAt: finishBy - writeReserveMs(loaded),
      finishBy,
      maxLatenessMs: MAX_LATENESS_MS,
    },
    { secrets, sink, log: logger, concurrency: loaded.concurrency, maxAttempts: loaded.maxAttempts, backoff },
  );
  const failed = summary.records.filter((record) => record.outcome !== 'ok').length;
  metrics.addMetric('SamplesTaken', MetricUnit.Count, summary.records.length);
  metrics.addMetric('SamplesFailed', MetricUnit.Count, failed);
  metrics.addMetric('PointsWritten', MetricUnit.Count, summary.pointsWritten);
  metrics.addMetric(
    'PointsUnwritten',
    MetricUnit.Count,
    summary.unwritten.reduce((n, b) => n + b.points.length, 0),
  );
  metrics.publishStoredMetrics();
  logger.info('run finished', {
    samples: summary.records.length,
    failed,
    points_written: summary.pointsWritten,
  });
  if (summary.unwritten.length > 0) {
    const lost = summary.unwritten.map(
      (batch) => `${new Date(batch.at).toISOString()}: ${batch.error.message}`,
    );
    throw new Error(
      `${summary.unwritten.length} batch(es) could not be written to InfluxDB: ${lost.join('; ')}`,
    );
  }
  return { samples: summary.records.length, failed, pointsWritten: summary.pointsWritten };
}

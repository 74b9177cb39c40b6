import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { awsClientDeadlines } from '../http/aws.js';
import { buildReport } from '../report/build.js';
import { calendarPeriod, withComparison } from '../report/period.js';
import { openInfluxReader } from '../report/query.js';
import { renderCsv } from '../report/render/csv.js';
import { renderHtml } from '../report/render/html.js';
import { type StoredReport, storeReport } from '../report/s3-store.js';
import { RunSecrets } from '../secrets/run-secrets.js';
import { SecretsManagerSource } from '../secrets/secrets-manager.js';

/** What the monthly EventBridge rule sends: its scheduled time. */
export interface ReportEvent {
  /** The rule's scheduled time (ISO 8601, EventBridge's `time`); the report covers the month before it. */
  time?: string;
}

export interface ReportResult extends StoredReport {
  /** The period's label, e.g. `2026-10`. */
  period: string;
  targets: number;
}

const logger = new Logger({ serviceName: 'concurrency-report' });
// Module scope: kept across warm invocations. The SDK reads AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL as usual.
const s3 = new S3Client(awsClientDeadlines());
const secretSource = new SecretsManagerSource();
let config: Promise<Config> | undefined;

/**
 * The monthly report: reads last month (relative to the event's time) from InfluxDB for every target of the
 * config and writes its HTML and CSV to the bucket named by `REPORT_BUCKET`, under keys that name the month.
 * Throws when InfluxDB cannot be read or S3 refuses the objects, so that the invocation is retried and, in the
 * end, lands in the function's failure destination rather than leaving a month without a report unnoticed.
 */
export async function handler(event: ReportEvent = {}, context?: Context): Promise<ReportResult> {
  if (context) logger.addContext(context);
  const bucket = process.env.REPORT_BUCKET;
  if (!bucket)
    throw new Error('REPORT_BUCKET is not set: the stack passes the report bucket name to the function');
  config ??= loadConfig(process.env.COLLECTOR_CONFIG_PATH ?? 'collector.config.json');
  let loaded: Config;
  try {
    loaded = await config;
  } catch (error) {
    // A bad config stays bad: forget it so that the next invocation reads the file again.
    config = undefined;
    throw error;
  }
  const at = event.time ? Date.parse(event.time) : Date.now();
  if (Number.isNaN(at)) throw new Error(`event.time is not a date: ${JSON.stringify(event.time)}`);
  const period = withComparison(calendarPeriod('last-month', at), 'last-month');
  const reader = await openInfluxReader(loaded.influx, new RunSecrets(secretSource));
  const report = await buildReport(loaded.targets, period, reader, { charts: true });
  const stored = await storeReport(s3, bucket, report.period.label, {
    html: await renderHtml(report),
    csv: renderCsv(report),
  });
  logger.info('report stored', {
    period: report.period.label,
    from: report.period.from,
    to: report.period.to,
    targets: report.targets.length,
    bucket,
    keys: [stored.keys.html, stored.keys.csv],
  });
  return { ...stored, period: report.period.label, targets: report.targets.length };
}

import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { CHECK_EXIT, formatCheckLine } from '../check/check.js';
import { runCheck } from '../check/run.js';
import { loadConfig } from '../config/load.js';
import { RunSecrets } from '../secrets/run-secrets.js';
import { SecretsManagerSource } from '../secrets/secrets-manager.js';
import { S3SpillStore } from '../spill/s3.js';
import { SERVICE_NAME } from './observability.js';

/** What the custom resource gives back to CloudFormation: `Data.Report` becomes the stack's `CheckReport` output. */
export interface CheckResponse {
  PhysicalResourceId: string;
  Data?: { Report: string };
}

/** CloudFormation refuses a custom resource response over 4 KB: the report is cut to this, in characters. */
const MAX_REPORT_CHARS = 2_000;
const PHYSICAL_ID = 'collector-check';

const logger = new Logger({ serviceName: SERVICE_NAME });

/**
 * The check `cdk deploy` runs after every deploy, inside AWS with the collector's role and network (the stack's
 * custom resource). It throws, which fails the deploy with its message, when a secret is missing or does not
 * parse or InfluxDB is unreachable or refuses the token; failing targets are reported, not thrown, since a
 * provider outage must not block a release.
 */
export async function handler(
  event: CloudFormationCustomResourceEvent,
  context: Context,
): Promise<CheckResponse> {
  logger.addContext(context);
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const config = await loadConfig(process.env.COLLECTOR_CONFIG_PATH ?? 'collector.config.json');
  const spillBucket = process.env.SPILL_BUCKET;
  const result = await runCheck(config, config.targets, {
    secrets: new RunSecrets(new SecretsManagerSource()),
    source: 'deploy',
    log: logger,
    ...(spillBucket ? { spill: new S3SpillStore(spillBucket) } : {}),
  });
  for (const line of result.lines) {
    logger[line.ok ? 'info' : 'error']('check', { line: formatCheckLine(line) });
  }
  if (result.exit === CHECK_EXIT.broken) {
    const broken = result.lines.filter((line) => !line.ok && line.subject !== 'target').map(formatCheckLine);
    throw new Error(`collector check failed: ${broken.join('; ')}`);
  }
  const failed = result.lines.filter((line) => !line.ok);
  const summary =
    failed.length === 0
      ? `all ${result.lines.length} checks answered`
      : `${failed.length} target(s) failed (not blocking the deploy): ${failed.map(formatCheckLine).join('; ')}`;
  return {
    PhysicalResourceId: PHYSICAL_ID,
    Data: {
      Report: summary.length <= MAX_REPORT_CHARS ? summary : `${summary.slice(0, MAX_REPORT_CHARS - 3)}...`,
    },
  };
}

import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ConfigError } from '../functions/config/errors.js';

/** The retentions CloudWatch Logs accepts, in days (`RetentionDays` without "never expire"). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * `deploy.logRetentionDays` as CloudWatch Logs' retention. CloudWatch rejects any other number at deploy time,
 * so a value it does not offer fails the synth instead, with the values it does.
 */
export function logRetentionOf(days: number): RetentionDays {
  if (!LOG_RETENTION_DAYS.includes(days)) {
    const above = LOG_RETENTION_DAYS.find((allowed) => allowed > days);
    throw new ConfigError([
      `deploy.logRetentionDays: ${days} is not a retention CloudWatch Logs offers` +
        `${above === undefined ? '' : ` (the next one up is ${above})`}; use one of ${LOG_RETENTION_DAYS.join(', ')}`,
    ]);
  }
  return days as RetentionDays;
}

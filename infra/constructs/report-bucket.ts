import { Duration } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { StorageClass } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { PrivateBucket } from './private-bucket.js';

/** The key prefix the report handler writes under (`reports/2026-10/concurrency-report-2026-10.html`). */
export const REPORT_PREFIX = 'reports/';

export interface ReportBucketProps {
  /**
   * Days after which a report moves to S3 Standard-IA. A month's report is read in the days after it is made,
   * then rarely (a capacity review, an audit): Infrequent Access halves the storage price for those.
   * S3 refuses a transition to Standard-IA earlier than 30 days.
   * @default 30
   */
  infrequentAccessDays?: number;
  /**
   * Days after which a report is deleted: two years keep each month comparable with the same month a year
   * before; an older one can be made again with `npm run report` for as long as InfluxDB keeps its samples.
   * @default 730
   */
  expireDays?: number;
}

/**
 * Where the monthly report function puts its HTML and CSV: a {@link PrivateBucket}, reports moving to
 * Infrequent Access after a month and expiring after two years.
 */
export class ReportBucket extends PrivateBucket {
  constructor(scope: Construct, id: string, props: ReportBucketProps = {}) {
    super(scope, id, {
      lifecycleRules: [
        {
          id: 'AgeReports',
          prefix: REPORT_PREFIX,
          transitions: [
            {
              storageClass: StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(props.infrequentAccessDays ?? 30),
            },
          ],
          expiration: Duration.days(props.expireDays ?? 730),
        },
      ],
      accessLogs: {
        users: 'Only the report function writes this bucket, once a month',
        logs: 'twelve PUTs a year',
      },
    });
  }

  /**
   * What the report handler does and nothing more: `s3:PutObject` under {@link REPORT_PREFIX}. Not `grantPut`,
   * which adds `s3:Abort*` and the legal-hold, retention and tagging actions the handler never calls (and whose
   * wildcard action cdk-nag would flag as well).
   */
  grantReportWrite(grantee: IGrantable & Construct): void {
    this.grantUnderPrefix(
      grantee,
      ['s3:PutObject'],
      REPORT_PREFIX,
      `by the month (${REPORT_PREFIX}2026-10/…)`,
    );
  }
}

import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { logicalIdOf } from './logical-ids.js';

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
 * Where the monthly report function puts its HTML and CSV: private, encrypted, SSL only, reports moving to
 * Infrequent Access after a month and expiring after two years.
 */
export class ReportBucket extends Bucket {
  constructor(scope: Construct, id: string, props: ReportBucketProps = {}) {
    super(scope, id, {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
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
      // The reports are the record of past capacity: `cdk destroy` leaves them (docs/deploy.md, "Tear it down", says so).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the report function writes this bucket, once a month, through its own role; server access logs ' +
        'would need a second bucket to record twelve PUTs a year. CloudTrail data events can be turned on if ' +
        'an audit needs the readers.',
    });
  }

  /**
   * What the report handler does and nothing more: `s3:PutObject` under {@link REPORT_PREFIX}. Not `grantPut`,
   * which adds `s3:Abort*` and the legal-hold, retention and tagging actions the handler never calls (and whose
   * wildcard action cdk-nag would flag as well).
   */
  grantReportWrite(grantee: IGrantable & Construct): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.arnForObjects(`${REPORT_PREFIX}*`)],
      }),
    );
    const bucket = `<${logicalIdOf(this.node.defaultChild as CfnBucket)}.Arn>`;
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucket}/${REPORT_PREFIX}*]`,
      reason: `Report objects are named by the month at run time (${REPORT_PREFIX}2026-10/…); the grant stops at the prefix.`,
    });
  }
}

import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { logicalIdOf } from './logical-ids.js';

/** The key prefixes `S3SpillStore` uses: failed batches, batches InfluxDB refused, carried state. */
export const SPILL_PREFIXES = { spill: 'spill/', rejected: 'rejected/', state: 'state/' } as const;

export interface SpillBucketProps {
  /**
   * Days a batch waits under `spill/` for InfluxDB to come back before it is dropped.
   * @default 90
   */
  spillDays?: number;
  /**
   * Days a batch InfluxDB refused stays under `rejected/` for a person to look at.
   * @default 30
   */
  rejectedDays?: number;
}

/**
 * Where runs put the points InfluxDB could not take, for a later run to replay, and the state they carry
 * across cold starts (429 back-offs): private, encrypted, SSL only, objects expiring by prefix.
 */
export class SpillBucket extends Bucket {
  constructor(scope: Construct, id: string, props: SpillBucketProps = {}) {
    super(scope, id, {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [
        { id: 'ExpireSpill', prefix: SPILL_PREFIXES.spill, expiration: Duration.days(props.spillDays ?? 90) },
        {
          id: 'ExpireRejected',
          prefix: SPILL_PREFIXES.rejected,
          expiration: Duration.days(props.rejectedDays ?? 30),
        },
      ],
      // It may hold points not yet replayed: `cdk destroy` leaves it (and says so in the README).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the collector function reads and writes this bucket, through its own role; server access logs ' +
        'would need a second bucket and would log every spilled batch. CloudTrail data events can be turned on ' +
        'if an audit needs them.',
    });
  }

  /**
   * What `S3SpillStore` does and nothing more: list, read and delete spilled batches, write batches (spilled
   * or refused), read and write the carried state. Each statement is limited to its prefix.
   */
  grantSpill(grantee: IGrantable & Construct): void {
    const policy = grantee.grantPrincipal;
    const objects = (prefix: string) => this.arnForObjects(`${prefix}*`);
    const statements = [
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucketArn],
        conditions: { StringEquals: { 's3:prefix': [SPILL_PREFIXES.spill] } },
      }),
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [objects(SPILL_PREFIXES.spill)],
      }),
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [objects(SPILL_PREFIXES.rejected)] }),
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [objects(SPILL_PREFIXES.state)],
      }),
    ];
    for (const statement of statements) policy.addToPrincipalPolicy(statement);

    const bucket = `<${logicalIdOf(this.node.defaultChild as CfnBucket)}.Arn>`;
    for (const prefix of Object.values(SPILL_PREFIXES)) {
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucket}/${prefix}*]`,
        reason: `Objects under ${prefix} are named per batch or tick at run time; the grant stops at the prefix.`,
      });
    }
  }
}

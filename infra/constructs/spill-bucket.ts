import { Duration } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { PrivateBucket } from './private-bucket.js';

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
 * across cold starts (429 back-offs): a {@link PrivateBucket}, objects expiring by prefix.
 */
export class SpillBucket extends PrivateBucket {
  constructor(scope: Construct, id: string, props: SpillBucketProps = {}) {
    super(scope, id, {
      lifecycleRules: [
        { id: 'ExpireSpill', prefix: SPILL_PREFIXES.spill, expiration: Duration.days(props.spillDays ?? 90) },
        {
          id: 'ExpireRejected',
          prefix: SPILL_PREFIXES.rejected,
          expiration: Duration.days(props.rejectedDays ?? 30),
        },
      ],
      accessLogs: {
        users: 'Only the collector function reads and writes this bucket',
        logs: 'every spilled batch',
      },
    });
  }

  /**
   * What `S3SpillStore` does and nothing more: list, read and delete spilled batches, write batches (spilled
   * or refused), read and write the carried state. Each statement is limited to its prefix.
   */
  grantSpill(grantee: IGrantable & Construct): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucketArn],
        conditions: { StringEquals: { 's3:prefix': [SPILL_PREFIXES.spill] } },
      }),
    );
    const named = 'per batch or tick';
    this.grantUnderPrefix(
      grantee,
      ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      SPILL_PREFIXES.spill,
      named,
    );
    this.grantUnderPrefix(grantee, ['s3:PutObject'], SPILL_PREFIXES.rejected, named);
    this.grantUnderPrefix(grantee, ['s3:GetObject', 's3:PutObject'], SPILL_PREFIXES.state, named);
  }
}

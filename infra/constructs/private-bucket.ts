import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type LifecycleRule,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { logicalIdOf } from './logical-ids.js';

export interface PrivateBucketProps {
  lifecycleRules: LifecycleRule[];
  /**
   * Who uses the bucket and how often, and what server access logs would record: why it keeps none (cdk-nag's
   * AwsSolutions-S1), e.g. `{ users: 'Only the report function writes this bucket, once a month',
   * logs: 'twelve PUTs a year' }`.
   */
  accessLogs: { users: string; logs: string };
}

/**
 * A bucket only our own functions use: private, encrypted, SSL only, and left behind by `cdk destroy` (what it
 * holds is either a record or not yet in InfluxDB; docs/deploy.md, "Tear it down", says so).
 */
export class PrivateBucket extends Bucket {
  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id, {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: props.lifecycleRules,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        `${props.accessLogs.users}, through its own role; server access logs would need a second bucket and ` +
        `would record ${props.accessLogs.logs}. CloudTrail data events can be turned on if an audit needs them.`,
    });
  }

  /**
   * `actions` on the objects under `prefix` and nowhere else, with cdk-nag's finding on the `<prefix>*`
   * wildcard acknowledged: `named` says how the objects are named at run time, which is why the grant cannot
   * name them.
   */
  protected grantUnderPrefix(
    grantee: IGrantable & Construct,
    actions: string[],
    prefix: string,
    named: string,
  ): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions, resources: [this.arnForObjects(`${prefix}*`)] }),
    );
    const bucket = `<${logicalIdOf(this.node.defaultChild as CfnBucket)}.Arn>`;
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucket}/${prefix}*]`,
      reason: `Objects under ${prefix} are named ${named} at run time; the grant stops at the prefix.`,
    });
  }
}

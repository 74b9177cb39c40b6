import { fileURLToPath } from 'node:url';
import {
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import { SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Config } from '../functions/config/schema.js';
import { requiredSecrets } from '../functions/secrets/required.js';
import { CollectorAlarms } from './constructs/collector-alarms.js';
import { CollectorFunction } from './constructs/collector-function.js';
import { CollectorSecrets } from './constructs/collector-secrets.js';
import { DeployCheck } from './constructs/deploy-check.js';
import { logicalIdOf } from './constructs/logical-ids.js';
import { MonthlyReport } from './constructs/monthly-report.js';
import { SpillBucket } from './constructs/spill-bucket.js';
import type { NetworkContext } from './context.js';
import { logRetentionOf } from './retention.js';
import {
  failureAlarmPeriodMinutes,
  functionTimeoutMs,
  heartbeatMinutes,
  planGroups,
  shardScheduleId,
} from './schedules.js';

/** The repository root: `infra/..`. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const HANDLER_ENTRY = fileURLToPath(new URL('../functions/handlers/collect.ts', import.meta.url));
const REPORT_ENTRY = fileURLToPath(new URL('../functions/handlers/report.ts', import.meta.url));
const CHECK_ENTRY = fileURLToPath(new URL('../functions/handlers/check.ts', import.meta.url));

export interface CollectorStackProps extends StackProps {
  /** The validated config: targets, InfluxDB, and the `deploy` section. */
  config: Config;
  /** The file `config` was read from (absolute), copied into the bundle. */
  configFile: string;
  /** Subnets and security group for an InfluxDB reachable only inside a VPC. */
  network?: NetworkContext;
  /** Subscribed to the alarm topic when given. */
  alarmEmail?: string;
  /**
   * Run the config check after every deploy, failing the deploy on a secret or InfluxDB problem.
   * @default true
   */
  check?: boolean;
}

/**
 * The collector in AWS: one function, one EventBridge rule per interval group (and per five shards), a
 * dead-letter queue for failed or expired invocations, read access to exactly the configured secrets, and
 * alarms on a topic; and the monthly report: a second function on its own rule, writing to a reports bucket.
 * Environment-agnostic: it synthesises with no account, region or network look-up.
 */
export class CollectorStack extends Stack {
  constructor(scope: Construct, id: string, props: CollectorStackProps) {
    super(scope, id, {
      description:
        'Concurrency collector: polls SaaS live-concurrency endpoints on schedule into InfluxDB; monthly report to S3',
      ...props,
    });
    const { config } = props;
    Tags.of(this).add('app', 'concurrency-collector');

    const groups = planGroups(config);
    const timeoutMs = functionTimeoutMs(config, groups);

    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue: it receives the failed and expired invocations of the ' +
        'collector function and of its EventBridge Scheduler schedules, and nothing consumes it automatically.',
    });

    // Points InfluxDB could not take wait here for a later run to replay them (see functions/spill/s3.ts).
    const spillBucket = new SpillBucket(this, 'SpillBucket');

    const logRetention = logRetentionOf(config.deploy.logRetentionDays);
    const network = props.network ? this.network(props.network) : undefined;
    const fn = new CollectorFunction(this, 'Collector', {
      entry: HANDLER_ENTRY,
      projectRoot: PROJECT_ROOT,
      configFile: props.configFile,
      timeout: Duration.millis(timeoutMs),
      logRetention,
      onFailure: new SqsDestination(deadLetterQueue),
      environment: { SPILL_BUCKET: spillBucket.bucketName },
      ...(network ? { network } : {}),
    });

    spillBucket.grantSpill(fn.role as Role);
    const required = requiredSecrets(config);
    const secrets = new CollectorSecrets(this, 'Secrets', {
      secrets: required,
      create: config.deploy.createSecrets,
      ...(config.deploy.kmsKeyArn ? { kmsKeyArn: config.deploy.kmsKeyArn } : {}),
    });
    secrets.grantRead(
      fn,
      required.map((secret) => secret.name),
    );

    // One schedule group per stack, so two stacks side by side never share one; deleted with the stack.
    const scheduleGroup = new ScheduleGroup(this, 'Schedules', { removalPolicy: RemovalPolicy.DESTROY });
    // One role for every schedule: it may invoke the two functions and send to the dead-letter queue.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description:
        'EventBridge Scheduler: invokes the collector and report functions, dead letters to the queue',
    });
    const report = new MonthlyReport(this, 'MonthlyReport', {
      entry: REPORT_ENTRY,
      projectRoot: PROJECT_ROOT,
      configFile: props.configFile,
      logRetention,
      deadLetterQueue,
      // It reads InfluxDB, so it goes where the collector goes, in the collector's security group: whatever
      // lets the collector into InfluxDB lets the report in too.
      ...(network
        ? { network: { ...network, securityGroups: network.securityGroups ?? fn.connections.securityGroups } }
        : {}),
      secrets,
      ...(config.influx.tokenSecret ? { tokenSecret: config.influx.tokenSecret } : {}),
      scheduleGroup,
      schedulerRole,
    });

    for (const invoked of [fn, report.fn]) {
      const arn = `<${logicalIdOf(invoked.node.defaultChild as CfnFunction)}.Arn>`;
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arn}:*]`,
        reason:
          "CDK's Lambda grant also covers the function's versions and aliases (`<arn>:*`); nothing else.",
      });
    }

    // Overlap: a schedule fires once per interval (once a minute at most) and each run owns the sample times of
    // its own tick, so two runs of a shard never poll the same tick, and a failed or late run is never repeated
    // (retryAttempts 0, maxEventAge 1 min on the function). A sub-minute run's samples all lie inside its minute
    // (offsets < 60 s), so in the normal case it is over before the next run starts; only retries of its last
    // samples can outlast the minute, bounded by the timeout. Reserved concurrency is not used: on the one
    // function it would throttle every shard together, and per-shard functions would each take reserved
    // capacity that new accounts (10 concurrent executions) do not have to give. The flexible time window is off:
    // a run must start within its minute, and the scheduled time in the input is the tick it samples.
    const schedules: Array<{ id: string; schedule: Schedule; description: string }> = [];
    for (const group of groups) {
      for (const [index, shard] of group.shards.entries()) {
        const id = shardScheduleId(group, index);
        const description = describeSchedule(group.intervalMs, shard, index, group.shards.length);
        const schedule = new Schedule(this, id, {
          description,
          schedule: ScheduleExpression.expression(group.schedule),
          scheduleGroup,
          timeWindow: TimeWindow.off(),
          target: new LambdaInvoke(fn, {
            input: ScheduleTargetInput.fromObject({ time: ContextAttribute.scheduledTime, targets: shard }),
            // Scheduler only retries when it could not hand the event to Lambda, so the run never started.
            retryAttempts: 2,
            maxEventAge: Duration.minutes(1),
            deadLetterQueue,
            role: schedulerRole,
          }),
        });
        schedules.push({ id, schedule, description: `${group.schedule}: ${shard.length} target(s)` });
      }
    }
    const topic = new Topic(this, 'AlarmTopic', {
      displayName: 'Concurrency collector alarms',
      enforceSSL: true,
    });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key, and a ' +
        'customer-managed key would cost more than the rest of the stack; the messages carry only alarm ' +
        'names and states, no figures and no credentials.',
    });
    if (props.alarmEmail) topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const alarms = new CollectorAlarms(this, 'Alarms', {
      fn,
      reportFn: report.fn,
      deadLetterQueue,
      topic,
      failurePeriodMinutes: failureAlarmPeriodMinutes(groups),
      heartbeatMinutes: heartbeatMinutes(groups),
    });

    if (props.check ?? true) {
      const check = new DeployCheck(this, 'Check', {
        entry: CHECK_ENTRY,
        projectRoot: PROJECT_ROOT,
        configFile: props.configFile,
        role: fn.role as Role,
        timeout: Duration.millis(timeoutMs),
        logRetention,
        environment: { SPILL_BUCKET: spillBucket.bucketName },
        ...(network ? { network: { ...network, securityGroups: fn.connections.securityGroups } } : {}),
      });
      // Its function already waits for the collector role's policy (the grants); it must also wait for the secrets
      // createSecrets makes.
      check.node.addDependency(secrets);
      new CfnOutput(this, 'CheckReport', {
        value: check.report,
        description: 'What the post-deploy check found (failing targets do not fail the deploy)',
      });
    }

    new CfnOutput(this, 'FunctionName', { value: fn.functionName, description: 'The collector function' });
    new CfnOutput(this, 'LogGroupName', {
      value: fn.logGroup.logGroupName,
      description: "The function's logs",
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: deadLetterQueue.queueUrl,
      description: 'Failed and expired invocations',
    });
    new CfnOutput(this, 'SpillBucketName', {
      value: spillBucket.bucketName,
      description: 'Points waiting to be replayed into InfluxDB',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: topic.topicArn,
      description: 'Subscribe here to get the alarms',
    });
    for (const { id, schedule, description } of schedules) {
      new CfnOutput(this, `Schedule${id}`, { value: schedule.scheduleName, description });
    }
    new CfnOutput(this, 'ScheduleGroupName', { value: scheduleGroup.scheduleGroupName });
    new CfnOutput(this, 'AlarmErrors', { value: alarms.errors.alarmName });
    new CfnOutput(this, 'AlarmTargetsFailing', { value: alarms.targetsFailing.alarmName });
    new CfnOutput(this, 'AlarmDeadLetters', { value: alarms.deadLetters.alarmName });
    new CfnOutput(this, 'AlarmReportErrors', { value: alarms.reportErrors.alarmName });
    new CfnOutput(this, 'AlarmSpilling', { value: alarms.spilling.alarmName });
    new CfnOutput(this, 'AlarmSpillAge', { value: alarms.spillAge.alarmName });
    new CfnOutput(this, 'AlarmHeartbeat', { value: alarms.heartbeat.alarmName });
    new CfnOutput(this, 'AlarmMissedSamples', { value: alarms.missedSamples.alarmName });
  }

  private network(context: NetworkContext) {
    // The function only needs the VPC's id (for a new security group): the subnets are given explicitly, so
    // the zones are left to CloudFormation rather than looked up.
    const vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: context.vpcId, availabilityZones: Fn.getAzs() });
    const subnets = context.subnetIds.map((subnetId) =>
      Subnet.fromSubnetId(this, `Subnet[${subnetId}]`, subnetId),
    );
    const securityGroups = context.securityGroupId
      ? [
          SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', context.securityGroupId, {
            mutable: false,
          }),
        ]
      : undefined;
    return { vpc, subnets, ...(securityGroups ? { securityGroups } : {}) };
  }
}

/** A schedule's description in the console (Scheduler allows 512 characters). */
function describeSchedule(
  intervalMs: number,
  shard: readonly string[],
  index: number,
  shards: number,
): string {
  const part = shards > 1 ? ` (shard ${index + 1} of ${shards})` : '';
  const text = `Every ${intervalMs / 1_000} s${part}: ${shard.length} target(s): ${shard.join(', ')}`;
  return text.length <= 512 ? text : `${text.slice(0, 509)}...`;
}

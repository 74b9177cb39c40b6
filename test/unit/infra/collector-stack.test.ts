import { Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/config/errors.js';
import { parseConfig } from '../../../functions/config/load.js';
import { CollectorStack } from '../../../infra/collector-stack.js';
import { EXAMPLE, EXAMPLE_FILE, synth, synthStack, testApp } from '../../support/cdk-synth.js';

/**
 * Every `Validations.of(…).acknowledge()` in the stack: `construct path: rule id` → reason. The path is part of
 * the key because one rule may be acknowledged on two constructs (both buckets' S1), each with its own reason.
 */
function acknowledgedRules(stack: CollectorStack): Record<string, string> {
  const rules: Record<string, string> = {};
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      const path = construct.node.path.slice(stack.node.path.length + 1);
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        rules[`${path}: ${key.replace(/^Annotation::/, '')}`] = reason;
      }
    }
  }
  for (const reason of Object.values(rules)) expect(reason.length).toBeGreaterThan(60);
  return rules;
}

/** A config of `count` Metered targets of one interval. */
function manyTargets(
  count: number,
  interval: string,
  deploy: Record<string, unknown>,
): Record<string, unknown> {
  return {
    influx: EXAMPLE.influx,
    targets: Array.from({ length: count }, (_, index) => ({
      name: `t${String(index).padStart(2, '0')}`,
      endpoint: 'metered.usage',
      secret: 'collector/metered',
      interval,
    })),
    deploy,
  };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** The statements of every policy, or only of the policies attached to roles whose logical id starts so. */
function statementsOf(template: Template, rolePrefix?: 'CollectorRole' | 'ReportRole'): Statement[] {
  type Policy = {
    Properties: { PolicyDocument: { Statement: Statement[] }; Roles: Array<{ Ref: string }> };
  };
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Policy[])
    .filter(
      (policy) =>
        rolePrefix === undefined || policy.Properties.Roles.some((role) => role.Ref.startsWith(rolePrefix)),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** `collector/influx` from `arn:…:secret:collector/influx-??????` as CloudFormation joins it. */
function secretNameOf(resource: unknown): string {
  const text = JSON.stringify(resource);
  const match = /:secret:([^"]+)-\?{6}"/.exec(text);
  if (!match?.[1]) throw new Error(`not a secret ARN pattern: ${text}`);
  return match[1];
}

describe('CollectorStack with the example config', () => {
  const { template, violations } = synth();

  it('passes cdk-nag’s AwsSolutions pack', () => {
    expect(violations).toEqual([]);
  });

  it('has one Scheduler schedule per shard, in one group, firing on the minute with the scheduled time', () => {
    // And the monthly report's schedule.
    template.resourceCountIs('AWS::Scheduler::Schedule', 4);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.resourceCountIs('AWS::Events::Rule', 0);
    for (const names of [['eu-prod'], ['chat', 'eu-prod-users'], ['signalling']]) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(* * * * ? *)',
        ScheduleExpressionTimezone: 'Etc/UTC',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        GroupName: Match.stringLikeRegexp('^Test-Schedules-'),
        Target: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Collector'), 'Arn'] },
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerRole'), 'Arn'] },
          Input: `{"time":"<aws.scheduler.scheduled-time>","targets":${JSON.stringify(names)}}`,
          RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] } },
        },
      });
    }
  });

  it('runs Node.js 24 on ARM64, with a timeout covering the 10 s group’s minute and its retries', () => {
    // The collector and the monthly report.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 133,
      MemorySize: 256,
      Environment: {
        Variables: {
          COLLECTOR_CONFIG_PATH: '/var/task/collector.config.json',
          POWERTOOLS_SERVICE_NAME: 'concurrency-collector',
          POWERTOOLS_METRICS_NAMESPACE: 'ConcurrencyCollector',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^CollectorLogs') } },
    });
    expect(
      template.findResources('AWS::Lambda::Function', {
        Properties: { ReservedConcurrentExecutions: Match.anyValue() },
      }),
    ).toEqual({});
  });

  it('lets the schedules’ role invoke the two functions and dead-letter to the queue, and nothing else', () => {
    template.resourceCountIs('AWS::Lambda::Permission', 0);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { PolicyDocument: { Statement: Statement[] }; Roles: Array<{ Ref: string }> };
    }>;
    const scheduler = policies.filter((policy) =>
      policy.Properties.Roles.some((role) => role.Ref.startsWith('SchedulerRole')),
    );
    const actions = scheduler.flatMap((policy) =>
      policy.Properties.PolicyDocument.Statement.flatMap(actionsOf),
    );
    expect([...new Set(actions)].sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });

  it('grants reading exactly the configured secrets, by name, and no secretsmanager action on "*"', () => {
    const secretStatements = statementsOf(template, 'CollectorRole').filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(1);
    const [statement] = secretStatements as [Statement];
    expect(actionsOf(statement).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    const resources = statement.Resource as unknown[];
    expect(resources.map(secretNameOf).sort()).toEqual([
      'collector/imkit',
      'collector/influx',
      'collector/metered',
      'collector/streampixel',
    ]);
    for (const any of statementsOf(template)) {
      const wildcard = JSON.stringify(any.Resource).includes('*');
      const secretsOrAll = actionsOf(any).some(
        (action) => action.startsWith('secretsmanager:') || action === '*',
      );
      expect(wildcard && secretsOrAll).toBe(false);
    }
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('writes only to its own log group, kept for deploy.logRetentionDays', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const logs = statementsOf(template, 'CollectorRole').filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith('logs:')),
    );
    expect(logs).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CollectorLogs/), 'Arn'] },
      },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('sends failed and expired invocations to an SSL-only dead-letter queue, without retrying them', () => {
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  it('alarms on function errors, on targets failing three periods in a row, and on dead letters', () => {
    // And on the report function's errors (see the monthly report's tests) and the four below.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    const topic = { Ref: Match.stringLikeRegexp('^AlarmTopic') };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^Collector') } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ConcurrencyCollector',
      MetricName: 'SamplesFailed',
      Dimensions: [{ Name: 'service', Value: 'concurrency-collector' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('alarms when runs keep spilling: PointsSpilled > 0 in 2 of 3 five-minute periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ConcurrencyCollector',
      MetricName: 'PointsSpilled',
      Dimensions: [{ Name: 'service', Value: 'concurrency-collector' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });

  it('alarms when the oldest spilled batch is over an hour old, far inside the spill’s 90-day expiry', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ConcurrencyCollector',
      MetricName: 'SpillAge',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 3_600,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'spill/', ExpirationInDays: 90 })]),
      },
    });
  });

  it('alarms on a missing heartbeat: no SamplesTaken (or 0) for 10 minutes is breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ConcurrencyCollector',
      MetricName: 'SamplesTaken',
      Statistic: 'Sum',
      Period: 600,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });

  it('alarms when SamplesMissed exceeds 10 % of SamplesTaken over 15 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(taken > 0, 100 * missed / taken, 0)', ReturnData: true }),
        Match.objectLike({
          Id: 'missed',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'SamplesMissed', Namespace: 'ConcurrencyCollector' }),
            Period: 900,
            Stat: 'Sum',
          }),
          ReturnData: false,
        }),
        Match.objectLike({
          Id: 'taken',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'SamplesTaken' }),
            Period: 900,
            Stat: 'Sum',
          }),
        }),
      ]),
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });

  it('spills to a private, encrypted, SSL-only bucket it may only use under the spill store’s prefixes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ SPILL_BUCKET: { Ref: Match.stringLikeRegexp('^SpillBucket') } }),
      },
    });
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({ Prefix: 'spill/', ExpirationInDays: 90 }),
            Match.objectLike({ Prefix: 'rejected/', ExpirationInDays: 30 }),
          ],
        },
      }),
    });
    const s3 = statementsOf(template, 'CollectorRole').filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith('s3:')),
    );
    const grants = s3.map((statement) => {
      const resource = JSON.stringify(statement.Resource);
      return [actionsOf(statement).sort().join(','), /"\/([a-z]+\/)\*"/.exec(resource)?.[1] ?? 'bucket'];
    });
    expect(grants).toEqual([
      ['s3:ListBucket', 'bucket'],
      ['s3:DeleteObject,s3:GetObject,s3:PutObject', 'spill/'],
      ['s3:PutObject', 'rejected/'],
      ['s3:GetObject,s3:PutObject', 'state/'],
    ]);
    expect(s3[0]).toMatchObject({ Condition: { StringEquals: { 's3:prefix': ['spill/'] } } });
    // The spill bucket is the collector's alone: the report role has no grant on it.
    expect(JSON.stringify(statementsOf(template, 'ReportRole'))).not.toContain('SpillBucket');
  });

  it('acknowledges only the cdk-nag findings it must, each with a written reason', () => {
    expect(acknowledgedRules(synthStack())).toEqual({
      'SpillBucket: AwsSolutions-S1': expect.stringMatching(/server access logs would need a second bucket/),
      'MonthlyReport/Bucket: AwsSolutions-S1': expect.stringMatching(
        /server access logs would need a second bucket/,
      ),
      'AlarmTopic: AwsSolutions-SNS2': expect.stringMatching(/CloudWatch alarms cannot publish/),
      'DeadLetterQueue: AwsSolutions-SQS3': expect.stringMatching(/itself the dead-letter queue/),
      'CollectorRole: AwsSolutions-IAM5[Resource::<SpillBucket09AD0DE5.Arn>/rejected/*]':
        expect.stringMatching(/prefix/),
      'CollectorRole: AwsSolutions-IAM5[Resource::<SpillBucket09AD0DE5.Arn>/spill/*]':
        expect.stringMatching(/prefix/),
      'CollectorRole: AwsSolutions-IAM5[Resource::<SpillBucket09AD0DE5.Arn>/state/*]':
        expect.stringMatching(/prefix/),
      'MonthlyReport/FunctionRole: AwsSolutions-IAM5[Resource::<ReportBucket577F0FCD.Arn>/reports/*]':
        expect.stringMatching(/named by the month \(reports\/2026-10\/…\) at run time/),
      'SchedulerRole: AwsSolutions-IAM5[Resource::<Collector9EBA7CF5.Arn>:*]':
        expect.stringMatching(/versions/),
      'SchedulerRole: AwsSolutions-IAM5[Resource::<ReportC847FC22.Arn>:*]': expect.stringMatching(/versions/),
      'Check/Provider: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        expect.stringMatching(/provider framework/),
      'Check/Provider: AwsSolutions-IAM5[Resource::<CheckFunction82225D96.Arn>:*]':
        expect.stringMatching(/versions/),
      'Check/Provider: AwsSolutions-L1': expect.stringMatching(/runtime/),
    });
  });

  it('names the functions, schedules, alarms, buckets, queue and topic in its outputs', () => {
    const outputs = Object.keys(template.findOutputs('*')).sort();
    expect(outputs).toEqual(
      [
        'AlarmDeadLetters',
        'AlarmErrors',
        'AlarmHeartbeat',
        'AlarmMissedSamples',
        'AlarmReportErrors',
        'AlarmSpillAge',
        'AlarmSpilling',
        'AlarmTargetsFailing',
        'AlarmTopicArn',
        'DeadLetterQueueUrl',
        'FunctionName',
        'LogGroupName',
        'ReportBucketName',
        'ReportFunctionName',
        'ReportLogGroupName',
        'ReportScheduleName',
        'ScheduleEvery10s',
        'ScheduleEvery1m',
        'ScheduleEvery30s',
        'ScheduleGroupName',
        'SpillBucketName',
      ].sort(),
    );
    template.hasOutput('ReportFunctionName', { Value: { Ref: Match.stringLikeRegexp('^Report') } });
    template.hasOutput('ReportBucketName', { Value: { Ref: Match.stringLikeRegexp('^ReportBucket') } });
    template.hasOutput('ReportScheduleName', { Value: { Ref: Match.stringLikeRegexp('^MonthlyReport') } });
  });
});

describe('CollectorStack’s monthly report', () => {
  const { template } = synth();
  const reportFn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Report[0-9A-F]{8}$'), 'Arn'] };

  it('keeps reports in a private, encrypted, SSL-only bucket, kept on destroy, moved to IA and expired by age', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    const [[id, bucket]] = Object.entries(
      template.findResources('AWS::S3::Bucket', {
        Properties: { LifecycleConfiguration: { Rules: [Match.objectLike({ Prefix: 'reports/' })] } },
      }),
    ) as [[string, { DeletionPolicy: string; Properties: Record<string, unknown> }]];
    expect(id).toMatch(/^ReportBucket/);
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'AgeReports',
            Prefix: 'reports/',
            Status: 'Enabled',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            ExpirationInDays: 730,
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('runs the report handler on Node.js 24, ARM64, 512 MB for 5 minutes, with the bucket and the config', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('concurrency report'),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 300,
      Environment: {
        Variables: {
          REPORT_BUCKET: { Ref: Match.stringLikeRegexp('^ReportBucket') },
          COLLECTOR_CONFIG_PATH: '/var/task/collector.config.json',
          POWERTOOLS_SERVICE_NAME: 'concurrency-report',
          POWERTOOLS_METRICS_NAMESPACE: 'ConcurrencyCollector',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ReportLogs') } },
    });
    // Its own log group, with the configured retention.
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const logs = statementsOf(template, 'ReportRole').filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith('logs:')),
    );
    expect(logs).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ReportLogs/), 'Arn'] },
      },
    ]);
  });

  it('fires at 02:00 UTC on the 1st with the scheduled time, retried by Scheduler, then the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 1 * ? *)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      GroupName: Match.stringLikeRegexp('^Test-Schedules-'),
      Target: {
        Arn: reportFn,
        RoleArn: Match.anyValue(),
        Input: '{"time":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] } },
      },
    });
    // An idempotent run: Lambda retries a failed one twice, then sends it to the shared dead-letter queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^Report[0-9A-F]{8}$') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  it('may put objects under reports/ of its bucket, and nothing else in S3', () => {
    const s3 = statementsOf(template, 'ReportRole').filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith('s3:')),
    );
    expect(s3).toEqual([
      {
        Action: 's3:PutObject',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^ReportBucket/), 'Arn'] }, '/reports/*']],
        },
      },
    ]);
    // And the collector may not touch the reports bucket.
    expect(JSON.stringify(statementsOf(template, 'CollectorRole'))).not.toContain('ReportBucket');
  });

  it('may read the InfluxDB token secret and none of the providers’ secrets', () => {
    const secrets = statementsOf(template, 'ReportRole').filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secrets).toHaveLength(1);
    const [statement] = secrets as [Statement];
    expect(actionsOf(statement).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(secretNameOf(statement.Resource)).toBe('collector/influx');
    // Nothing but logs, the dead-letter queue, its bucket prefix and that secret.
    const services = statementsOf(template, 'ReportRole').flatMap((s) =>
      actionsOf(s).map((a) => a.split(':')[0]),
    );
    expect([...new Set(services)].sort()).toEqual(['logs', 's3', 'secretsmanager', 'sqs']);
  });

  it('reads no secret at all for an InfluxDB without a token', () => {
    const open = synth({
      ...EXAMPLE,
      influx: { url: 'http://10.0.0.5:8086', apiVersion: 1, database: 'concurrency' },
    });
    expect(open.violations).toEqual([]);
    const secrets = statementsOf(open.template, 'ReportRole').filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secrets).toEqual([]);
  });

  it('alarms on the report function’s errors, on the same topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^Report[0-9A-F]{8}$') } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });
});

describe('CollectorStack sharding', () => {
  it('gives each shard a schedule of its own (no five-targets-per-rule limit), named EveryNShardM', () => {
    const { template, violations } = synth(manyTargets(12, '10s', { shardSize: 2 }));
    expect(violations).toEqual([]);
    const schedules = Object.values(
      template.findResources('AWS::Scheduler::Schedule', {
        Properties: { ScheduleExpression: 'cron(* * * * ? *)' },
      }),
    ) as Array<{ Properties: { Target: { Input: string } } }>;
    const shards = schedules.map(
      (schedule) => (JSON.parse(schedule.Properties.Target.Input) as { targets: string[] }).targets,
    );
    expect(shards.sort()).toEqual([
      ['t00', 't01'],
      ['t02', 't03'],
      ['t04', 't05'],
      ['t06', 't07'],
      ['t08', 't09'],
      ['t10', 't11'],
    ]);
    expect(Object.keys(template.findOutputs('*')).filter((key) => /^ScheduleEvery/.test(key))).toEqual([
      'ScheduleEvery10s',
      'ScheduleEvery10sShard2',
      'ScheduleEvery10sShard3',
      'ScheduleEvery10sShard4',
      'ScheduleEvery10sShard5',
      'ScheduleEvery10sShard6',
    ]);
  });

  it('fires on the multiples of longer intervals, and a shorter timeout when nothing samples within the minute', () => {
    const { template } = synth(manyTargets(3, '5m', {}));
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0/5 * * * ? *)' });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 83 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SamplesFailed', Period: 300 });
  });
});

/** The `createSecret` calls of the stack's AwsCustomResources, parsed: name → call. */
function createdSecrets(
  template: Template,
): Record<string, { parameters: Record<string, string>; ignoreErrorCodesMatching: string }> {
  const calls: Record<string, { parameters: Record<string, string>; ignoreErrorCodesMatching: string }> = {};
  for (const resource of Object.values(template.findResources('Custom::AWS')) as Array<{
    Properties: { Create: string | { 'Fn::Join': [string, unknown[]] }; Delete?: unknown };
  }>) {
    expect(resource.Properties.Delete).toBeUndefined();
    const create = resource.Properties.Create;
    const text =
      typeof create === 'string'
        ? create
        : create['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '')).join('');
    const call = JSON.parse(text) as {
      action: string;
      parameters: Record<string, string>;
      ignoreErrorCodesMatching: string;
    };
    expect(call.action).toBe('createSecret');
    calls[call.parameters.Name as string] = call;
  }
  return calls;
}

describe('CollectorStack with deploy.createSecrets', () => {
  const { template, violations } = synth({ ...EXAMPLE, deploy: { createSecrets: true } });

  it('passes cdk-nag', () => {
    expect(violations).toEqual([]);
  });

  it('creates each missing secret with its readers’ keys, empty, never a generated value, and leaves an existing one be', () => {
    // Not AWS::SecretsManager::Secret: kept on destroy, it would make the next deploy fail on its name.
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const expected: Record<string, Record<string, string>> = {
      'collector/influx': { token: '' },
      'collector/streampixel': { apikey: '', userId: '' },
      'collector/imkit': { apiKey: '' },
      'collector/metered': { secretKey: '' },
    };
    const calls = createdSecrets(template);
    expect(Object.keys(calls).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, call] of Object.entries(calls)) {
      expect(JSON.parse(call.parameters.SecretString as string)).toEqual(expected[name]);
      expect(call.parameters.GenerateSecretString).toBeUndefined();
      // A redeploy after `cdk destroy` finds the secret kept with its values, and goes on.
      expect(call.ignoreErrorCodesMatching).toBe('ResourceExistsException');
    }
  });

  it('grants reading the created secrets by name, as imported ones', () => {
    const [statement] = statementsOf(template, 'CollectorRole').filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(((statement?.Resource ?? []) as unknown[]).map(secretNameOf).sort()).toEqual([
      'collector/imkit',
      'collector/influx',
      'collector/metered',
      'collector/streampixel',
    ]);
  });

  it('asks InfluxDB 1.x users for a username and password', () => {
    const v1 = synth({
      ...EXAMPLE,
      influx: {
        url: 'http://10.0.0.5:8086',
        apiVersion: 1,
        database: 'concurrency',
        tokenSecret: 'collector/influx',
      },
      deploy: { createSecrets: true },
    });
    expect(
      JSON.parse(createdSecrets(v1.template)['collector/influx']?.parameters.SecretString as string),
    ).toEqual({
      password: '',
      username: '',
    });
  });
});

const IMKIT_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/imkit-AbC123';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('CollectorStack secret references', () => {
  const withArn = {
    ...EXAMPLE,
    targets: (EXAMPLE.targets as Array<Record<string, unknown>>).map((target) =>
      target.endpoint === 'imkit.connectionCount' ? { ...target, secret: IMKIT_ARN } : target,
    ),
  };

  it('grants a secret given by full ARN exactly that ARN, and a name its -?????? pattern', () => {
    const { template, violations } = synth(withArn);
    expect(violations).toEqual([]);
    const [statement] = statementsOf(template, 'CollectorRole').filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    const resources = (statement?.Resource ?? []) as unknown[];
    expect(resources).toContainEqual(IMKIT_ARN);
    expect(
      resources
        .filter((resource) => typeof resource !== 'string')
        .map(secretNameOf)
        .sort(),
    ).toEqual(['collector/influx', 'collector/metered', 'collector/streampixel']);
    expect(JSON.stringify(resources)).not.toContain('prod/imkit-AbC123-');
  });

  it.each([
    ['a name with a space', 'collector/my secret'],
    ['a character Secrets Manager refuses', 'collector/imkit#1'],
    ['over 512 characters', `collector/${'x'.repeat(510)}`],
    [
      'an ARN without its six-character suffix',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/imkit',
    ],
    ['an ARN of another service', 'arn:aws:ssm:eu-west-1:123456789012:parameter/imkit'],
  ])('refuses %s, naming the path', (_label, secret) => {
    const input = {
      ...EXAMPLE,
      targets: (EXAMPLE.targets as Array<Record<string, unknown>>).map((target, index) =>
        index === 2 ? { ...target, secret } : target,
      ),
    };
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(/targets\[2\]\.secret|targets\.2\.secret/);
  });

  it('with deploy.kmsKeyArn, may decrypt with that key only through Secrets Manager in its region', () => {
    const { template, violations } = synth({ ...EXAMPLE, deploy: { kmsKeyArn: KEY_ARN } });
    expect(violations).toEqual([]);
    for (const role of ['CollectorRole', 'ReportRole'] as const) {
      const kms = statementsOf(template, role).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
      expect(kms).toEqual([
        {
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: KEY_ARN,
          Condition: {
            StringEquals: {
              'kms:ViaService': {
                'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
              },
            },
          },
        },
      ]);
    }
  });

  it('refuses a kmsKeyArn that is not a KMS key ARN', () => {
    expect(() => parseConfig({ ...EXAMPLE, deploy: { kmsKeyArn: 'alias/collector' } })).toThrow(
      /deploy\.kmsKeyArn.*expected a KMS key ARN/,
    );
  });
});

/** The properties by which CloudFormation resources take an account-wide (or region-wide) physical name. */
const PHYSICAL_NAME_KEYS = [
  'FunctionName',
  'RoleName',
  'BucketName',
  'QueueName',
  'TopicName',
  'AlarmName',
  'LogGroupName',
  'Name',
  'GroupName',
  'SecretName',
];

describe('Two stacks side by side (-c stackName=…)', () => {
  it('synthesise in one app, account and region without a physical name in common', () => {
    const { app } = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const input = { ...EXAMPLE, deploy: { createSecrets: true } };
    const stacks = ['CollectorStaging', 'CollectorProd'].map(
      (name) =>
        new CollectorStack(app, name, { config: parseConfig(input), configFile: EXAMPLE_FILE, check: true }),
    );
    const assembly = app.synth();
    const templates = stacks.map(
      (stack) =>
        assembly.getStackByName(stack.stackName).template as {
          Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
        },
    );
    expect(stacks.map((stack) => stack.stackName)).toEqual(['CollectorStaging', 'CollectorProd']);
    // Every physical name a resource sets by itself (…Name properties) must differ between the two stacks;
    // the stacks leave them to CloudFormation, which prefixes the stack's name.
    const names = templates.map((template) =>
      Object.values(template.Resources).flatMap((resource) =>
        Object.entries(resource.Properties ?? {})
          .filter(([key, value]) => PHYSICAL_NAME_KEYS.includes(key) && typeof value === 'string')
          .map(([key, value]) => `${resource.Type}.${key}=${value}`),
      ),
    );
    const [staging, prod] = names as [string[], string[]];
    expect(staging.filter((name) => prod.includes(name))).toEqual([]);
    for (const template of templates) {
      expect(
        Object.values(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::ScheduleGroup'),
      ).toHaveLength(1);
    }
  });
});

describe('CollectorStack’s post-deploy check', () => {
  const { template, violations } = synth(EXAMPLE, { check: true });

  it('passes cdk-nag', () => {
    expect(violations).toEqual([]);
  });

  it('runs the check function under the collector’s own role, from a custom resource that changes every synth', () => {
    const check = Object.entries(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('^Checks the collector config') },
      }),
    ) as Array<
      [string, { Properties: { Role: unknown; Environment: { Variables: Record<string, unknown> } } }]
    >;
    expect(check).toHaveLength(1);
    const [[id, fn]] = check as [[string, (typeof check)[number][1]]];
    expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CollectorRole/), 'Arn'] });
    expect(fn.Properties.Environment.Variables.SPILL_BUCKET).toEqual({
      Ref: expect.stringMatching(/^SpillBucket/),
    });
    const [resource] = Object.values(template.findResources('Custom::CollectorCheck')) as Array<{
      Properties: { ServiceToken: unknown; Nonce: string };
    }>;
    expect(Date.parse(resource?.Properties.Nonce as string)).toBeGreaterThan(Date.now() - 600_000);
    expect(JSON.stringify(template.toJSON())).toContain(id);
    template.hasOutput('CheckReport', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Check'), 'Report'] },
    });
  });

  it('is left out with check: false (-c check=false)', () => {
    const { template: unchecked } = synth(EXAMPLE, { check: false });
    unchecked.resourceCountIs('Custom::CollectorCheck', 0);
    expect(Object.keys(unchecked.findOutputs('CheckReport'))).toEqual([]);
  });
});

describe('CollectorStack in a VPC', () => {
  it('attaches the function to the given subnets and security group, with ENI permissions acknowledged', () => {
    const { template, violations } = synth(EXAMPLE, {
      network: {
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
        securityGroupId: 'sg-0cccccccccccccccc',
      },
    });
    expect(violations).toEqual([]);
    // Both functions: the report reads the same InfluxDB.
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
      Properties: { VpcConfig: unknown };
    }>;
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties.VpcConfig).toEqual({
        SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
        SecurityGroupIds: ['sg-0cccccccccccccccc'],
      });
    }
    // Not AWSLambdaVPCAccessExecutionRole, which also grants logs:* on every log group: the ENI actions only.
    template.resourceCountIs('AWS::IAM::Role', 3);
    expect(
      template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } }),
    ).toEqual({});
    for (const role of ['CollectorRole', 'ReportRole'] as const) {
      const wildcard = statementsOf(template, role).filter(
        (statement) => JSON.stringify(statement.Resource) === '"*"',
      );
      expect(wildcard).toHaveLength(1);
      expect(actionsOf(wildcard[0] as Statement).sort()).toEqual([
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:UnassignPrivateIpAddresses',
      ]);
    }
  });

  it('creates an egress-only security group when none is given', () => {
    const { template, violations } = synth(EXAMPLE, {
      network: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'] },
    });
    expect(violations).toEqual([]);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: 'vpc-0123456789abcdef0',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
      SecurityGroupIngress: Match.absent(),
    });
    // One group for both functions, the collector's (kept from before the report existed): the rule that lets
    // the collector into InfluxDB lets the report in too.
    const groups = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) => (fn as { Properties: { VpcConfig: { SecurityGroupIds: unknown } } }).Properties.VpcConfig,
    );
    expect(groups).toEqual([
      {
        SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^CollectorSecurityGroup/), 'GroupId'] }],
      },
      {
        SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^CollectorSecurityGroup/), 'GroupId'] }],
      },
    ]);
  });
});

describe('CollectorStack options and errors', () => {
  it('subscribes alarmEmail to the alarm topic', () => {
    const { template } = synth(EXAMPLE, { alarmEmail: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('fails on a log retention CloudWatch does not offer, naming the key and the next value', () => {
    expect(() => synth({ ...EXAMPLE, deploy: { logRetentionDays: 10 } })).toThrow(ConfigError);
    expect(() => synth({ ...EXAMPLE, deploy: { logRetentionDays: 10 } })).toThrow(
      /deploy\.logRetentionDays: 10 is not a retention CloudWatch Logs offers \(the next one up is 14\)/,
    );
  });
});

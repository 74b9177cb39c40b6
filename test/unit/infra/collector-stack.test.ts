import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/config/errors.js';
import { parseConfig } from '../../../functions/config/load.js';
import { CollectorStack, type CollectorStackProps } from '../../../infra/collector-stack.js';

const ROOT = join(import.meta.dirname, '../../..');
const EXAMPLE_FILE = join(ROOT, 'collector.config.example.json');
const EXAMPLE = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as Record<string, unknown>;
/** The CLI passes cdk.json's context (feature flags included) to the app: so do the tests. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** A cloud assembly folder removed after the tests (an App without one leaves a /tmp/cdk.out* behind). */
function tempOutdir(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'collector-stack-test-'));
  outdirs.push(outdir);
  return outdir;
}

interface Synthesized {
  template: Template;
  /** cdk-nag's findings: `rule at path`, empty when the stack passes. */
  violations: string[];
}

/** Synthesises the stack in-process with cdk-nag and without bundling (the integration tests bundle). */
function synth(
  input: Record<string, unknown> = EXAMPLE,
  props: Partial<Omit<CollectorStackProps, 'config'>> = {},
): Synthesized {
  const outdir = tempOutdir();
  const app = new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new CollectorStack(app, 'Test', {
    config: parseConfig(input),
    configFile: EXAMPLE_FILE,
    ...props,
  });
  const exitCode = process.exitCode;
  const assembly = app.synth();
  // A failed validation sets the exit code instead of throwing: read the report, and leave the runner's code be.
  process.exitCode = exitCode;
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{
      violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
    }>;
  };
  const violations = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => `${violation.ruleName} at ${construct.constructPath}`),
    ),
  );
  return { template: Template.fromJSON(assembly.getStackByName(stack.stackName).template), violations };
}

/** The stack alone, not synthesised: for looking at its constructs. */
function synthStack(input: Record<string, unknown> = EXAMPLE): CollectorStack {
  const app = new App({ outdir: tempOutdir(), context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  return new CollectorStack(app, 'Test', { config: parseConfig(input), configFile: EXAMPLE_FILE });
}

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

  it('has one rule per interval group, each firing every minute with one shard', () => {
    // And the monthly report's rule.
    template.resourceCountIs('AWS::Events::Rule', 4);
    for (const names of [['eu-prod'], ['chat', 'eu-prod-users'], ['signalling']]) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Collector'), 'Arn'] },
            InputTransformer: {
              InputPathsMap: { time: '$.time' },
              InputTemplate: `{"time":<time>,"targets":${JSON.stringify(names)}}`,
            },
            RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] } },
          }),
        ],
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

  it('lets each rule invoke its function, and nothing else', () => {
    template.resourceCountIs('AWS::Lambda::Permission', 4);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as Array<{
      Properties: { Action: string; Principal: string; FunctionName: unknown; SourceArn: unknown };
    }>;
    const pairs = permissions.map(({ Properties: p }) => {
      expect(p.Action).toBe('lambda:InvokeFunction');
      expect(p.Principal).toBe('events.amazonaws.com');
      const rule = (p.SourceArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '');
      const fn = (p.FunctionName as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '');
      return `${rule} → ${fn}`;
    });
    expect(pairs.sort()).toEqual([
      'Every10s → Collector',
      'Every1m → Collector',
      'Every30s → Collector',
      'MonthlyReport → Report',
    ]);
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
    // And on the report function's errors (see the monthly report's tests).
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
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
      'ReportBucket: AwsSolutions-S1': expect.stringMatching(/server access logs would need a second bucket/),
      'AlarmTopic: AwsSolutions-SNS2': expect.stringMatching(/CloudWatch alarms cannot publish/),
      'DeadLetterQueue: AwsSolutions-SQS3': expect.stringMatching(/itself the dead-letter queue/),
      'CollectorRole: AwsSolutions-IAM5[Resource::<SpillBucket09AD0DE5.Arn>/rejected/*]':
        expect.stringMatching(/prefix/),
      'CollectorRole: AwsSolutions-IAM5[Resource::<SpillBucket09AD0DE5.Arn>/spill/*]':
        expect.stringMatching(/prefix/),
      'CollectorRole: AwsSolutions-IAM5[Resource::<SpillBucket09AD0DE5.Arn>/state/*]':
        expect.stringMatching(/prefix/),
      'ReportRole: AwsSolutions-IAM5[Resource::<ReportBucket577F0FCD.Arn>/reports/*]': expect.stringMatching(
        /named by the month at run time/,
      ),
    });
  });

  it('names the functions, rules, alarms, buckets, queue and topic in its outputs', () => {
    const outputs = Object.keys(template.findOutputs('*')).sort();
    expect(outputs).toEqual(
      [
        'AlarmDeadLetters',
        'AlarmErrors',
        'AlarmReportErrors',
        'AlarmTargetsFailing',
        'AlarmTopicArn',
        'DeadLetterQueueUrl',
        'FunctionName',
        'LogGroupName',
        'ReportBucketName',
        'ReportFunctionName',
        'ReportLogGroupName',
        'ReportRuleName',
        'RuleEvery10s',
        'RuleEvery1m',
        'RuleEvery30s',
        'SpillBucketName',
      ].sort(),
    );
    template.hasOutput('ReportFunctionName', { Value: { Ref: Match.stringLikeRegexp('^Report') } });
    template.hasOutput('ReportBucketName', { Value: { Ref: Match.stringLikeRegexp('^ReportBucket') } });
    template.hasOutput('ReportRuleName', { Value: { Ref: Match.stringLikeRegexp('^MonthlyReport') } });
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

  it('fires at 02:00 UTC on the 1st with the scheduled time, retried by EventBridge, then the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 2 1 * ? *)',
      State: 'ENABLED',
      Targets: [
        {
          Id: 'Target0',
          Arn: reportFn,
          InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"time":<time>}' },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] } },
        },
      ],
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
  it('gives each shard its own rule target and spreads more than five shards over further rules', () => {
    const { template, violations } = synth(manyTargets(12, '10s', { shardSize: 2 }));
    expect(violations).toEqual([]);
    const rules = Object.values(
      template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'rate(1 minute)' } }),
    ) as Array<{
      Properties: { Targets: Array<{ InputTransformer: { InputTemplate: string } }> };
    }>;
    const shards = rules.map((rule) =>
      rule.Properties.Targets.map(
        (target) =>
          (
            JSON.parse(target.InputTransformer.InputTemplate.replace('<time>', '"T"')) as {
              targets: string[];
            }
          ).targets,
      ),
    );
    expect(shards).toEqual([
      [
        ['t00', 't01'],
        ['t02', 't03'],
        ['t04', 't05'],
        ['t06', 't07'],
        ['t08', 't09'],
      ],
      [['t10', 't11']],
    ]);
    expect(Object.keys(template.findOutputs('*')).filter((key) => key.startsWith('Rule'))).toEqual([
      'RuleEvery10s',
      'RuleEvery10sPart2',
    ]);
  });

  it('fires on the multiples of longer intervals, and a shorter timeout when nothing samples within the minute', () => {
    const { template } = synth(manyTargets(3, '5m', {}));
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0/5 * * * ? *)' });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 83 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SamplesFailed', Period: 300 });
  });
});

describe('CollectorStack with deploy.createSecrets', () => {
  const { template, violations } = synth({ ...EXAMPLE, deploy: { createSecrets: true } });

  it('passes cdk-nag (rotation acknowledged with a reason)', () => {
    expect(violations).toEqual([]);
    const acknowledged = acknowledgedRules(synthStack({ ...EXAMPLE, deploy: { createSecrets: true } }));
    const rotation = Object.entries(acknowledged).filter(([key]) => key.endsWith(': AwsSolutions-SMG4'));
    expect(rotation.map(([key]) => key.split(':')[0]).sort()).toEqual([
      'Secret[collector%2Fimkit]',
      'Secret[collector%2Finflux]',
      'Secret[collector%2Fmetered]',
      'Secret[collector%2Fstreampixel]',
    ]);
    for (const [, reason] of rotation) expect(reason).toMatch(/rotated in those consoles/);
  });

  it('creates each secret with its readers’ keys, empty, kept on destroy, never with a generated value', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 4);
    const expected: Record<string, Record<string, string>> = {
      'collector/influx': { token: '' },
      'collector/streampixel': { apikey: '', userId: '' },
      'collector/imkit': { apiKey: '' },
      'collector/metered': { secretKey: '' },
    };
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Array<{
      DeletionPolicy: string;
      Properties: { Name: string; SecretString: string; GenerateSecretString?: unknown };
    }>;
    for (const secret of secrets) {
      expect(secret.DeletionPolicy).toBe('Retain');
      expect(secret.Properties.GenerateSecretString).toBeUndefined();
      expect(JSON.parse(secret.Properties.SecretString)).toEqual(expected[secret.Properties.Name]);
    }
    expect(secrets.map((secret) => secret.Properties.Name).sort()).toEqual(Object.keys(expected).sort());
  });

  it('lets the report read the created InfluxDB secret, by reference, and no other', () => {
    const [statement, ...others] = statementsOf(template, 'ReportRole').filter((s) =>
      actionsOf(s).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(others).toEqual([]);
    const influx = Object.entries(template.findResources('AWS::SecretsManager::Secret')).find(
      ([, secret]) => (secret as { Properties: { Name: string } }).Properties.Name === 'collector/influx',
    )?.[0];
    expect(statement?.Resource).toEqual({ Ref: influx });
  });

  it('grants reading the created secrets by reference only', () => {
    const [statement] = statementsOf(template, 'CollectorRole').filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(((statement?.Resource ?? []) as unknown[]).map((resource) => JSON.stringify(resource))).toEqual(
      Array.from({ length: 4 }, () => expect.stringMatching(/^\{"Ref":"Secret/)),
    );
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
    v1.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'collector/influx',
      SecretString: JSON.stringify({ password: '', username: '' }),
    });
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
    const vpcPolicy = Object.values(
      template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } }),
    );
    expect(vpcPolicy).toHaveLength(2);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
            ],
          ],
        },
      ],
    });
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

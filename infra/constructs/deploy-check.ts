import { CustomResource, type Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { CollectorFunction, type CollectorFunctionProps } from './collector-function.js';

export interface DeployCheckProps {
  /** The check handler's source file. */
  entry: string;
  projectRoot: string;
  configFile: string;
  /** The collector's own role: the check reads what the collector reads, and nothing else. */
  role: Role;
  network?: CollectorFunctionProps['network'];
  timeout: Duration;
  logRetention: RetentionDays;
  environment?: Record<string, string>;
  /**
   * Changes on every synth, so that CloudFormation updates the resource, and so runs the check, on every deploy.
   * @default the time of the synth
   */
  nonce?: string;
}

/**
 * `npm run collect -- --check` after every deploy, inside AWS: a function with the collector's role and network,
 * called by a custom resource. A secret or InfluxDB problem fails the deploy with the check's message; failing
 * targets only appear in {@link DeployCheck.report} (the stack's `CheckReport` output).
 */
export class DeployCheck extends Construct {
  /** What the check found, when it did not fail the deploy. */
  readonly report: string;

  constructor(scope: Construct, id: string, props: DeployCheckProps) {
    super(scope, id);
    const fn = new CollectorFunction(this, 'Function', {
      entry: props.entry,
      projectRoot: props.projectRoot,
      configFile: props.configFile,
      description: 'Checks the collector config after a deploy: secrets, InfluxDB, one sample per target',
      role: props.role,
      timeout: props.timeout,
      logRetention: props.logRetention,
      // Called synchronously by the custom resource provider, never asynchronously: no destination to fail to.
      ...(props.environment ? { environment: props.environment } : {}),
      ...(props.network ? { network: props.network } : {}),
    });
    const provider = new Provider(this, 'Provider', { onEventHandler: fn });
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CollectorCheck',
      properties: { Nonce: props.nonce ?? new Date().toISOString() },
    });
    this.report = resource.getAttString('Report');

    const fnArn = `<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnFunction)}.Arn>`;
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's custom resource provider framework writes its own logs with the basic execution role.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${fnArn}:*]`,
        reason:
          'The provider may invoke the check function and its versions (`<function arn>:*`), nothing else.',
      },
      {
        id: 'AwsSolutions-L1',
        reason: "CDK's custom resource provider framework chooses its own runtime; it runs once per deploy.",
      },
    );
  }
}

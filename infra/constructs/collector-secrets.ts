import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { isSecretArn } from '../../functions/config/secret-ref.js';
import type { RequiredSecret } from '../../functions/secrets/required.js';

/** The id CDK gives the singleton function behind `AwsCustomResource` (fixed in aws-cdk-lib). */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

export interface CollectorSecretsProps {
  /** Every secret the config names, with the keys its readers need (`requiredSecrets`). */
  secrets: readonly RequiredSecret[];
  /** `deploy.createSecrets`: create missing secrets (empty, with the keys) instead of only referencing them. */
  create: boolean;
  /** `deploy.kmsKeyArn`: the customer-managed key the secrets are encrypted with. */
  kmsKeyArn?: string;
}

/**
 * The secrets the functions read: referenced by name (granted `name-??????`, the suffix Secrets Manager appends)
 * or by full ARN (granted exactly that ARN), and with `createSecrets` created when missing. Reading one under a
 * customer-managed key also needs `kms:Decrypt` on that key, only through Secrets Manager.
 */
export class CollectorSecrets extends Construct {
  private readonly byReference = new Map<string, ISecret>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: CollectorSecretsProps,
  ) {
    super(scope, id);
    for (const { name, keys } of props.secrets) {
      const secretId = `Secret[${encodeURIComponent(name)}]`;
      const secret = isSecretArn(name)
        ? Secret.fromSecretCompleteArn(this, secretId, name)
        : Secret.fromSecretNameV2(this, secretId, name);
      this.byReference.set(name, secret);
      if (props.create && !isSecretArn(name)) this.createIfMissing(name, keys);
    }
  }

  /** Lets `grantee` read these secrets (by their config reference), and decrypt them with the configured key. */
  grantRead(grantee: IGrantable, references: readonly string[]): void {
    for (const reference of references) this.byReference.get(reference)?.grantRead(grantee);
    if (this.props.kmsKeyArn === undefined || references.length === 0) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.props.kmsKeyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
  }

  /**
   * Creates the secret with every key set to "" for a person to fill in, unless it exists. Not an
   * `AWS::SecretsManager::Secret`: that one, kept on `cdk destroy` (it holds what a person typed in), would make
   * the next deploy fail on its name. This call leaves an existing secret (and its values) alone, and nothing
   * deletes it: after `cdk destroy` it stays, and a redeploy uses it again.
   */
  private createIfMissing(name: string, keys: readonly string[]): void {
    const stack = Stack.of(this);
    const create = new AwsCustomResource(this, `Create[${encodeURIComponent(name)}]`, {
      onCreate: {
        service: 'SecretsManager',
        action: 'createSecret',
        parameters: {
          Name: name,
          Description: `Concurrency collector credentials: fill in ${keys.map((key) => `"${key}"`).join(', ')}`,
          // Empty placeholders are the only values that ever reach the template; nothing is generated.
          SecretString: JSON.stringify(Object.fromEntries(keys.map((key) => [key, '']))),
          ...(this.props.kmsKeyArn ? { KmsKeyId: this.props.kmsKeyArn } : {}),
        },
        physicalResourceId: PhysicalResourceId.of(`secret:${name}`),
        ignoreErrorCodesMatching: 'ResourceExistsException',
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          actions: ['secretsmanager:CreateSecret'],
          resources: [
            stack.formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: `${name}-??????`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
        ...(this.props.kmsKeyArn
          ? [
              new PolicyStatement({
                actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
                resources: [this.props.kmsKeyArn],
              }),
            ]
          : []),
      ]),
      installLatestAwsSdk: false,
    });
    // The function behind every AwsCustomResource of the stack: CDK creates it once, at the stack's root.
    const provider = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (provider) {
      Validations.of(provider).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: "CDK's AwsCustomResource function writes its own logs with the basic execution role.",
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            "CDK's AwsCustomResource function chooses its own runtime; it runs only when a secret is created.",
        },
      );
    }
    Validations.of(create).acknowledge({
      id: 'AwsSolutions-IAM5',
      reason:
        'CreateSecret is granted on this secret name with the six-character suffix Secrets Manager appends.',
    });
  }
}

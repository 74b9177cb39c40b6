import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type IDestination, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/handlers/observability.js';
import { COLLECTOR_MEMORY_MB } from '../../functions/schedule/lambda.js';

// The handler's own names: Powertools' `service` (the metrics' only dimension) and the EMF namespace.
export { METRICS_NAMESPACE, SERVICE_NAME };

/** Where the bundle carries the validated config; Lambda unpacks the bundle into `/var/task`. */
export const BUNDLED_CONFIG_NAME = 'collector.config.json';

/** ESM bundles have no `require`; a few CommonJS dependencies still call it for Node built-ins. */
const REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface CollectorFunctionProps {
  /** The handler's source file (TypeScript), under `projectRoot`. */
  entry: string;
  /**
   * The function's description in the console.
   * @default the collector's
   */
  description?: string;
  /**
   * The role's description: what the function may do.
   * @default the collector's
   */
  roleDescription?: string;
  /** The folder holding `package.json`, `package-lock.json` and `node_modules`. */
  projectRoot: string;
  /** The validated config file, copied into the bundle as {@link BUNDLED_CONFIG_NAME}. */
  configFile: string;
  /** See `functionTimeoutMs`. */
  timeout: Duration;
  logRetention: RetentionDays;
  /**
   * Memory of the function in MB. A collector run mostly waits (for the next sample time, for HTTP answers), so
   * its cost is memory × duration; 256 MB leaves room for shards of 200 targets and keeps cold starts short on ARM.
   * @default 256
   */
  memorySize?: number;
  /** Added to the function's environment (e.g. `SPILL_BUCKET`). */
  environment?: Record<string, string>;
  /** Where failed and expired asynchronous invocations go; none for a function only ever called synchronously. */
  onFailure?: IDestination;
  /**
   * Lambda's own retries of a failed asynchronous invocation (0 to 2). The collector's are 0: a second run would
   * poll ticks that are over. An idempotent handler (the monthly report) may take 2.
   * @default 0
   */
  retryAttempts?: number;
  /**
   * How long an asynchronous event may wait (throttling, retries) before it goes to `onFailure`.
   * @default 1 minute: the collector's samples are stale after that
   */
  maxEventAge?: Duration;
  /**
   * Runs under this role (the deploy check runs with the collector's own) instead of a new one; it is granted
   * writing the function's log group either way.
   */
  role?: Role;
  /** Puts the function in these subnets, for an InfluxDB that is only reachable there. */
  network?: { vpc: IVpc; subnets: ISubnet[]; securityGroups?: ISecurityGroup[] };
}

/**
 * A Lambda function of the collector (the scheduled collector, the monthly report): Node.js 24 on ARM64, bundled
 * locally by the project's own esbuild (never Docker) into a minified ESM file with source maps, its own log
 * group and role, and the config inside. Both handlers are built alike, so what the bundle test proves of one
 * holds for the other.
 */
export class CollectorFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: CollectorFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      // Logs are operational only (the figures are in InfluxDB): `cdk destroy` leaves nothing behind.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole, whose `logs:*` actions apply to every log group.
    const shared = props.role !== undefined;
    const role =
      props.role ??
      new Role(scope, `${id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description:
          props.roleDescription ??
          'Runs the concurrency collector: writes its own log group, reads the configured secrets',
      });
    logGroup.grantWrite(role);
    if (props.network && !shared) {
      // Not AWSLambdaVPCAccessExecutionRole: it also grants logs:CreateLogGroup/CreateLogStream/PutLogEvents on
      // every log group. These are the network-interface actions Lambda needs to attach the function, and only
      // those; they take no resource-level scoping (EC2 checks them on "*").
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Lambda needs ec2:CreateNetworkInterface and its siblings to attach the function to the configured ' +
          'subnets; EC2 does not scope those actions to resources. The statement holds only them.',
      });
    }

    super(scope, id, {
      description:
        props.description ??
        'Polls the configured concurrency endpoints on schedule and writes the figures to InfluxDB',
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      // cdk-nag's AwsSolutions-L1 wants the newest Node.js runtime Lambda has; pinned rather than
      // NODEJS_LATEST, so that a CDK upgrade never changes the runtime behind our back.
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? COLLECTOR_MEMORY_MB,
      timeout: props.timeout,
      role,
      logGroup,
      environment: {
        COLLECTOR_CONFIG_PATH: `/var/task/${BUNDLED_CONFIG_NAME}`,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      // By default a failed run is not retried: a second run would poll ticks that are over (the handler records
      // samples more than 90 s late as missed), and the next scheduled run comes within minutes anyway. An event
      // that waited a minute (throttling) is dropped for the same reason. Both land in `onFailure`.
      retryAttempts: props.retryAttempts ?? 0,
      maxEventAge: props.maxEventAge ?? Duration.minutes(1),
      ...(props.onFailure ? { onFailure: props.onFailure } : {}),
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: { subnets: props.network.subnets },
            ...(props.network.securityGroups ? { securityGroups: props.network.securityGroups } : {}),
          }
        : {}),
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not a copy of every dependency's source.
        sourcesContent: false,
        // The AWS SDK is bundled on purpose, not taken from the runtime: the Secrets Manager client that runs
        // in Lambda is then the version pinned in package-lock.json, the one the tests ran, and a runtime
        // update cannot change it. It costs about a megabyte of bundle and a few ms of cold start.
        bundleAwsSDK: true,
        externalModules: [],
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `cp ${shellQuote(props.configFile)} ${shellQuote(join(outputDir, BUNDLED_CONFIG_NAME))}`,
          ],
        },
      },
    });
  }
}

/** Quotes a path for `bash -c`, which runs the bundling hooks. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

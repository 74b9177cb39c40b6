import type { Node } from 'constructs';

/** Where the stack puts the function when InfluxDB is private (a VPC, or Amazon Timestream for InfluxDB). */
export interface NetworkContext {
  vpcId: string;
  /** Subnets for the function's network interfaces: private, with a NAT route to the providers' APIs. */
  subnetIds: string[];
  /** The function's security group; a new one allowing all egress when absent. */
  securityGroupId?: string;
}

/** The stack's name when `-c stackName=` is not given. */
export const DEFAULT_STACK_NAME = 'ConcurrencyCollector';

/** What `cdk.json` and `-c key=value` tell the app. */
export interface DeployContext {
  /** The collector config file, as given (relative to the working directory). */
  configPath: string;
  /** The CloudFormation stack name: two stacks (staging, prod) may live side by side in one account and region. */
  stackName: string;
  /** Run the config check after the deploy (`-c check=false` skips it, e.g. before the database exists). */
  check: boolean;
  network?: NetworkContext;
  /** An address subscribed to the alarm topic; it must confirm the subscription. */
  alarmEmail?: string;
}

/** A `-c key=value` that cannot be used; the message names the key. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

/**
 * Reads the app's context: `config` (the config file), and for a private InfluxDB `vpcId`, `subnetIds`
 * (comma-separated) and `securityGroupId`; `alarmEmail` subscribes an address to the alarms.
 */
export function readDeployContext(node: Pick<Node, 'tryGetContext'>): DeployContext {
  const configPath = text(node, 'config');
  if (configPath === undefined) {
    throw new ContextError(
      'no collector config: pass -c config=FILE (e.g. cdk deploy -c config=collector.config.json); ' +
        'cdk.json names none, so that no stack is ever deployed from the example by mistake',
    );
  }
  const stackName = text(node, 'stackName') ?? DEFAULT_STACK_NAME;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new ContextError(
      `context "stackName": "${stackName}" is not a CloudFormation stack name (a letter, then up to 127 letters, digits or "-")`,
    );
  }
  const checkText = text(node, 'check') ?? 'true';
  if (checkText !== 'true' && checkText !== 'false') {
    throw new ContextError(`context "check": "${checkText}" must be true or false`);
  }
  const vpcId = text(node, 'vpcId');
  const subnetIds = list(node, 'subnetIds');
  const securityGroupId = text(node, 'securityGroupId');
  const alarmEmail = text(node, 'alarmEmail');
  if (vpcId === undefined && (subnetIds.length > 0 || securityGroupId !== undefined)) {
    throw new ContextError('context "subnetIds" and "securityGroupId" need "vpcId" as well');
  }
  if (vpcId !== undefined && subnetIds.length === 0) {
    throw new ContextError(
      'context "vpcId" needs "subnetIds" (comma-separated): the stack does not look the VPC up, so it works offline',
    );
  }
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new ContextError(`context "alarmEmail": "${alarmEmail}" is not an email address`);
  }
  return {
    configPath,
    stackName,
    check: checkText === 'true',
    ...(vpcId !== undefined
      ? { network: { vpcId, subnetIds, ...(securityGroupId ? { securityGroupId } : {}) } }
      : {}),
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
  };
}

function text(node: Pick<Node, 'tryGetContext'>, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  // `"check": false` in cdk.json arrives as a boolean; `-c check=false` as a string.
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new ContextError(`context "${key}" must be a string`);
  return value.trim();
}

/** A list from `-c key=a,b` (a string) or from cdk.json (a string or an array of strings). */
function list(node: Pick<Node, 'tryGetContext'>, key: string): string[] {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (items === undefined || !items.every((item) => typeof item === 'string')) {
    throw new ContextError(`context "${key}" must be a comma-separated string or a list of strings`);
  }
  return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
}

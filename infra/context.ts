import type { Node } from 'constructs';

/** Where the stack puts the function when InfluxDB is private (a VPC, or Amazon Timestream for InfluxDB). */
export interface NetworkContext {
  vpcId: string;
  /** Subnets for the function's network interfaces: private, with a NAT route to the providers' APIs. */
  subnetIds: string[];
  /** The function's security group; a new one allowing all egress when absent. */
  securityGroupId?: string;
}

/** What `cdk.json` and `-c key=value` tell the app. */
export interface DeployContext {
  /** The collector config file, as given (relative to the working directory). */
  configPath: string;
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
    throw new ContextError('context "config" is missing: set it in cdk.json or pass -c config=FILE');
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
    ...(vpcId !== undefined
      ? { network: { vpcId, subnetIds, ...(securityGroupId ? { securityGroupId } : {}) } }
      : {}),
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
  };
}

function text(node: Pick<Node, 'tryGetContext'>, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
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

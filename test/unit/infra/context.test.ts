import { describe, expect, it } from 'vitest';
import { ContextError, readDeployContext } from '../../../infra/context.js';

const nodeWith = (context: Record<string, unknown>) => ({ tryGetContext: (key: string) => context[key] });

describe('readDeployContext', () => {
  it('reads the config path alone', () => {
    expect(readDeployContext(nodeWith({ config: 'collector.config.json' }))).toEqual({
      configPath: 'collector.config.json',
    });
  });

  it('reads the network from -c strings (comma-separated subnets) and from cdk.json lists', () => {
    const fromCli = readDeployContext(
      nodeWith({
        config: 'c.json',
        vpcId: 'vpc-1',
        subnetIds: 'subnet-a, subnet-b',
        securityGroupId: 'sg-1',
      }),
    );
    expect(fromCli.network).toEqual({
      vpcId: 'vpc-1',
      subnetIds: ['subnet-a', 'subnet-b'],
      securityGroupId: 'sg-1',
    });
    const fromJson = readDeployContext(
      nodeWith({ config: 'c.json', vpcId: 'vpc-1', subnetIds: ['subnet-a'] }),
    );
    expect(fromJson.network).toEqual({ vpcId: 'vpc-1', subnetIds: ['subnet-a'] });
  });

  it.each([
    [{}, /context "config" is missing/],
    [{ config: 'c.json', subnetIds: 'subnet-a' }, /need "vpcId"/],
    [{ config: 'c.json', securityGroupId: 'sg-1' }, /need "vpcId"/],
    [{ config: 'c.json', vpcId: 'vpc-1' }, /"vpcId" needs "subnetIds"/],
    [{ config: 'c.json', subnetIds: 3, vpcId: 'vpc-1' }, /"subnetIds" must be a comma-separated string/],
    [{ config: 'c.json', alarmEmail: 'ops' }, /"alarmEmail": "ops" is not an email address/],
  ])('rejects %j', (context, message) => {
    expect(() => readDeployContext(nodeWith(context))).toThrow(ContextError);
    expect(() => readDeployContext(nodeWith(context))).toThrow(message);
  });
});

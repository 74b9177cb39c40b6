import { describe, expect, it } from 'vitest';
import { ContextError, readDeployContext } from '../../../infra/context.js';

const nodeWith = (context: Record<string, unknown>) => ({ tryGetContext: (key: string) => context[key] });

describe('readDeployContext', () => {
  it('reads the config path alone, with the default stack name and the check on', () => {
    expect(readDeployContext(nodeWith({ config: 'collector.config.json' }))).toEqual({
      configPath: 'collector.config.json',
      stackName: 'ConcurrencyCollector',
      check: true,
    });
  });

  it('reads -c stackName=NAME and -c check=false (a string) or "check": false (cdk.json)', () => {
    expect(
      readDeployContext(nodeWith({ config: 'c.json', stackName: 'CollectorStaging', check: 'false' })),
    ).toMatchObject({
      stackName: 'CollectorStaging',
      check: false,
    });
    expect(readDeployContext(nodeWith({ config: 'c.json', check: false })).check).toBe(false);
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
    [{}, /no collector config: pass -c config=FILE/],
    [
      { config: 'c.json', stackName: 'my stack' },
      /"stackName": "my stack" is not a CloudFormation stack name/,
    ],
    [{ config: 'c.json', stackName: '1st' }, /"stackName": "1st" is not/],
    [{ config: 'c.json', check: 'no' }, /"check": "no" must be true or false/],
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

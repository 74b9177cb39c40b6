import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { CollectorStackProps } from '../../../infra/collector-stack.js';
import { EXAMPLE, synth } from '../../support/cdk-synth.js';

/**
 * A deployed stack is upgraded in place: a logical ID that changes is a resource CloudFormation replaces (the
 * retained report bucket would be orphaned and a new, empty one made). The fixture holds every logical ID, type
 * and output name as the stack had them before the monthly report moved into a construct of its own; it is
 * written once and never regenerated to make a test pass.
 */
const FIXTURE = join(import.meta.dirname, '../../fixtures/infra/logical-ids.json');

type Shape = { resources: string[]; outputs: string[] };

/** The stack in the shapes a deployment can take: example config, VPC with and without a group, created secrets. */
const VARIANTS: Record<string, [Record<string, unknown>, Partial<Omit<CollectorStackProps, 'config'>>]> = {
  example: [EXAMPLE, { check: true, alarmEmail: 'ops@example.com' }],
  'vpc with security group': [
    EXAMPLE,
    {
      network: {
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
        securityGroupId: 'sg-0cccccccccccccccc',
      },
    },
  ],
  'vpc without security group': [
    EXAMPLE,
    { check: true, network: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'] } },
  ],
  'created secrets and kms key': [
    {
      ...EXAMPLE,
      deploy: {
        createSecrets: true,
        kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666',
      },
    },
    { check: true },
  ],
};

function shapeOf(template: Template): Shape {
  const json = template.toJSON() as { Resources: Record<string, { Type: string }>; Outputs?: object };
  return {
    resources: Object.entries(json.Resources)
      .map(([id, resource]) => `${id} ${resource.Type}`)
      .sort(),
    outputs: Object.keys(json.Outputs ?? {}).sort(),
  };
}

describe('CollectorStack logical IDs', () => {
  const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Shape>;

  it.each(Object.keys(VARIANTS))('are those a deployed stack already has: %s', (name) => {
    const [input, props] = VARIANTS[name] as (typeof VARIANTS)[string];
    const { template, violations } = synth(input, props);
    expect(violations).toEqual([]);
    expect(shapeOf(template)).toEqual(expected[name]);
  });
});

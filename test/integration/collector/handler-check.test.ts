import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_SECRET_NAMES, simulatorConfig, simulatorSecrets } from '../../../simulator/config.js';
import { type HandlerWorld, lambdaContext, startHandlerWorld } from '../../support/handler-world.js';

/**
 * The post-deploy check's handler, as the stack's custom resource calls it: against the simulator, a real influxd
 * and the Secrets Manager stand-in. It throws (failing `cdk deploy` with its message) only for a secret or
 * InfluxDB; a failing target is reported in `Data.Report`.
 */
let world: HandlerWorld;

beforeAll(async () => {
  world = await startHandlerWorld('deploy', { POWERTOOLS_LOG_LEVEL: 'SILENT' });
  const { simulator, influxd } = world;
  const config = simulatorConfig(simulator.url, { url: influxd.url, apiVersion: 1, database: 'deploy' });
  config.targets.push({
    name: 'gone',
    endpoint: 'streampixel.liveStats',
    projectId: 'err-404',
    baseUrl: simulator.url,
    secret: SIMULATOR_SECRET_NAMES.streampixel,
    interval: '10s',
  });
  world.useConfig({ ...config, maxAttempts: 1 });
});
afterAll(() => world?.close());

const context = lambdaContext(60_000, 'req-check');
const event = (requestType: 'Create' | 'Update') =>
  ({
    RequestType: requestType,
    ResourceProperties: { Nonce: new Date().toISOString() },
  }) as unknown as CloudFormationCustomResourceEvent;

describe('the post-deploy check handler', () => {
  it('reports a failing provider without failing the deploy, and writes its collector_check point', async () => {
    const { handler } = await import('../../../functions/handlers/check.js');
    const response = await handler(event('Create'), context);
    expect(response.PhysicalResourceId).toBe('collector-check');
    expect(response.Data?.Report).toMatch(
      /^1 target\(s\) failed \(not blocking the deploy\): FAIL target gone \(err-404\): not_found HTTP 404/,
    );
    const [check] = await world.influxd.rows(
      `SELECT count(ok) FROM collector_check WHERE source = 'deploy'`,
      'deploy',
    );
    expect(check?.count).toBe(1);
  }, 60_000);

  it('fails the deploy with the check’s message when a secret is missing, naming it and no value', async () => {
    const { handler } = await import('../../../functions/handlers/check.js');
    world.standIn.remove(SIMULATOR_SECRET_NAMES.imkit);
    // Out of the SDK cache's 5 s.
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    const failure = await handler(event('Update'), context).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(
      /^collector check failed: FAIL secret collector\/imkit: secret "collector\/imkit": cannot be read from Secrets Manager/,
    );
    for (const value of Object.values(simulatorSecrets()).flatMap((secret) => Object.values(secret))) {
      expect(failure?.message).not.toContain(value);
    }
  }, 60_000);

  it('does nothing on delete', async () => {
    const { handler } = await import('../../../functions/handlers/check.js');
    const deleted = {
      RequestType: 'Delete',
      PhysicalResourceId: 'collector-check',
    } as CloudFormationCustomResourceEvent;
    expect(await handler(deleted, context)).toEqual({ PhysicalResourceId: 'collector-check' });
  });
});

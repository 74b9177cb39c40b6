import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3SpillStore } from '../../../functions/spill/s3.js';
import { SIMULATOR_SECRET_NAMES, simulatorConfig } from '../../../simulator/config.js';
import { type HandlerWorld, lambdaContext, startHandlerWorld } from '../../support/handler-world.js';
import { type S3Standin, startS3rver } from '../../support/s3rver.js';

/**
 * The handler with an InfluxDB token secret it cannot read: it must not throw (every minute into the dead-letter
 * queue) but sample, spill to S3 (s3rver), log one clear error with the request id, and publish SpillAge.
 */
let world: HandlerWorld;
let s3: S3Standin;

beforeAll(async () => {
  s3 = await startS3rver();
  world = await startHandlerWorld('token', {
    SPILL_BUCKET: s3.bucket,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_REGION: 'us-east-1',
    // s3rver checks signatures against its built-in account; the Secrets Manager stand-in checks none.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  world.useConfig(
    simulatorConfig(world.simulator.url, {
      url: world.influxd.url,
      apiVersion: 1,
      database: 'token',
      tokenSecret: SIMULATOR_SECRET_NAMES.influx,
    }),
  );
});
afterAll(async () => {
  vi.restoreAllMocks();
  await world?.close();
  await s3?.close();
});

const CASES = [
  ['missing', undefined],
  ['not JSON', '{"token": '],
  ['without its keys', { tokn: 'x' }],
] as const;

describe('an InfluxDB token secret that cannot be read', () => {
  it.each(CASES)(
    '(%s) samples, spills, logs one error with the request id, and does not throw',
    async (label, value) => {
      // Out of the SDK cache's 5 s: each case reads the secret as it now is.
      await new Promise((resolve) => setTimeout(resolve, 5_100));
      if (value === undefined) world.standIn.remove(SIMULATOR_SECRET_NAMES.influx);
      else world.standIn.set(SIMULATOR_SECRET_NAMES.influx, value);
      const { handler } = await import('../../../functions/handlers/collect.js');
      const lines: string[] = [];
      // Powertools prints errors on stderr and the EMF document on stdout.
      for (const stream of [process.stdout, process.stderr]) {
        vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          return true;
        });
      }
      // Two minutes ago: the 1-minute target's window is closed (missed), so the run does not wait.
      const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
      const requestId = `req-token-${label.replace(/\W/g, '-')}`;
      const result = await handler(
        { time: new Date(minute).toISOString(), targets: ['signalling'] },
        lambdaContext(60_000, requestId),
      );
      vi.restoreAllMocks();

      expect(result).toMatchObject({ samples: 1, failed: 0, missed: 1, pointsWritten: 0, pointsSpilled: 1 });
      const logs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const tokenErrors = logs.filter(
        (log) => log.message === 'InfluxDB token unreadable: points are spilled until it is fixed',
      );
      expect(tokenErrors).toHaveLength(1);
      expect(tokenErrors[0]).toMatchObject({
        level: 'ERROR',
        secret: SIMULATOR_SECRET_NAMES.influx,
        function_request_id: requestId,
        error: expect.stringMatching(/^secret "collector\/influx": /),
      });
      const emf = logs.find((log) => log._aws !== undefined) as Record<string, number>;
      expect(emf.PointsSpilled).toBe(1);
      // The oldest batch waiting is at least the one spilled now, two minutes after its scheduled time.
      expect(emf.SpillAge).toBeGreaterThanOrEqual(120);
      expect(emf.SpillAge).toBeLessThan(300);

      const store = new S3SpillStore(s3.bucket, s3.client);
      const keys = await store.list();
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) await store.delete(key);
    },
    60_000,
  );
});

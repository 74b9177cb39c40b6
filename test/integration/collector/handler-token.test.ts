import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SIMULATOR_SECRET_NAMES,
  simulatorConfig,
  simulatorSecrets,
} from '../../../functions/simulator/config.js';
import { type Simulator, startSimulator } from '../../../functions/simulator/server.js';
import { S3SpillStore } from '../../../functions/spill/s3.js';
import { tempDir } from '../../support/files.js';
import { type Influxd, startInfluxd } from '../../support/influxd.js';
import { type S3Standin, startS3rver } from '../../support/s3rver.js';
import { type SecretsManagerStandIn, startSecretsManager } from '../../support/secrets-manager.js';

/**
 * The handler with an InfluxDB token secret it cannot read: it must not throw (every minute into the dead-letter
 * queue) but sample, spill to S3 (s3rver), log one clear error with the request id, and publish SpillAge.
 */
let simulator: Simulator;
let influxd: Influxd;
let standIn: SecretsManagerStandIn;
let s3: S3Standin;
const dir = tempDir();
const saved = { ...process.env };

beforeAll(async () => {
  [simulator, influxd, standIn, s3] = await Promise.all([
    startSimulator(),
    startInfluxd(),
    startSecretsManager(simulatorSecrets()),
    startS3rver(),
  ]);
  await influxd.createDatabase('token');
  const config = simulatorConfig(simulator.url, {
    url: influxd.url,
    apiVersion: 1,
    database: 'token',
    tokenSecret: SIMULATOR_SECRET_NAMES.influx,
  });
  Object.assign(process.env, {
    COLLECTOR_CONFIG_PATH: dir.file('collector.config.json', config),
    SPILL_BUCKET: s3.bucket,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  await simulator?.close();
  await influxd?.stop();
  await standIn?.close();
  await s3?.close();
  dir.cleanup();
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
      if (value === undefined) standIn.remove(SIMULATOR_SECRET_NAMES.influx);
      else standIn.set(SIMULATOR_SECRET_NAMES.influx, value);
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
      const deadline = Date.now() + 60_000;
      const result = await handler({ time: new Date(minute).toISOString(), targets: ['signalling'] }, {
        awsRequestId: requestId,
        getRemainingTimeInMillis: () => deadline - Date.now(),
      } as Context);
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

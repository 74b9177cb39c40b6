import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { simulatorConfig, simulatorSecrets } from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { type SecretsManagerStandIn, startSecretsManager } from '../../support/secrets-manager.js';

let simulator: Simulator;
let influxd: Influxd;
let standIn: SecretsManagerStandIn;
const dir = tempDir();
const saved = { ...process.env };

beforeAll(async () => {
  [simulator, influxd, standIn] = await Promise.all([
    startSimulator(),
    startInfluxd(),
    startSecretsManager(simulatorSecrets()),
  ]);
  await influxd.createDatabase('lambda');
  const config = {
    ...simulatorConfig(simulator.url, { url: influxd.url, apiVersion: 1, database: 'lambda', timeout: '1s' }),
    maxAttempts: 2,
  };
  config.targets = config.targets.filter((target) => target.name === 'eu-prod'); // 10 s: six slots a minute
  Object.assign(process.env, {
    COLLECTOR_CONFIG_PATH: dir.file('collector.config.json', config),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
});
afterAll(async () => {
  process.env = saved;
  await simulator?.close();
  await influxd?.stop();
  await standIn?.close();
  dir.cleanup();
});

/** Waits until the clock is 0.3–2 s past one of the minute's first five 10 s slots. */
async function waitForFreshSlot(): Promise<void> {
  for (;;) {
    const second = (Date.now() % 60_000) / 1000;
    if (second % 10 >= 0.3 && second % 10 <= 2 && second < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function contextWith(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
}

describe('the Lambda handler keeps to its deadline', () => {
  it('takes the slot due now, records slots too late or beyond the deadline as missed, and writes them all', async () => {
    const { handler } = await import('../../../functions/handlers/collect.js');
    await waitForFreshSlot();
    const started = Date.now();
    const minute = Math.floor(started / 60_000) * 60_000;
    const current = Math.floor(started / 10_000) * 10_000;
    // 12 s left: 2 s margin, 7 s kept for the write (1 s timeout x 2 attempts + 5 s): sampling stops ~3 s in.
    const result = await handler(
      { time: new Date(minute).toISOString(), targets: ['eu-prod'] },
      contextWith(12_000),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ samples: 6, failed: 5, pointsWritten: 7 });

    const runs = await influxd.rows(
      `SELECT outcome, attempts, error FROM collector_run WHERE time >= ${minute}ms AND time < ${minute + 60_000}ms`,
      'lambda',
    );
    expect(runs).toHaveLength(6);
    for (const run of runs) {
      const at = run.time as number;
      if (at === current) expect(run).toMatchObject({ outcome: 'ok', attempts: 1 });
      // More than half an interval late: a reading now would be stamped with a time it does not describe.
      if (at < current) {
        expect(run).toMatchObject({ outcome: 'timeout', attempts: 0 });
        expect(run.error).toMatch(/^not polled: the run reached this sample \d+ s after its scheduled time$/);
      }
      if (at > current) {
        expect(run).toMatchObject({
          outcome: 'timeout',
          attempts: 0,
          error: 'run deadline reached before polling',
        });
      }
    }
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorConfig } from '../../../simulator/config.js';
import { type HandlerWorld, lambdaContext, startHandlerWorld } from '../../support/handler-world.js';

let world: HandlerWorld;

beforeAll(async () => {
  world = await startHandlerWorld('lambda');
  const config = {
    ...simulatorConfig(world.simulator.url, {
      url: world.influxd.url,
      apiVersion: 1,
      database: 'lambda',
      timeout: '1s',
    }),
    maxAttempts: 2,
  };
  config.targets = config.targets.filter((target) => target.name === 'eu-prod'); // 10 s: six slots a minute
  world.useConfig(config);
});
afterAll(() => world?.close());

/** Waits until the clock is 0.3–2 s past one of the minute's first five 10 s slots. */
async function waitForFreshSlot(): Promise<void> {
  for (;;) {
    const second = (Date.now() % 60_000) / 1000;
    if (second % 10 >= 0.3 && second % 10 <= 2 && second < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the Lambda handler keeps to its deadline', () => {
  it('takes the slot due now, records closed windows as missed and slots beyond the deadline as timeouts, and writes them all', async () => {
    const { handler } = await import('../../../functions/handlers/collect.js');
    await waitForFreshSlot();
    const started = Date.now();
    const minute = Math.floor(started / 60_000) * 60_000;
    const current = Math.floor(started / 10_000) * 10_000;
    // 12 s left: 2 s margin, 7 s kept for the write (1 s timeout x 2 attempts + 5 s): sampling stops ~3 s in.
    const result = await handler(
      { time: new Date(minute).toISOString(), targets: ['eu-prod'] },
      lambdaContext(12_000),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    const closed = (current - minute) / 10_000;
    // Closed windows are missed (the run started late), not failed; slots past the deadline are failures.
    expect(result).toMatchObject({ samples: 6, failed: 5 - closed, missed: closed, pointsWritten: 7 });

    const runs = await world.influxd.rows(
      `SELECT outcome, attempts, error FROM collector_run WHERE time >= ${minute}ms AND time < ${minute + 60_000}ms`,
      'lambda',
    );
    expect(runs).toHaveLength(6);
    for (const run of runs) {
      const at = run.time as number;
      if (at === current) expect(run).toMatchObject({ outcome: 'ok', attempts: 1 });
      // Its window closed before the run reached it: a reading now would be stamped with a time it does not describe.
      if (at < current) {
        expect(run).toMatchObject({ outcome: 'missed', attempts: 0 });
        expect(run.error).toMatch(/^missed: the run reached this sample \d+\.\d s after its scheduled time/);
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

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SIMULATOR_SECRET_NAMES, simulatorConfig } from '../../../simulator/config.js';
import { type HandlerWorld, lambdaContext, startHandlerWorld } from '../../support/handler-world.js';

/**
 * The handler invoked 0, 6, 16 and 45 s after its scheduled minute, the way EventBridge delivers within the
 * minute. The four invocations run side by side on one clock (`Date.now` shifted onto a fixed minute), each with
 * its own 10 s, 30 s and 1 min targets, so the whole test takes one minute of real time.
 */
const MINUTE = Date.UTC(2026, 0, 5, 12, 0, 0);
const LATENESS_S = [0, 6, 16, 45] as const;
const INTERVALS = ['10s', '30s', '1m'] as const;
const nameOf = (late: number, interval: string) => `late${late}-${interval}`;

let world: HandlerWorld;

beforeAll(async () => {
  world = await startHandlerWorld('late');
  const config = simulatorConfig(world.simulator.url, {
    url: world.influxd.url,
    apiVersion: 1,
    database: 'late',
  });
  const [metered] = config.targets.filter((target) => target.endpoint === 'metered.usage');
  config.targets = LATENESS_S.flatMap((late) =>
    INTERVALS.map((interval) => ({
      ...(metered as (typeof config.targets)[number]),
      name: nameOf(late, interval),
      interval,
      secret: SIMULATOR_SECRET_NAMES.metered,
    })),
  );
  world.useConfig(config);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await world?.close();
});

/** What each invocation must do: per interval, the slots (seconds into the minute) missed and taken, and how late. */
const EXPECTED: Record<
  (typeof LATENESS_S)[number],
  Record<string, { missed: number[]; late: Record<number, number> }>
> = {
  // taken slot (s) -> lateness (s) of its poll; every other slot of the minute is taken on time.
  0: { '10s': { missed: [], late: {} }, '30s': { missed: [], late: {} }, '1m': { missed: [], late: {} } },
  6: {
    '10s': { missed: [], late: { 0: 6 } },
    '30s': { missed: [], late: { 0: 6 } },
    '1m': { missed: [], late: { 0: 6 } },
  },
  16: {
    '10s': { missed: [0], late: { 10: 6 } },
    '30s': { missed: [], late: { 0: 16 } },
    '1m': { missed: [], late: { 0: 16 } },
  },
  45: {
    '10s': { missed: [0, 10, 20, 30], late: { 40: 5 } },
    '30s': { missed: [0], late: { 30: 15 } },
    '1m': { missed: [], late: { 0: 45 } },
  },
};

const SLOTS_S: Record<string, number[]> = { '10s': [0, 10, 20, 30, 40, 50], '30s': [0, 30], '1m': [0] };

describe('a run that starts late', () => {
  it('takes the slot whose window contains now, records closed windows as missed, and stamps lateness', async () => {
    const { handler } = await import('../../../functions/handlers/collect.js');
    const realNow = Date.now.bind(Date);
    const offset = MINUTE - realNow();
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    const emitted: string[] = [];
    // The EMF lines are kept for the assertions below, not printed.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      emitted.push(String(chunk));
      return true;
    });

    const results = await Promise.all(
      LATENESS_S.map(async (late) => {
        await new Promise((resolve) => setTimeout(resolve, MINUTE + late * 1000 - Date.now()));
        const targets = INTERVALS.map((interval) => nameOf(late, interval));
        return handler(
          { time: new Date(MINUTE).toISOString(), targets },
          lambdaContext(120_000, `req-late-${late}`),
        );
      }),
    );
    vi.restoreAllMocks();

    for (const [index, late] of LATENESS_S.entries()) {
      const expected = EXPECTED[late];
      const missed = Object.values(expected).reduce((sum, { missed }) => sum + missed.length, 0);
      // Missed samples are not failures.
      expect(results[index], `${late} s late`).toMatchObject({ samples: 9, failed: 0, missed });
      for (const interval of INTERVALS) {
        const rows = await world.influxd.rows(
          `SELECT outcome, up, lateness_ms, error FROM collector_run WHERE target = '${nameOf(late, interval)}'`,
          'late',
        );
        const { missed: missedSlots, late: lateSlots } = expected[interval] as (typeof expected)[string];
        const where = `${late} s late, ${interval}`;
        expect(
          rows.map((row) => ((row.time as number) - MINUTE) / 1000),
          where,
        ).toEqual(SLOTS_S[interval]);
        for (const row of rows) {
          const slot = ((row.time as number) - MINUTE) / 1000;
          const lateness = row.lateness_ms as number;
          if (missedSlots.includes(slot)) {
            expect(row, `${where}, slot ${slot}`).toMatchObject({ outcome: 'missed', up: 0 });
            // The error says how late the run was, as lateness_ms does (a loaded machine may add a second).
            const said = /^missed: the run reached this sample (\d+\.\d) s after its scheduled time/.exec(
              row.error as string,
            );
            expect(Number(said?.[1])).toBeGreaterThanOrEqual(late - slot);
            expect(Number(said?.[1])).toBeLessThan(late - slot + 2);
            expect(lateness).toBeGreaterThanOrEqual((late - slot) * 1000);
            continue;
          }
          expect(row, `${where}, slot ${slot}`).toMatchObject({ outcome: 'ok', up: 1 });
          const expectedLate = (lateSlots[slot] ?? 0) * 1000;
          expect(lateness, `${where}, slot ${slot}`).toBeGreaterThanOrEqual(expectedLate);
          expect(lateness, `${where}, slot ${slot}`).toBeLessThan(expectedLate + 1_500);
        }
        const concurrency = await world.influxd.rows(
          `SELECT * FROM concurrency WHERE target = '${nameOf(late, interval)}'`,
          'late',
        );
        expect(concurrency.length, where).toBe((SLOTS_S[interval] ?? []).length - missedSlots.length);
      }
    }

    // EMF: StartDelay is the handler's start after the scheduled time; SamplesMissed counts the closed windows.
    const emf = emitted
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, number>);
    expect(emf).toHaveLength(LATENESS_S.length);
    for (const late of LATENESS_S) {
      const expected = EXPECTED[late];
      const missed = Object.values(expected).reduce((sum, { missed }) => sum + missed.length, 0);
      const metrics = emf.find(
        (line) =>
          (line.StartDelay as number) >= late * 1000 && (line.StartDelay as number) < late * 1000 + 2_000,
      );
      expect(metrics, `EMF of the run ${late} s late`).toMatchObject({
        SamplesTaken: 9,
        SamplesFailed: 0,
        SamplesMissed: missed,
        SpillAge: 0,
      });
    }
  }, 120_000);
});

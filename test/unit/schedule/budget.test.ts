import { describe, expect, it } from 'vitest';
import type { Config, Target } from '../../../functions/config/schema.js';
import { runBudgetMs, sampleWorstCaseMs, writeReserveMs } from '../../../functions/schedule/budget.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function target(interval: number, timeout: number): Target {
  return {
    name: 't',
    endpoint: 'streampixel.liveStats',
    secret: 's',
    interval,
    timeout,
    tags: {},
    projectId: 'p1',
  };
}

function config(
  maxAttempts: number,
  influxTimeout = 10 * SECOND,
): Pick<Config, 'influx' | 'maxAttempts' | 'maxInFlightPerAccount'> {
  return {
    maxAttempts,
    maxInFlightPerAccount: 4,
    influx: { url: 'http://influx:8086', apiVersion: 2, bucket: 'b', timeout: influxTimeout },
  };
}

describe('sampleWorstCaseMs and writeReserveMs', () => {
  it('counts every attempt timing out, with at most 4 s of backoff between attempts', () => {
    expect(sampleWorstCaseMs(target(10 * SECOND, 10 * SECOND), 1)).toBe(10 * SECOND);
    expect(sampleWorstCaseMs(target(10 * SECOND, 10 * SECOND), 3)).toBe(38 * SECOND);
  });

  it("keeps InfluxDB's timeout per attempt plus 5 s for the last write", () => {
    expect(writeReserveMs(config(3, 10 * SECOND))).toBe(35 * SECOND);
    expect(writeReserveMs(config(1, 2 * SECOND))).toBe(7 * SECOND);
  });
});

describe('runBudgetMs', () => {
  it('adds the last sample offset, its worst case and the write reserve', () => {
    // A 10 s target's last sample is at :50; three attempts of 10 s with 2 × 4 s of backoff; 3 × 10 s + 5 s write.
    expect(runBudgetMs([target(10 * SECOND, 10 * SECOND)], config(3))).toBe(50_000 + 38_000 + 35_000);
    // A 5 m target samples once, at the start of its run.
    expect(runBudgetMs([target(5 * MINUTE, 10 * SECOND)], config(3))).toBe(38_000 + 35_000);
  });

  it('takes the target that ends last', () => {
    const fast = target(10 * SECOND, 2 * SECOND);
    const slowTimeout = target(MINUTE, 30 * SECOND);
    const budget = runBudgetMs([fast, slowTimeout], config(2));
    expect(budget).toBe(Math.max(50_000 + 8_000, 64_000) + writeReserveMs(config(2)));
    expect(budget).toBe(runBudgetMs([slowTimeout], config(2)));
  });

  it('grows strictly with the target timeout', () => {
    const budgets = [1, 2, 5, 10, 30, 60].map((seconds) =>
      runBudgetMs([target(10 * SECOND, seconds * SECOND)], config(3)),
    );
    for (let index = 1; index < budgets.length; index++) {
      expect(budgets[index]).toBeGreaterThan(budgets[index - 1] as number);
    }
  });

  it('grows strictly with maxAttempts', () => {
    const budgets = [1, 2, 3, 4, 5].map((attempts) =>
      runBudgetMs([target(30 * SECOND, 10 * SECOND)], config(attempts)),
    );
    for (let index = 1; index < budgets.length; index++) {
      expect(budgets[index]).toBeGreaterThan(budgets[index - 1] as number);
    }
  });

  it("grows with InfluxDB's timeout", () => {
    const targets = [target(MINUTE, 10 * SECOND)];
    expect(runBudgetMs(targets, config(3, 20 * SECOND))).toBeGreaterThan(
      runBudgetMs(targets, config(3, 10 * SECOND)),
    );
  });

  it('never shrinks when a target is added', () => {
    const base = [target(MINUTE, 10 * SECOND)];
    const before = runBudgetMs(base, config(3));
    expect(runBudgetMs([...base, target(10 * SECOND, 1 * SECOND)], config(3))).toBeGreaterThanOrEqual(before);
  });

  it('keeps the write reserve even without targets', () => {
    expect(runBudgetMs([], config(3))).toBe(writeReserveMs(config(3)));
  });
});

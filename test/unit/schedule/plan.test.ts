import { describe, expect, it } from 'vitest';
import type { Target } from '../../../functions/config/schema.js';
import {
  firstSampleTime,
  type PlannedSample,
  planOnce,
  planTick,
  scheduleOf,
  slotsOf,
} from '../../../functions/schedule/plan.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** 2026-01-01T12:00:00Z, a whole hour. */
const NOON = Date.UTC(2026, 0, 1, 12, 0, 0);

function target(name: string, interval: number): Target {
  return {
    name,
    endpoint: 'streampixel.liveStats',
    secret: 's',
    interval,
    timeout: 10 * SECOND,
    tags: {},
    projectId: 'p1',
  };
}

/** Sample times as offsets from noon, in seconds, for readable expectations. */
function offsets(planned: readonly PlannedSample[]): number[] {
  return planned.map((sample) => (sample.at - NOON) / SECOND);
}

describe('scheduleOf', () => {
  it('serves sub-minute intervals with several samples in a one-minute run', () => {
    expect(scheduleOf(5 * SECOND)).toEqual({ rateMinutes: 1, samplesPerRun: 12 });
    expect(scheduleOf(10 * SECOND)).toEqual({ rateMinutes: 1, samplesPerRun: 6 });
    expect(scheduleOf(30 * SECOND)).toEqual({ rateMinutes: 1, samplesPerRun: 2 });
  });

  it('serves whole minutes with the schedule rate itself', () => {
    expect(scheduleOf(MINUTE)).toEqual({ rateMinutes: 1, samplesPerRun: 1 });
    expect(scheduleOf(5 * MINUTE)).toEqual({ rateMinutes: 5, samplesPerRun: 1 });
  });
});

describe('planTick', () => {
  it('plans 6 samples at :00, :10 … :50 for a 10 s target, even when the tick fires late', () => {
    const planned = planTick([target('a', 10 * SECOND)], NOON + 1_234);
    expect(offsets(planned)).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('plans 2 samples at :00 and :30 for a 30 s target', () => {
    expect(offsets(planTick([target('a', 30 * SECOND)], NOON + 400))).toEqual([0, 30]);
  });

  it('plans 1 sample at the minute for a 1 m target', () => {
    expect(offsets(planTick([target('a', MINUTE)], NOON + 59_999))).toEqual([0]);
    expect(offsets(planTick([target('a', MINUTE)], NOON + MINUTE + 10))).toEqual([60]);
  });

  it('truncates the tick to the interval for a 5 m target', () => {
    expect(offsets(planTick([target('a', 5 * MINUTE)], NOON + 900))).toEqual([0]);
    expect(offsets(planTick([target('a', 5 * MINUTE)], NOON + 7 * MINUTE + 3 * SECOND))).toEqual([300]);
    expect(offsets(planTick([target('a', 5 * MINUTE)], NOON - 1))).toEqual([-300]);
  });

  it('returns every sample of every target, in time order', () => {
    const fast = target('fast', 10 * SECOND);
    const half = target('half', 30 * SECOND);
    const slow = target('slow', 5 * MINUTE);
    const planned = planTick([slow, fast, half], NOON + 500);
    expect(planned.map((sample) => [sample.target.name, (sample.at - NOON) / SECOND])).toEqual([
      ['slow', 0],
      ['fast', 0],
      ['half', 0],
      ['fast', 10],
      ['fast', 20],
      ['fast', 30],
      ['half', 30],
      ['fast', 40],
      ['fast', 50],
    ]);
  });

  it('keeps the same sample times for a tick anywhere in the same minute (a retried invocation)', () => {
    const targets = [target('a', 10 * SECOND), target('b', MINUTE)];
    expect(planTick(targets, NOON + 100)).toEqual(planTick(targets, NOON + 58_000));
  });

  it('plans nothing without targets', () => {
    expect(planTick([], NOON)).toEqual([]);
  });
});

describe('firstSampleTime', () => {
  it('truncates a tick to the minute, or to a longer interval', () => {
    expect(firstSampleTime(NOON + 12_345, 10 * SECOND)).toBe(NOON);
    expect(firstSampleTime(NOON + 12_345, MINUTE)).toBe(NOON);
    expect(firstSampleTime(NOON + 6 * MINUTE, 5 * MINUTE)).toBe(NOON + 5 * MINUTE);
  });
});

describe('planOnce', () => {
  it('plans one sample per target, now truncated to its interval', () => {
    const now = NOON + 7 * MINUTE + 37_500;
    const planned = planOnce([target('a', 10 * SECOND), target('b', MINUTE), target('c', 5 * MINUTE)], now);
    expect(planned.map((sample) => [sample.target.name, (sample.at - NOON) / SECOND])).toEqual([
      ['a', 450],
      ['b', 420],
      ['c', 300],
    ]);
  });

  it('keeps a time already on the interval', () => {
    expect(planOnce([target('a', 30 * SECOND)], NOON + 30 * SECOND)[0]?.at).toBe(NOON + 30 * SECOND);
  });

  it('keeps the order of the targets given', () => {
    const planned = planOnce([target('z', MINUTE), target('a', 10 * SECOND)], NOON);
    expect(planned.map((sample) => sample.target.name)).toEqual(['z', 'a']);
  });
});

describe('slotsOf', () => {
  it('groups samples by scheduled time, oldest first, keeping their order inside a slot', () => {
    const a = target('a', 10 * SECOND);
    const b = target('b', 30 * SECOND);
    const c = target('c', MINUTE);
    const slots = slotsOf([
      { target: a, at: NOON + 30 * SECOND },
      { target: c, at: NOON },
      { target: b, at: NOON + 30 * SECOND },
      { target: a, at: NOON },
    ]);
    expect(
      slots.map((slot) => slot.map((sample) => [sample.target.name, (sample.at - NOON) / SECOND])),
    ).toEqual([
      [
        ['c', 0],
        ['a', 0],
      ],
      [
        ['a', 30],
        ['b', 30],
      ],
    ]);
  });

  it('turns a planned tick into one slot per sample time', () => {
    const planned = planTick([target('a', 10 * SECOND), target('b', 30 * SECOND), target('c', MINUTE)], NOON);
    const slots = slotsOf(planned);
    expect(slots.map((slot) => slot.length)).toEqual([3, 1, 1, 2, 1, 1]);
    expect(slots.flat()).toHaveLength(planned.length);
  });

  it('has no slot without samples', () => {
    expect(slotsOf([])).toEqual([]);
  });
});

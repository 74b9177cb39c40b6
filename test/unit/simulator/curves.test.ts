import { describe, expect, it } from 'vitest';
import {
  dayShape,
  demandAt,
  hashString,
  liveUsers,
  peakDemandBetween,
  utcMonthBounds,
} from '../../../simulator/curves.js';
import { messagesUsedSince } from '../../../simulator/providers/metered/routes.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A Monday, so that the first five days of the week from here are weekdays. */
const MONDAY = Date.UTC(2025, 0, 6);
const SATURDAY = MONDAY + 5 * DAY;
const CAPACITY = 40;
const PROJECT = '64f1c0ffee0001';

/** Every minute of one week from Monday 00:00 UTC. */
function weekOfMinutes(): number[] {
  return Array.from({ length: 7 * 24 * 60 }, (_, i) => MONDAY + i * MINUTE);
}

describe('hashString', () => {
  it('is stable and spreads nearby strings', () => {
    expect(hashString('abc')).toBe(hashString('abc'));
    expect(hashString('abc')).not.toBe(hashString('abd'));
    expect(hashString('')).toBe(0x811c9dc5);
  });
});

describe('liveUsers', () => {
  it('is deterministic for the same seed and time', () => {
    const at = MONDAY + 19 * HOUR + 17 * MINUTE;
    expect(liveUsers(PROJECT, at, CAPACITY)).toEqual(liveUsers(PROJECT, at, CAPACITY));
  });

  it('stays the same within a minute and differs between seeds', () => {
    const at = MONDAY + 18 * HOUR;
    expect(liveUsers(PROJECT, at + 59_000, CAPACITY)).toEqual(liveUsers(PROJECT, at, CAPACITY));
    const other = weekOfMinutes().some(
      (t) => liveUsers('other-project', t, 1000).live !== liveUsers(PROJECT, t, 1000).live,
    );
    expect(other).toBe(true);
  });

  it('returns integers >= 0 with live never above capacity', () => {
    for (const at of weekOfMinutes()) {
      const { live, queued } = liveUsers(PROJECT, at, CAPACITY);
      expect(Number.isInteger(live) && Number.isInteger(queued)).toBe(true);
      expect(live).toBeGreaterThanOrEqual(0);
      expect(queued).toBeGreaterThanOrEqual(0);
      expect(live).toBeLessThanOrEqual(CAPACITY);
    }
  });

  it('peaks in the evening and is low at night (UTC)', () => {
    const evening = liveUsers(PROJECT, MONDAY + 20 * HOUR, CAPACITY);
    const night = liveUsers(PROJECT, MONDAY + 4 * HOUR, CAPACITY);
    expect(evening.live + evening.queued).toBeGreaterThan(5 * (night.live + night.queued));
  });

  it('queues only when demand exceeds capacity, and only around the evening peak', () => {
    const minutes = weekOfMinutes();
    for (const at of minutes) {
      const { live, queued } = liveUsers(PROJECT, at, CAPACITY);
      if (live < CAPACITY) {
        expect(queued).toBe(0);
      }
      if (queued > 0) {
        expect(live).toBe(CAPACITY);
        const hour = (at % DAY) / HOUR;
        expect(hour).toBeGreaterThanOrEqual(16);
        expect(hour).toBeLessThan(24);
      }
    }
    expect(minutes.some((at) => liveUsers(PROJECT, at, CAPACITY).queued > 0)).toBe(true);
    expect(minutes.some((at) => liveUsers(PROJECT, at, CAPACITY).queued === 0)).toBe(true);
  });

  it('returns nothing for a zero capacity and rejects a negative one', () => {
    expect(liveUsers(PROJECT, MONDAY + 20 * HOUR, 0)).toEqual({ live: 0, queued: 0 });
    expect(() => liveUsers(PROJECT, MONDAY, -1)).toThrow(RangeError);
  });
});

describe('dayShape', () => {
  it('differs between weekdays and weekends', () => {
    expect(dayShape(SATURDAY + 15 * HOUR)).toBeGreaterThan(dayShape(MONDAY + 15 * HOUR));
    expect(dayShape(MONDAY + 20 * HOUR)).toBeGreaterThan(10 * dayShape(MONDAY + 4 * HOUR));
  });

  it('handles times before the epoch', () => {
    expect(dayShape(-DAY + 20 * HOUR)).toBeGreaterThan(dayShape(-DAY + 4 * HOUR));
  });
});

describe('demandAt', () => {
  it('scales with the typical peak', () => {
    const at = MONDAY + 20 * HOUR;
    const small = demandAt('imkit:acme', at, 100);
    const large = demandAt('imkit:acme', at, 1000);
    expect(large).toBeGreaterThan(8 * small);
  });
});

describe('peakDemandBetween', () => {
  it('is the max of the sampled curve, 0 for an empty range', () => {
    const from = MONDAY;
    const to = MONDAY + DAY;
    const peak = peakDemandBetween('metered:app_sim', from, to, 850, HOUR);
    const hourly = Array.from({ length: 25 }, (_, i) => demandAt('metered:app_sim', from + i * HOUR, 850));
    expect(peak).toBe(Math.max(...hourly));
    expect(peakDemandBetween('metered:app_sim', to, from, 850)).toBe(0);
  });
});

describe('utcMonthBounds and messagesUsedSince', () => {
  it('bounds the UTC calendar month, December included', () => {
    expect(utcMonthBounds(Date.UTC(2025, 1, 14, 12))).toEqual({
      startUnix: Date.UTC(2025, 1, 1) / 1000,
      endUnix: Date.UTC(2025, 2, 1) / 1000,
    });
    expect(utcMonthBounds(Date.UTC(2025, 11, 31, 23, 59)).endUnix).toBe(Date.UTC(2026, 0, 1) / 1000);
  });

  it('grows monotonically from 0 at the period start', () => {
    const start = Date.UTC(2025, 0, 1);
    expect(messagesUsedSince(start, start)).toBe(0);
    expect(messagesUsedSince(start, start - HOUR)).toBe(0);
    expect(messagesUsedSince(start, start + HOUR)).toBeLessThan(messagesUsedSince(start, start + 2 * HOUR));
    expect(messagesUsedSince(start, start + 31 * DAY)).toBeLessThan(5_000_000);
  });
});

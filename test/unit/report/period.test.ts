import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/config/errors.js';
import {
  calendarPeriod,
  type PeriodInput,
  parseInstant,
  periodLabel,
  previousPeriod,
  resolvePeriod,
} from '../../../functions/report/period.js';

const utc = (text: string) => Date.parse(text);
const NOW = utc('2026-11-18T10:15:42.123Z'); // a Wednesday

function problemOf(input: PeriodInput, now = NOW): string {
  try {
    resolvePeriod(input, now);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('resolvePeriod with --from/--to', () => {
  it('takes a date as UTC midnight and keeps the period half-open', () => {
    expect(resolvePeriod({ from: '2026-10-01', to: '2026-11-01' }, NOW)).toEqual({
      from: utc('2026-10-01T00:00:00Z'),
      to: utc('2026-11-01T00:00:00Z'),
    });
  });

  it('reads zones and fractions, and takes a time without a zone as UTC', () => {
    expect(parseInstant('2026-10-01T12:30:15.5+02:00', '--from')).toBe(utc('2026-10-01T10:30:15.500Z'));
    expect(parseInstant('2026-10-01T12:30-03:30', '--from')).toBe(utc('2026-10-01T16:00:00Z'));
    expect(parseInstant('2026-10-01T12:30', '--from')).toBe(utc('2026-10-01T12:30:00Z'));
    expect(parseInstant('2026-10-01T12:30:00Z', '--from')).toBe(utc('2026-10-01T12:30:00Z'));
  });

  it('refuses what is not an ISO 8601 date or time, or not a real one, naming the flag', () => {
    expect(problemOf({ from: 'yesterday', to: '2026-11-01' })).toBe(
      '--from: "yesterday" is not an ISO 8601 date or time (e.g. 2026-10-01 or 2026-10-01T00:00:00Z)',
    );
    expect(problemOf({ from: '2026-10-01', to: '2026-02-30' })).toBe(
      '--to: "2026-02-30" is not a valid date or time',
    );
    expect(problemOf({ from: '2026-10-01T24:00Z', to: '2026-11-01' })).toBe(
      '--from: "2026-10-01T24:00Z" is not a valid date or time',
    );
    expect(problemOf({ from: '1 Oct 2026', to: '2026-11-01' })).toMatch(
      /^--from: "1 Oct 2026" is not an ISO 8601/,
    );
  });

  it('wants both ends, in order, and not together with --period', () => {
    expect(problemOf({ from: '2026-10-01' })).toBe('--from needs --to');
    expect(problemOf({ to: '2026-10-01' })).toBe('--to needs --from');
    expect(problemOf({})).toBe(
      'a period is required: --from ISO --to ISO, or --period day|week|month|last-month',
    );
    expect(problemOf({ from: '2026-10-02', to: '2026-10-01' })).toBe(
      '--to (2026-10-01) must be later than --from (2026-10-02)',
    );
    expect(problemOf({ from: '2026-10-01', to: '2026-10-01' })).toMatch(/must be later/);
    expect(problemOf({ from: '2026-10-01', to: '2026-11-01', period: 'month' })).toBe(
      '--period cannot be combined with --from/--to: give one or the other',
    );
    expect(problemOf({ period: 'quarter' })).toBe(
      '--period: "quarter" is not one of day, week, month, last-month',
    );
  });

  it('refuses a range InfluxQL cannot express, itself or its comparison period, naming the flag', () => {
    expect(problemOf({ from: '0001-01-01', to: '9999-12-31' })).toMatch(
      /^--to: InfluxDB times run from 1677-09-21/,
    );
    expect(problemOf({ from: '1600-01-01', to: '2026-01-01' })).toMatch(/^--from: InfluxDB times run from/);
    expect(problemOf({ from: '2000-01-01', to: '2262-04-12' })).toMatch(/^--to: /);
    // The report also reads the period of the same length before --from.
    expect(problemOf({ from: '1900-01-01', to: '2200-01-01' })).toMatch(
      /^--from\/--to: the report compares against .* start at 1600-01-01T00:00:00.000Z; InfluxDB times run from/,
    );
    expect(resolvePeriod({ from: '1900-01-01', to: '2100-01-01' }, NOW).from).toBe(
      utc('1900-01-01T00:00:00Z'),
    );
  });

  it('reads years before 100 as written, not as 19xx', () => {
    expect(new Date(parseInstant('0001-01-01', '--from')).getUTCFullYear()).toBe(1);
    expect(new Date(parseInstant('0099-12-31T23:00:00Z', '--to')).getUTCFullYear()).toBe(99);
  });
});

describe('calendar periods (UTC)', () => {
  it('last-month is the whole previous calendar month', () => {
    expect(calendarPeriod('last-month', NOW)).toEqual({ from: utc('2026-10-01'), to: utc('2026-11-01') });
  });

  it('last-month in January is December of the year before', () => {
    expect(calendarPeriod('last-month', utc('2027-01-01T00:00:00Z'))).toEqual({
      from: utc('2026-12-01'),
      to: utc('2027-01-01'),
    });
    expect(calendarPeriod('last-month', utc('2027-01-31T23:59:59.999Z'))).toEqual({
      from: utc('2026-12-01'),
      to: utc('2027-01-01'),
    });
  });

  it('last-month of March spans February, 29 days in a leap year', () => {
    const period = calendarPeriod('last-month', utc('2028-03-01T00:00:00Z'));
    expect(period).toEqual({ from: utc('2028-02-01'), to: utc('2028-03-01') });
    expect((period.to - period.from) / 86_400_000).toBe(29);
  });

  it('a running day, week or month ends at the start of the minute before now', () => {
    const settled = utc('2026-11-18T10:14:00Z');
    expect(calendarPeriod('day', NOW)).toEqual({ from: utc('2026-11-18'), to: settled });
    expect(calendarPeriod('week', NOW)).toEqual({ from: utc('2026-11-16'), to: settled }); // Monday
    expect(calendarPeriod('month', NOW)).toEqual({ from: utc('2026-11-01'), to: settled });
  });

  it('weeks start on Monday, also when now is a Sunday or a Monday', () => {
    expect(calendarPeriod('week', utc('2026-11-22T23:00:00Z')).from).toBe(utc('2026-11-16'));
    expect(calendarPeriod('week', utc('2026-11-23T00:05:00Z')).from).toBe(utc('2026-11-23'));
  });

  it('refuses a running period that has no complete minute yet', () => {
    expect(problemOf({ period: 'month' }, utc('2026-11-01T00:00:30Z'))).toBe(
      '--period month: the current month has no complete minute yet (now is 2026-11-01T00:00:30.000Z)',
    );
  });

  it('resolvePeriod reads --period', () => {
    expect(resolvePeriod({ period: 'last-month' }, NOW)).toEqual(calendarPeriod('last-month', NOW));
  });
});

describe('previousPeriod and periodLabel', () => {
  it('the previous period has the same length and ends where the period starts', () => {
    const october = { from: utc('2026-10-01'), to: utc('2026-11-01') };
    expect(previousPeriod(october)).toEqual({ from: utc('2026-08-31'), to: utc('2026-10-01') });
    const hours = { from: utc('2026-10-01T06:00Z'), to: utc('2026-10-01T08:30Z') };
    expect(previousPeriod(hours)).toEqual({ from: utc('2026-10-01T03:30Z'), to: utc('2026-10-01T06:00Z') });
  });

  it('names a month, a day, or both ends', () => {
    expect(periodLabel({ from: utc('2026-12-01'), to: utc('2027-01-01') })).toBe('2026-12');
    expect(periodLabel({ from: utc('2026-10-14'), to: utc('2026-10-15') })).toBe('2026-10-14');
    expect(periodLabel({ from: utc('2026-10-01'), to: utc('2026-10-31') })).toBe(
      '20261001T0000Z-20261031T0000Z',
    );
    expect(periodLabel({ from: utc('2026-10-01T06:00:30Z'), to: utc('2026-10-01T08:00Z') })).toBe(
      '20261001T060030Z-20261001T0800Z',
    );
  });
});

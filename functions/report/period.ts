import { ConfigError } from '../config/errors.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The calendar periods `--period` accepts (docs/cli.md), all in UTC. */
export const PERIOD_NAMES = ['day', 'week', 'month', 'last-month'] as const;
export type PeriodName = (typeof PERIOD_NAMES)[number];

/** A half-open stretch of time `[from, to)`, in milliseconds since the epoch. */
export interface Period {
  from: number;
  to: number;
}

/** What the command line says about the period: either `from` and `to`, or a `period` name. */
export interface PeriodInput {
  from?: string | undefined;
  to?: string | undefined;
  period?: string | undefined;
}

/**
 * The period a report covers.
 *
 * `--from/--to` are taken as given (a sample at exactly `to` belongs to the next period). A calendar period is
 * the UTC day, ISO week (Monday to Monday) or month containing `now`, or the whole previous month. A period that
 * is still running ends at the start of the minute before `now`: the collector writes a minute's samples at the
 * end of that minute, so a later end would show samples still being written as a gap.
 *
 * @param now - ms since the epoch; the calendar periods are relative to it.
 * @throws ConfigError naming the flag and what was expected.
 */
export function resolvePeriod(input: PeriodInput, now: number): Period {
  const hasRange = input.from !== undefined || input.to !== undefined;
  if (input.period !== undefined) {
    if (hasRange)
      throw new ConfigError(['--period cannot be combined with --from/--to: give one or the other']);
    return calendarPeriod(parsePeriodName(input.period), now);
  }
  if (input.from === undefined || input.to === undefined) {
    if (!hasRange) {
      throw new ConfigError([
        `a period is required: --from ISO --to ISO, or --period ${PERIOD_NAMES.join('|')}`,
      ]);
    }
    throw new ConfigError([input.from === undefined ? '--to needs --from' : '--from needs --to']);
  }
  const from = parseInstant(input.from, '--from');
  const to = parseInstant(input.to, '--to');
  if (to <= from) {
    throw new ConfigError([`--to (${input.to}) must be later than --from (${input.from})`]);
  }
  return checkedRange({ from, to });
}

/**
 * The times InfluxDB can store and InfluxQL can name: nanoseconds since the epoch in a signed 64-bit integer,
 * kept to whole seconds inside it. A range outside is a flag error, not a query InfluxDB answers with a 400.
 */
export const INFLUX_TIME_RANGE = {
  from: Date.UTC(1677, 8, 21, 0, 12, 44),
  to: Date.UTC(2262, 3, 11, 23, 47, 16),
};

/** A period whose comparison period (the same length just before it) InfluxDB can also be asked about. */
function checkedRange(period: Period): Period {
  const earliest = previousPeriod(period).from;
  const bounds = `InfluxDB times run from ${iso(INFLUX_TIME_RANGE.from)} to ${iso(INFLUX_TIME_RANGE.to)}`;
  if (period.to > INFLUX_TIME_RANGE.to) throw new ConfigError([`--to: ${bounds}`]);
  if (period.from < INFLUX_TIME_RANGE.from) throw new ConfigError([`--from: ${bounds}`]);
  if (earliest < INFLUX_TIME_RANGE.from) {
    throw new ConfigError([
      `--from/--to: the report compares against the period of the same length before --from, which would ` +
        `start at ${iso(earliest)}; ${bounds}`,
    ]);
  }
  return period;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** Checks a `--period` value. */
export function parsePeriodName(text: string): PeriodName {
  if ((PERIOD_NAMES as readonly string[]).includes(text)) return text as PeriodName;
  throw new ConfigError([`--period: "${text}" is not one of ${PERIOD_NAMES.join(', ')}`]);
}

/** The UTC calendar period `name` relative to `now`; see {@link resolvePeriod} for periods still running. */
export function calendarPeriod(name: PeriodName, now: number): Period {
  const at = new Date(now);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const today = Date.UTC(year, month, at.getUTCDate());
  let period: Period;
  switch (name) {
    case 'last-month':
      // Date.UTC carries month -1 back into December of the previous year.
      return { from: Date.UTC(year, month - 1, 1), to: Date.UTC(year, month, 1) };
    case 'month':
      period = { from: Date.UTC(year, month, 1), to: Date.UTC(year, month + 1, 1) };
      break;
    case 'week': {
      const sinceMonday = (at.getUTCDay() + 6) % 7;
      const monday = today - sinceMonday * DAY_MS;
      period = { from: monday, to: monday + 7 * DAY_MS };
      break;
    }
    case 'day':
      period = { from: today, to: today + DAY_MS };
      break;
  }
  const settled = Math.floor(now / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
  const to = Math.min(period.to, settled);
  if (to <= period.from) {
    throw new ConfigError([
      `--period ${name}: the current ${name} has no complete minute yet (now is ${new Date(now).toISOString()})`,
    ]);
  }
  return { from: period.from, to };
}

/** The period of the same length that ends where `period` starts: what a `--from/--to` report compares against. */
export function previousPeriod(period: Period): Period {
  return { from: period.from - (period.to - period.from), to: period.from };
}

/** A report's period with what it is compared against and how far its forecast looks. */
export interface ReportPeriod extends Period {
  /** What the period is compared with: the whole previous calendar period, or the same length just before. */
  previous: Period;
  /** End of the next period of the same kind (exclusive): where the forecast is projected to. */
  nextEnd: number;
}

/**
 * Adds the comparison and the forecast horizon to a period. A calendar period (`kind`) compares with the whole
 * previous calendar period, even while it is still running (a day at 01:06 with the whole day before; November
 * with October, 31 days against 30), and its next period is the next calendar one. Without a `kind` (`--from/--to`)
 * both are the same length as the period, just before and just after it.
 */
export function withComparison(period: Period, kind?: PeriodName): ReportPeriod {
  if (kind === undefined) {
    const length = period.to - period.from;
    return { ...period, previous: previousPeriod(period), nextEnd: period.to + length };
  }
  const start = new Date(period.from);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth();
  switch (kind) {
    case 'day':
      return {
        ...period,
        previous: { from: period.from - DAY_MS, to: period.from },
        nextEnd: period.from + 2 * DAY_MS,
      };
    case 'week':
      return {
        ...period,
        previous: { from: period.from - 7 * DAY_MS, to: period.from },
        nextEnd: period.from + 14 * DAY_MS,
      };
    case 'month':
    case 'last-month':
      return {
        ...period,
        previous: { from: Date.UTC(year, month - 1, 1), to: period.from },
        nextEnd: Date.UTC(year, month + 2, 1),
      };
  }
}

/** {@link resolvePeriod} with the comparison and forecast horizon of {@link withComparison}. */
export function resolveReportPeriod(input: PeriodInput, now: number): ReportPeriod {
  const period = resolvePeriod(input, now);
  return withComparison(period, input.period === undefined ? undefined : parsePeriodName(input.period));
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An ISO 8601 date (`2026-10-01`, UTC midnight) or date-time (`2026-10-01T12:00:00Z`, `…+02:00`). A date-time
 * without a zone is UTC, like every time the report prints, whatever the machine's time zone.
 */
export function parseInstant(text: string, flag: string): number {
  const dateOnly = DATE_ONLY.exec(text);
  const dateTime = dateOnly ? undefined : DATE_TIME.exec(text);
  const parts = dateOnly ?? dateTime;
  if (!parts) {
    throw new ConfigError([
      `${flag}: "${text}" is not an ISO 8601 date or time (e.g. 2026-10-01 or 2026-10-01T00:00:00Z)`,
    ]);
  }
  const [year, month, day, hour = 0, minute = 0, second = 0] = parts
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  // Not Date.UTC: it reads years 0-99 as 1900-1999.
  const check = new Date(0);
  check.setUTCFullYear(year as number, (month as number) - 1, day as number);
  check.setUTCHours(hour, minute, second, 0);
  const utc = check.getTime();
  // Dates roll 2026-02-30 over into March: a round trip catches impossible dates and times.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== (month as number) - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    throw new ConfigError([`${flag}: "${text}" is not a valid date or time`]);
  }
  if (dateOnly) return utc;
  const zone = dateTime?.[8] ?? 'Z';
  const millis = Number((dateTime?.[7] ?? '0').padEnd(3, '0'));
  return utc + millis - zoneOffsetMs(zone);
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hours, minutes] = zone.slice(1).split(':').map(Number) as [number, number];
  return sign * (hours * 60 + minutes) * MINUTE_MS;
}

/**
 * A short name for the period, for titles and S3 keys: `2026-10` for a calendar month, `2026-10-14` for a day,
 * otherwise both ends (`20261014T0000Z-20261021T0000Z`).
 */
export function periodLabel(period: Period): string {
  const from = new Date(period.from);
  const monthStart = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1);
  if (
    period.from === monthStart &&
    period.to === Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1)
  ) {
    return from.toISOString().slice(0, 7);
  }
  if (period.from % DAY_MS === 0 && period.to - period.from === DAY_MS)
    return from.toISOString().slice(0, 10);
  return `${compactInstant(period.from)}-${compactInstant(period.to)}`;
}

function compactInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  const seconds = ms % MINUTE_MS === 0 ? '' : iso.slice(17, 19);
  return `${iso.slice(0, 10).replaceAll('-', '')}T${iso.slice(11, 13)}${iso.slice(14, 16)}${seconds}Z`;
}

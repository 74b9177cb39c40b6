import { DAY_MS, HOUR_MS, MINUTE_MS } from '../functions/time/units.js';

/**
 * Deterministic load curves for the simulator.
 *
 * Everything here is a pure function of its arguments (no clock, no Math.random), so a test can
 * pin the time and get the same figures on every run and every machine.
 */

/** Peak demand as a multiple of capacity: above 1 so that a typical evening peak forms a queue. */
const PEAK_OVER_CAPACITY = 1.3;
/** Relative amplitude of the per-minute noise (±10 %). */
const NOISE_AMPLITUDE = 0.2;
/** Range of the per-seed scale factor, so that two projects do not draw identical curves. */
const SCALE_MIN = 0.85;
const SCALE_SPAN = 0.4;

/** Sessions and queue at one instant, for a provider whose users wait when capacity is full. */
export interface LiveUsers {
  live: number;
  queued: number;
}

/** A billing period's bounds in unix seconds. */
export interface PeriodBounds {
  startUnix: number;
  endUnix: number;
}

/**
 * 32-bit FNV-1a hash of a string: cheap, stable across platforms, good enough to spread seeds.
 *
 * @returns an unsigned 32-bit integer.
 */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Maps a string to [0, 1). */
function unitHash(text: string): number {
  return hashString(text) / 0x1_0000_0000;
}

/** Modulo that stays positive for times before the epoch. */
function positiveMod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/** A bump centred on `centre` hours, measured around the 24 h clock so it wraps at midnight. */
function bump(hour: number, centre: number, width: number): number {
  const raw = Math.abs(hour - centre);
  const distance = Math.min(raw, 24 - raw);
  return Math.exp(-(distance * distance) / (2 * width * width));
}

/** True on Saturday and Sunday (UTC); 1970-01-01 was a Thursday. */
function isWeekendUtc(atMs: number): boolean {
  const weekday = positiveMod(Math.floor(atMs / DAY_MS) + 4, 7);
  return weekday === 0 || weekday === 6;
}

/**
 * Relative demand over a UTC day, roughly in (0.05, 1.1].
 *
 * Weekdays have a lunchtime shoulder and an evening peak at 20:00; weekends a broader afternoon
 * and a slightly later, higher peak. Nights sit around 5 % of the peak.
 */
export function dayShape(atMs: number): number {
  const hour = positiveMod(atMs, DAY_MS) / HOUR_MS;
  if (isWeekendUtc(atMs)) {
    return 0.07 + 0.55 * bump(hour, 15, 3) + 1.0 * bump(hour, 21, 2.5);
  }
  return 0.05 + 0.35 * bump(hour, 13, 2.5) + 0.95 * bump(hour, 20, 2.2);
}

/** Per-seed multiplier in [0.85, 1.25): different projects, different audiences. */
function seedScale(seedKey: string): number {
  return SCALE_MIN + SCALE_SPAN * unitHash(`scale:${seedKey}`);
}

/** Per-minute multiplier in [0.9, 1.1): stable for the whole minute, so repeated polls agree. */
function minuteNoise(seedKey: string, atMs: number): number {
  const minute = Math.floor(atMs / MINUTE_MS);
  return 1 + NOISE_AMPLITUDE * (unitHash(`${seedKey}@${minute}`) - 0.5);
}

function assertNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

/**
 * Integer demand (people who want a session / open connections) at `atMs`.
 *
 * @param seedKey - anything stable that identifies the audience (project id, app name…).
 * @param atMs - time in ms since the epoch.
 * @param typicalPeak - the weekday evening peak for a seed of average scale.
 */
export function demandAt(seedKey: string, atMs: number, typicalPeak: number): number {
  assertNonNegative('typicalPeak', typicalPeak);
  const raw = typicalPeak * dayShape(atMs) * seedScale(seedKey) * minuteNoise(seedKey, atMs);
  return Math.max(0, Math.round(raw));
}

/**
 * Live sessions and queue: sessions are capped by `capacity` and the rest wait.
 * Demand peaks at about 1.1–1.6 × capacity, so queues form at the evening peak and nowhere else.
 *
 * @returns integers >= 0, `queued` > 0 only when demand exceeds `capacity`.
 */
export function liveUsers(seedKey: string, atMs: number, capacity: number): LiveUsers {
  assertNonNegative('capacity', capacity);
  const demand = demandAt(seedKey, atMs, capacity * PEAK_OVER_CAPACITY);
  const cap = Math.floor(capacity);
  return { live: Math.min(demand, cap), queued: Math.max(0, demand - cap) };
}

/** The UTC calendar month containing `atMs`, as unix seconds (end is the next month's start). */
export function utcMonthBounds(atMs: number): PeriodBounds {
  const at = new Date(atMs);
  const start = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const end = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return { startUnix: start / 1000, endUnix: end / 1000 };
}

/**
 * The highest {@link demandAt} sampled every `stepMs` in [fromMs, toMs]: a deterministic stand-in
 * for "the peak seen so far this period" that does not depend on when anybody polled.
 *
 * @returns 0 when no sampling instant falls in the range.
 */
export function peakDemandBetween(
  seedKey: string,
  fromMs: number,
  toMs: number,
  typicalPeak: number,
  stepMs = 5 * MINUTE_MS,
): number {
  if (!(stepMs > 0)) {
    throw new RangeError(`stepMs must be > 0, got ${stepMs}`);
  }
  let peak = 0;
  for (let at = Math.ceil(fromMs / stepMs) * stepMs; at <= toMs; at += stepMs) {
    peak = Math.max(peak, demandAt(seedKey, at, typicalPeak));
  }
  return peak;
}

import * as z from 'zod';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from './units.js';

const UNIT_MS = { ms: 1, s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS } as const;
const DURATION = /^([1-9][0-9]*)(ms|s|m|h)$/;

/** Parses `500ms`, `10s`, `5m` or `1h` into milliseconds; `undefined` when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const [, amount, unit] = match as unknown as [string, string, keyof typeof UNIT_MS];
  return Number(amount) * UNIT_MS[unit];
}

/** Formats milliseconds the way a user would write them in the config (`10s`, `5m`). */
export function formatDuration(ms: number): string {
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
  if (ms % MINUTE_MS === 0) return `${ms / MINUTE_MS}m`;
  if (ms % SECOND_MS === 0) return `${ms / SECOND_MS}s`;
  return `${ms}ms`;
}

/** A duration string in the config file; parsed into milliseconds. */
export const durationSchema = z
  .string()
  .regex(DURATION, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a duration: expected a whole number above 0 and a unit ` +
      '(ms, s, m or h), such as "500ms", "10s", "5m" or "1h"',
    abort: true,
  })
  .transform((text) => parseDuration(text) as number);

import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
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
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** A duration string in the config file; parsed into milliseconds. */
export const durationSchema = z
  .string()
  .regex(DURATION, { message: 'expected a duration such as "500ms", "10s", "5m" or "1h"' })
  .transform((text) => parseDuration(text) as number);

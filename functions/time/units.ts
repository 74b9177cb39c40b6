/** Milliseconds per unit: every time constant of the collector is written in these. */
export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/**
 * Minutes that divide an hour, and hours that divide a day: the intervals longer than a minute whose multiples a
 * clock schedule (cron) can fire on. The config accepts only these; the stack turns them into cron expressions.
 */
export const HOUR_DIVISORS_MIN: readonly number[] = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
export const DAY_DIVISORS_H: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 24];

import { ConfigError } from '../functions/config/errors.js';
import type { Config, Target } from '../functions/config/schema.js';
import { projectsOf } from '../functions/providers/discovering.js';
import { runBudgetMs } from '../functions/schedule/budget.js';
import { COLLECTOR_MEMORY_MB, maxSamplesPerTick } from '../functions/schedule/lambda.js';
import { scheduleOf } from '../functions/schedule/plan.js';
import { formatDuration } from '../functions/time/duration.js';
import { DAY_DIVISORS_H, HOUR_DIVISORS_MIN } from '../functions/time/units.js';

/** EventBridge Scheduler's limit on a schedule target's input, in characters. */
export const MAX_INPUT_CHARS = 8_192;

/** Lambda's longest timeout, in milliseconds. */
export const LAMBDA_MAX_TIMEOUT_MS = 900_000;

/**
 * Added to a run's worst case to get the Lambda timeout, in milliseconds: the handler keeps 2 s back from its
 * remaining time, and module initialisation plus the final metrics flush need a few more.
 */
export const TIMEOUT_MARGIN_MS = 10_000;

/** The template of a schedule's input, less the names: `{"time":"<aws.scheduler.scheduled-time>","targets":[…]}`. */
const INPUT_OVERHEAD_CHARS = '{"time":"<aws.scheduler.scheduled-time>","targets":}'.length;

/** The targets of one interval, split into shards: one EventBridge Scheduler schedule (one invocation) per shard. */
export interface PlannedGroup {
  /** Construct id, stable across deploys and readable: `Every10s`, `Every5m`; shard n > 1 adds `Shard{n}`. */
  id: string;
  /** The interval of every target of the group, in milliseconds. */
  intervalMs: number;
  /**
   * The schedules' expression: a cron expression firing on the multiples of the interval (every minute for a
   * minute and less, `cron(0/5 * * * ? *)`, `cron(0 0/6 * * ? *)`): see {@link scheduleExpression}.
   */
  schedule: string;
  /** How many samples of each target one run takes (6 for `10s`, 1 for a minute or more). */
  samplesPerRun: number;
  /** Target names of each shard, sorted; each shard is one schedule, so one invocation per tick. */
  shards: string[][];
  /**
   * The most samples one shard's slot takes: `deploy.shardSize`, or fewer when a slot of that many would not fit
   * in half the interval on Lambda at the function's memory (see `estimatedTickMs`).
   */
  shardSize: number;
}

/** The construct id of a group's n-th shard's schedule (0-based): `Every10s`, `Every10sShard2`. */
export function shardScheduleId(group: Pick<PlannedGroup, 'id'>, index: number): string {
  return index === 0 ? group.id : `${group.id}Shard${index + 1}`;
}

/**
 * The schedule groups of a config: targets grouped by interval, each group split into shards of at most
 * `deploy.shardSize` targets (fewer when the names would not fit in a schedule's input). Unlike EventBridge
 * rules (five targets each), Scheduler has one target per schedule, so each shard gets its own schedule.
 *
 * Names are sorted inside a group, so reordering the config file changes nothing, and ids derive from the
 * interval alone, so they stay the same from one deploy to the next. A group's shards are smaller than
 * `deploy.shardSize` when a slot of that size would not fit in half the interval on Lambda at `memoryMb`: its
 * CPU share stretches a tick's CPU time (`estimatedTickMs`).
 */
export function planGroups(
  config: Pick<Config, 'targets' | 'deploy' | 'concurrency'>,
  memoryMb = COLLECTOR_MEMORY_MB,
): PlannedGroup[] {
  const groups = new Map<number, string[]>();
  for (const target of config.targets) {
    const names = groups.get(target.interval);
    if (names) names.push(target.name);
    else groups.set(target.interval, [target.name]);
  }
  const planned: PlannedGroup[] = [];
  for (const [intervalMs, names] of [...groups.entries()].sort(([a], [b]) => a - b)) {
    const { samplesPerRun } = scheduleOf(intervalMs);
    const weights = new Map(config.targets.map((target) => [target.name, projectsOf(target)]));
    const shardSize = Math.min(
      config.deploy.shardSize,
      maxSamplesPerTick(intervalMs, { inFlight: config.concurrency, memoryMb }),
    );
    const shards = shardsOf(names.sort(compareNames), shardSize, (name) => weights.get(name) ?? 1);
    planned.push({
      id: `Every${formatDuration(intervalMs)}`,
      intervalMs,
      // The config schema only lets through intervals that divide a minute, an hour or a day.
      schedule: scheduleExpression(intervalMs) as string,
      samplesPerRun,
      shards,
      shardSize,
    });
  }
  return planned;
}

/**
 * Splits sorted names into the fewest shards of at most `shardSize` polled projects whose input fits
 * EventBridge's limit. Plain targets weigh one and are balanced (no shard holds more than one name more than
 * another); a target that discovers its projects weighs its `maxProjects`, since that is what its run polls,
 * and then shards are filled in order (one heavier than `shardSize` gets a shard of its own).
 */
export function shardsOf(
  names: readonly string[],
  shardSize: number,
  weightOf: (name: string) => number = () => 1,
): string[][] {
  if (names.some((name) => weightOf(name) !== 1)) return filled(names, shardSize, weightOf);
  for (let count = Math.ceil(names.length / shardSize); ; count++) {
    const shards = balanced(names, count);
    if (shards.every((shard) => inputChars(shard) <= MAX_INPUT_CHARS)) return shards;
  }
}

function filled(names: readonly string[], shardSize: number, weightOf: (name: string) => number): string[][] {
  const shards: string[][] = [];
  let current: string[] = [];
  let weight = 0;
  for (const name of names) {
    const next = [...current, name];
    if (current.length > 0 && (weight + weightOf(name) > shardSize || inputChars(next) > MAX_INPUT_CHARS)) {
      shards.push(current);
      current = [name];
      weight = weightOf(name);
    } else {
      current = next;
      weight += weightOf(name);
    }
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

/** The length of a shard's input template, as EventBridge Scheduler counts it. */
export function inputChars(shard: readonly string[]): number {
  return INPUT_OVERHEAD_CHARS + JSON.stringify(shard).length;
}

function balanced(names: readonly string[], count: number): string[][] {
  const shards: string[][] = [];
  let start = 0;
  for (let index = 0; index < count; index++) {
    const size = Math.floor(names.length / count) + (index < names.length % count ? 1 : 0);
    shards.push(names.slice(start, start + size));
    start += size;
  }
  return shards;
}

/** Code-unit order, the same on every machine (unlike `localeCompare`). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * When a group's schedules fire. A run stamps its samples with the tick floored to the interval (multiples of
 * the interval since 1970, see `firstSampleTime`) and misses a sample whose window closed before it got there,
 * so the schedule must fire on those multiples. `rate(N minutes)` does not: Scheduler counts it from the
 * schedule's creation, and a 5-minute schedule created at 12:03 would fire 3 minutes after every multiple. So
 * cron expressions, which fire on the clock: every minute for a minute and less (the run floors its tick to the
 * minute and samples within it), else the multiples of a divisor of an hour or of a day. `undefined` for any
 * other interval (`7m`, `90m`): no schedule fires on its multiples.
 */
export function scheduleExpression(intervalMs: number): string | undefined {
  const { rateMinutes: minutes } = scheduleOf(intervalMs);
  if (minutes === 1) return 'cron(* * * * ? *)';
  if (HOUR_DIVISORS_MIN.includes(minutes)) return `cron(0/${minutes} * * * ? *)`;
  const hours = minutes / 60;
  if (hours === 1) return 'cron(0 * * * ? *)';
  if (hours === 24) return 'cron(0 0 * * ? *)';
  if (DAY_DIVISORS_H.includes(hours)) return `cron(0 0/${hours} * * ? *)`;
  return undefined;
}

/**
 * The Lambda timeout, in milliseconds: the worst-case run of the slowest shard (`runBudgetMs`: its last
 * sample's offset, that sample's every attempt timing out, and the final write) plus {@link TIMEOUT_MARGIN_MS},
 * in whole seconds. One function serves every rule, so the slowest shard sets it.
 *
 * Throws a `ConfigError` when that exceeds Lambda's 15 minutes: the run could not end by itself.
 */
export function functionTimeoutMs(
  config: Pick<Config, 'targets' | 'influx' | 'maxAttempts' | 'maxInFlightPerAccount'>,
  groups: readonly PlannedGroup[],
): number {
  const byName = new Map(config.targets.map((target) => [target.name, target]));
  let worst = { budgetMs: 0, rule: '' };
  for (const group of groups) {
    for (const shard of group.shards) {
      const targets = shard.map((name) => byName.get(name) as Target);
      const budgetMs = runBudgetMs(targets, config);
      if (budgetMs > worst.budgetMs) worst = { budgetMs, rule: group.id };
    }
  }
  const timeoutMs = Math.ceil((worst.budgetMs + TIMEOUT_MARGIN_MS) / 1_000) * 1_000;
  if (timeoutMs > LAMBDA_MAX_TIMEOUT_MS) {
    throw new ConfigError([
      `the worst-case run of the ${worst.rule} targets lasts ${formatSeconds(worst.budgetMs)} ` +
        `(every attempt timing out, then the final write), more than Lambda's 15-minute limit allows with its ` +
        `${TIMEOUT_MARGIN_MS / 1_000} s margin: lower maxAttempts, influx.timeout or those targets' timeout`,
    ]);
  }
  return timeoutMs;
}

/**
 * The period of the failing-targets alarm, in minutes: long enough that every rule runs at least once in it
 * (the slowest rate), and at least 5 minutes; at most 6 hours, since CloudWatch evaluates at most a day and the
 * alarm looks at three periods.
 */
export function failureAlarmPeriodMinutes(groups: readonly PlannedGroup[]): number {
  const slowest = Math.max(...groups.map((group) => scheduleOf(group.intervalMs).rateMinutes));
  return Math.min(Math.max(5, slowest), 360);
}

/**
 * The heartbeat alarm's window, in minutes: 10, or the fastest group's rate when no group runs that often (an
 * hourly-only config reports SamplesTaken once an hour), at most a day.
 */
export function heartbeatMinutes(groups: readonly PlannedGroup[]): number {
  const fastest = Math.min(...groups.map((group) => scheduleOf(group.intervalMs).rateMinutes));
  return Math.min(Math.max(10, fastest), 1_440);
}

function formatSeconds(ms: number): string {
  const seconds = Math.ceil(ms / 1_000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/config/errors.js';
import { parseConfig } from '../../../functions/config/load.js';
import type { Config } from '../../../functions/config/schema.js';
import { COLLECTOR_MEMORY_MB, maxSamplesPerTick } from '../../../functions/schedule/lambda.js';
import { parseDuration } from '../../../functions/time/duration.js';
import {
  failureAlarmPeriodMinutes,
  functionTimeoutMs,
  heartbeatMinutes,
  inputChars,
  MAX_INPUT_CHARS,
  planGroups,
  scheduleExpression,
  shardScheduleId,
  shardsOf,
} from '../../../infra/schedules.js';

const INFLUX = { url: 'https://influx.example.com', org: 'acme', bucket: 'concurrency' };

/** A config of Metered targets (no endpoint-specific keys), `count` per interval, named `{prefix}{n}`. */
function configOf(
  groups: Array<{ interval: string; count: number; prefix?: string; timeout?: string }>,
  extra: Record<string, unknown> = {},
): Config {
  const targets = groups.flatMap(({ interval, count, prefix, timeout }) =>
    Array.from({ length: count }, (_, index) => ({
      name: `${prefix ?? `t${interval}-`}${String(index).padStart(4, '0')}`,
      endpoint: 'metered.usage',
      secret: 'collector/metered',
      interval,
      ...(timeout ? { timeout } : {}),
    })),
  );
  return parseConfig({ influx: INFLUX, targets, ...extra });
}

describe('planGroups', () => {
  it('groups targets by interval, one group per interval, ids from the interval, fastest first', () => {
    const rules = planGroups(
      configOf([
        { interval: '5m', count: 1 },
        { interval: '10s', count: 2 },
        { interval: '1m', count: 1 },
        { interval: '30s', count: 3 },
        { interval: '1h', count: 1 },
      ]),
    );
    expect(
      rules.map(({ id, schedule, samplesPerRun, intervalMs }) => ({
        id,
        schedule,
        samplesPerRun,
        intervalMs,
      })),
    ).toEqual([
      { id: 'Every10s', schedule: 'cron(* * * * ? *)', samplesPerRun: 6, intervalMs: 10_000 },
      { id: 'Every30s', schedule: 'cron(* * * * ? *)', samplesPerRun: 2, intervalMs: 30_000 },
      { id: 'Every1m', schedule: 'cron(* * * * ? *)', samplesPerRun: 1, intervalMs: 60_000 },
      { id: 'Every5m', schedule: 'cron(0/5 * * * ? *)', samplesPerRun: 1, intervalMs: 300_000 },
      { id: 'Every1h', schedule: 'cron(0 * * * ? *)', samplesPerRun: 1, intervalMs: 3_600_000 },
    ]);
    expect(rules[1]?.shards).toEqual([['t30s-0000', 't30s-0001', 't30s-0002']]);
  });

  it('sorts names inside a group, so reordering the config file changes nothing', () => {
    const config = configOf([{ interval: '1m', count: 3 }]);
    const reversed = { ...config, targets: [...config.targets].reverse() };
    expect(planGroups(reversed)).toEqual(planGroups(config));
    expect(planGroups(config)[0]?.shards).toEqual([['t1m-0000', 't1m-0001', 't1m-0002']]);
  });

  it.each([
    { count: 1, shards: [1] },
    { count: 200, shards: [200] },
    { count: 201, shards: [101, 100] },
    { count: 400, shards: [200, 200] },
    { count: 401, shards: [134, 134, 133] },
  ])('splits $count targets into shards of at most 200 (the default): $shards', ({ count, shards }) => {
    const [rule] = planGroups(configOf([{ interval: '1m', count }]));
    expect(rule?.shards.map((shard) => shard.length)).toEqual(shards);
    expect(rule?.shards.flat()).toHaveLength(count);
    expect(new Set(rule?.shards.flat()).size).toBe(count);
  });

  it('honours deploy.shardSize at its boundaries', () => {
    const sizes = (count: number) =>
      planGroups(configOf([{ interval: '30s', count }], { deploy: { shardSize: 3 } }))[0]?.shards.map(
        (s) => s.length,
      );
    expect(sizes(3)).toEqual([3]);
    expect(sizes(4)).toEqual([2, 2]);
    expect(sizes(6)).toEqual([3, 3]);
    expect(sizes(7)).toEqual([3, 2, 2]);
  });

  it('makes shards smaller than deploy.shardSize when a slot of that size would not fit in half the interval on Lambda', () => {
    const [fast] = planGroups(configOf([{ interval: '5s', count: 200 }], { concurrency: 16 }));
    const most = maxSamplesPerTick(5_000, { inFlight: 16, memoryMb: COLLECTOR_MEMORY_MB });
    expect(most).toBeLessThan(200);
    expect(fast?.shardSize).toBe(most);
    expect(fast?.shards.every((shard) => shard.length <= most)).toBe(true);
    expect(fast?.shards.flat()).toHaveLength(200);
    // Less memory is less CPU: the CPU-bound estimate shrinks the shards further.
    const wide = configOf([{ interval: '5s', count: 400 }], { concurrency: 64 });
    const [small] = planGroups(wide, 128);
    expect(small?.shardSize).toBeLessThan(planGroups(wide)[0]?.shardSize ?? 0);
    const [minute] = planGroups(configOf([{ interval: '1m', count: 200 }]));
    expect(minute?.shardSize).toBe(200);
  });

  it('gives every shard its own schedule id (Scheduler has one target per schedule): Every10s, Every10sShard2, …', () => {
    const [group] = planGroups(configOf([{ interval: '10s', count: 12 }], { deploy: { shardSize: 1 } }));
    expect(group?.shards).toHaveLength(12);
    expect(group?.shards.map((_, index) => shardScheduleId(group, index))).toEqual([
      'Every10s',
      ...Array.from({ length: 11 }, (_, index) => `Every10sShard${index + 2}`),
    ]);
    expect(group?.schedule).toBe('cron(* * * * ? *)');
  });

  it('keeps ids stable when targets are added to a group', () => {
    const before = planGroups(configOf([{ interval: '5m', count: 2 }]));
    const after = planGroups(configOf([{ interval: '5m', count: 150 }]));
    expect(after.map((rule) => rule.id)).toEqual(before.map((rule) => rule.id));
  });

  it('makes more shards when long names would not fit in a rule input', () => {
    // 200 names of 64 characters (the longest allowed) need about 13 400 characters: two shards.
    const prefix = 'a-rather-long-target-name-for-a-streaming-project-in-eu-west-1-'.slice(0, 60);
    const config = configOf([{ interval: '1m', count: 200, prefix }]);
    const [rule] = planGroups(config);
    expect(rule?.shards.length).toBe(2);
    for (const shard of rule?.shards ?? []) expect(inputChars(shard)).toBeLessThanOrEqual(MAX_INPUT_CHARS);
  });
});

describe('shardsOf', () => {
  it('balances shards within one name of each other', () => {
    const names = Array.from({ length: 10 }, (_, index) => `n${index}`);
    expect(shardsOf(names, 4).map((shard) => shard.length)).toEqual([4, 3, 3]);
    expect(shardsOf(names, 4).flat()).toEqual(names);
  });
});

describe('scheduleExpression', () => {
  it.each([
    ['5s', 'cron(* * * * ? *)'],
    ['30s', 'cron(* * * * ? *)'],
    ['1m', 'cron(* * * * ? *)'],
    ['2m', 'cron(0/2 * * * ? *)'],
    ['5m', 'cron(0/5 * * * ? *)'],
    ['30m', 'cron(0/30 * * * ? *)'],
    ['1h', 'cron(0 * * * ? *)'],
    ['60m', 'cron(0 * * * ? *)'],
    ['6h', 'cron(0 0/6 * * ? *)'],
    ['24h', 'cron(0 0 * * ? *)'],
  ])(
    '%s → %s: fires on the multiples of the interval, the times the samples are stamped with',
    (interval, expression) => {
      expect(scheduleExpression(parseDuration(interval) as number)).toBe(expression);
    },
  );

  it.each(['7m', '45m', '90m', '5h'])(
    'has no expression for %s: no schedule fires on its multiples',
    (interval) => {
      expect(scheduleExpression(parseDuration(interval) as number)).toBeUndefined();
    },
  );

  it('never meets an interval it cannot schedule: the config schema refuses it first, naming the target', () => {
    expect(() =>
      configOf([
        { interval: '1m', count: 1 },
        { interval: '7m', count: 1 },
      ]),
    ).toThrow(
      /targets\[1\]\.interval: 7m cannot be scheduled on its own multiples: use a divisor of an hour \(2m, 3m/,
    );
  });
});

describe('functionTimeoutMs', () => {
  it('covers the sub-minute run that spans its minute: last offset + every attempt timing out + the write', () => {
    // 10 s target, timeout 10 s, 3 attempts: 50 s offset + (3 × 10 s + 2 × 4 s) + (3 × 10 s + 5 s) = 123 s.
    const config = configOf([
      { interval: '10s', count: 1 },
      { interval: '5m', count: 1 },
    ]);
    expect(functionTimeoutMs(config, planGroups(config))).toBe(133_000);
  });

  it('is shorter when only minute targets run: a single sample per run', () => {
    // 0 s offset + 38 s + 35 s = 73 s, plus the 10 s margin.
    const config = configOf([{ interval: '1m', count: 1 }]);
    expect(functionTimeoutMs(config, planGroups(config))).toBe(83_000);
  });

  it('follows the targets’ timeout and maxAttempts', () => {
    // 5 attempts of 20 s: 55 s offset + (100 s + 16 s) + (50 s + 5 s) = 226 s, plus 10 s.
    const config = configOf([{ interval: '5s', count: 1, timeout: '20s' }], { maxAttempts: 5 });
    expect(functionTimeoutMs(config, planGroups(config))).toBe(236_000);
  });

  it('fails with a clear ConfigError when the worst case exceeds Lambda’s 15 minutes', () => {
    // 50 s offset + (5 × 60 s + 4 × 4 s) + (5 × 120 s + 5 s) = 971 s.
    const config = configOf([{ interval: '10s', count: 1, timeout: '1m' }], {
      maxAttempts: 5,
      influx: { ...INFLUX, timeout: '2m' },
    });
    const attempt = () => functionTimeoutMs(config, planGroups(config));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/Every10s targets lasts 16 min 11 s .* more than Lambda's 15-minute limit/);
  });
});

describe('failureAlarmPeriodMinutes', () => {
  it('spans a run of the slowest rule, between 5 minutes and 6 hours', () => {
    const periodOf = (intervals: string[]) =>
      failureAlarmPeriodMinutes(planGroups(configOf(intervals.map((interval) => ({ interval, count: 1 })))));
    expect(periodOf(['10s', '1m'])).toBe(5);
    expect(periodOf(['10s', '15m'])).toBe(15);
    expect(periodOf(['1h'])).toBe(60);
    expect(periodOf(['1m', '12h'])).toBe(360);
  });
});

describe('heartbeatMinutes', () => {
  it('is 10 minutes, or the fastest group’s rate when none runs that often, at most a day', () => {
    const minutes = (...intervals: string[]) =>
      heartbeatMinutes(planGroups(configOf(intervals.map((interval) => ({ interval, count: 1 })))));
    expect(minutes('10s', '6h')).toBe(10);
    expect(minutes('5m')).toBe(10);
    expect(minutes('1h', '6h')).toBe(60);
    expect(minutes('24h')).toBe(1_440);
  });
});

describe('targets that discover their projects', () => {
  const discovering = (name: string, maxProjects: number) => ({
    name,
    endpoint: 'streampixel.liveStats',
    projects: 'all',
    maxProjects,
    secret: 'collector/streampixel',
    interval: '1m',
  });

  it('weigh their maxProjects in a shard, so a shard never polls more than shardSize projects', () => {
    const config = parseConfig({
      influx: { url: 'http://127.0.0.1:8086', apiVersion: 1, database: 'x' },
      targets: [discovering('a', 120), discovering('b', 100), discovering('c', 50), discovering('d', 300)],
      deploy: { shardSize: 200 },
    });
    const [rule] = planGroups(config);
    expect(rule?.shards).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('size the timeout by maxProjects polled maxInFlightPerAccount at a time', () => {
    const config = (maxProjects: number) =>
      parseConfig({
        influx: { url: 'http://127.0.0.1:8086', apiVersion: 1, database: 'x' },
        maxInFlightPerAccount: 4,
        targets: [discovering('a', maxProjects)],
      });
    const timeout = (maxProjects: number) =>
      functionTimeoutMs(config(maxProjects), planGroups(config(maxProjects)));
    // 1 m target: 40 projects → 10 rounds of (3 × 10 s + 2 × 4 s), then the write (3 × 10 s + 5 s), + 10 s margin.
    expect(timeout(40)).toBe(10 * 38_000 + 35_000 + 10_000);
    expect(timeout(4)).toBe(38_000 + 35_000 + 10_000);
  });
});

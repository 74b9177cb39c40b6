import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatPath } from '../../../functions/config/errors.js';
import { loadConfig, parseConfig } from '../../../functions/config/load.js';
import { intervalProblem, RESERVED_TAGS } from '../../../functions/config/schema.js';
import { selectTargets } from '../../../functions/config/select.js';
import { ADAPTERS } from '../../../functions/providers/registry.js';
import { formatDuration, parseDuration } from '../../../functions/time/duration.js';

/** A config of the shape the issue shows: one target per endpoint, InfluxDB v2, static tags. */
const EXAMPLE = {
  $schema: './collector.schema.json',
  influx: {
    url: 'https://influx.example.com',
    org: 'ops',
    bucket: 'concurrency',
    tokenSecret: 'collector/influx',
  },
  targets: [
    {
      name: 'showroom-live',
      endpoint: 'streampixel.liveStats',
      secret: 'collector/streampixel',
      projectId: '64f1c0ffee0001',
      interval: '10s',
      tags: { env: 'prod', team: 'xr' },
    },
    {
      name: 'showroom-users',
      endpoint: 'streampixel.userStats',
      secret: 'collector/streampixel',
      projectId: '64f1c0ffee0001',
      interval: '30s',
    },
    {
      name: 'chat',
      endpoint: 'imkit.connectionCount',
      secret: 'collector/imkit',
      baseUrl: 'https://acme.imkit.io',
      interval: '1m',
    },
    {
      name: 'signalling',
      endpoint: 'metered.usage',
      secret: 'collector/metered',
      interval: '5m',
      timeout: '5s',
    },
  ],
};

type Json = Record<string, unknown>;

/** The example with some targets replaced or added, or the influx block changed. */
function configWith(changes: { targets?: Json[]; influx?: Json; top?: Json }): Json {
  return {
    ...EXAMPLE,
    ...(changes.influx ? { influx: changes.influx } : {}),
    ...(changes.targets ? { targets: changes.targets } : {}),
    ...changes.top,
  };
}

function liveStatsTarget(extra: Json = {}): Json {
  return {
    name: 'sp',
    endpoint: 'streampixel.liveStats',
    secret: 's',
    projectId: 'p1',
    interval: '10s',
    ...extra,
  };
}

/** The problems `parseConfig` reports; fails the test when the config is accepted. */
function problemsOf(input: unknown): readonly string[] {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  expect.fail('the config was accepted');
}

describe('parseConfig: the example config', () => {
  const config = parseConfig(EXAMPLE);

  it('parses, with durations in milliseconds', () => {
    expect(config.targets.map((target) => [target.name, target.interval, target.timeout])).toEqual([
      ['showroom-live', 10_000, 10_000],
      ['showroom-users', 30_000, 10_000],
      ['chat', 60_000, 10_000],
      ['signalling', 300_000, 5_000],
    ]);
    expect(config.targets[0]).toMatchObject({
      projectId: '64f1c0ffee0001',
      tags: { env: 'prod', team: 'xr' },
    });
    expect(config.targets[2]?.baseUrl).toBe('https://acme.imkit.io');
  });

  it('applies the defaults: timeout 10 s, concurrency 32, maxAttempts 3, apiVersion 2, shardSize 200', () => {
    expect(config.targets[1]?.timeout).toBe(10_000);
    expect(config.targets[1]?.tags).toEqual({});
    expect(config.concurrency).toBe(32);
    expect(config.maxAttempts).toBe(3);
    expect(config.influx.apiVersion).toBe(2);
    expect(config.influx.timeout).toBe(10_000);
    expect(config.deploy.shardSize).toBe(200);
  });

  it('keeps explicit values over defaults', () => {
    const explicit = parseConfig(
      configWith({ top: { concurrency: 4, maxAttempts: 1, deploy: { shardSize: 50 } } }),
    );
    expect([explicit.concurrency, explicit.maxAttempts, explicit.deploy.shardSize]).toEqual([4, 1, 50]);
  });
});

describe('parseConfig: interval floors', () => {
  it("reports an interval below streampixel.liveStats's 5 s floor, by path", () => {
    const problems = problemsOf(
      configWith({
        targets: [
          liveStatsTarget({ name: 'a' }),
          liveStatsTarget({ name: 'b' }),
          liveStatsTarget({ name: 'c', interval: '2s' }),
        ],
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^targets\[2\]\.interval: 2s is below streampixel\.liveStats's 5 s floor/);
  });

  it('accepts liveStats at exactly its floor', () => {
    expect(
      parseConfig(configWith({ targets: [liveStatsTarget({ interval: '5s' })] })).targets[0]?.interval,
    ).toBe(5_000);
  });

  it('reports userStats below its 3 s floor and accepts 3 s', () => {
    const userStats = liveStatsTarget({ endpoint: 'streampixel.userStats', interval: '2s' });
    expect(problemsOf(configWith({ targets: [userStats] }))[0]).toMatch(
      /^targets\[0\]\.interval: 2s is below streampixel\.userStats's 3 s floor/,
    );
    const atFloor = parseConfig(configWith({ targets: [{ ...userStats, interval: '3s' }] }));
    expect(atFloor.targets[0]?.interval).toBe(3_000);
  });

  it('reports IMKit below its 30 s floor', () => {
    const imkit = {
      name: 'chat',
      endpoint: 'imkit.connectionCount',
      secret: 's',
      baseUrl: 'https://acme.imkit.io',
      interval: '10s',
    };
    expect(problemsOf(configWith({ targets: [imkit] }))[0]).toMatch(
      /^targets\[0\]\.interval: 10s is below imkit\.connectionCount's 30 s floor/,
    );
    expect(parseConfig(configWith({ targets: [{ ...imkit, interval: '30s' }] })).targets[0]?.interval).toBe(
      30_000,
    );
  });
});

describe('parseConfig: interval shapes', () => {
  it('refuses sub-minute intervals that do not divide a minute', () => {
    const problems = problemsOf(
      configWith({
        targets: [liveStatsTarget({ interval: '7s' }), liveStatsTarget({ name: 'b', interval: '45s' })],
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^targets\[0\]\.interval: 7s does not divide a minute evenly/),
      expect.stringMatching(/^targets\[1\]\.interval: 45s does not divide a minute evenly/),
    ]);
  });

  it('refuses intervals of a minute or more that are not whole minutes', () => {
    const problems = problemsOf(configWith({ targets: [liveStatsTarget({ interval: '90s' })] }));
    expect(problems).toEqual(['targets[0].interval: 90s is not a whole number of minutes']);
  });

  it('refuses text that is not a duration', () => {
    for (const interval of ['10', '10 s', '1d', '-5s', '0s', 10]) {
      const problems = problemsOf(configWith({ targets: [liveStatsTarget({ interval })] }));
      expect(problems[0], String(interval)).toMatch(/^targets\[0\]\.interval: /);
    }
  });

  it('gives a bad duration one clear message, not a garbled second one', () => {
    for (const interval of ['-10s', '0h', '10sec', '1.5m', '']) {
      const problems = problemsOf(configWith({ targets: [liveStatsTarget({ interval, timeout: '0s' })] }));
      expect(problems, interval).toEqual([
        `targets[0].interval: ${JSON.stringify(interval)} is not a duration: expected a whole number above 0 and a unit (ms, s, m or h), such as "500ms", "10s", "5m" or "1h"`,
        `targets[0].timeout: "0s" is not a duration: expected a whole number above 0 and a unit (ms, s, m or h), such as "500ms", "10s", "5m" or "1h"`,
      ]);
    }
  });

  it('refuses user:password@ in influx.url or a baseUrl, naming the key and never the password', () => {
    const influx = { ...EXAMPLE.influx, url: 'https://admin:Pa55-w0rd@influx.example.com' };
    const problems = problemsOf(
      configWith({ influx, targets: [liveStatsTarget({ baseUrl: 'http://u:Pa55-w0rd@proxy.example' })] }),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^influx\.url: .*tokenSecret/);
    expect(problems[1]).toMatch(/^targets\[0\]\.baseUrl: /);
    expect(problems.join('\n')).not.toContain('Pa55');
    expect(
      problemsOf(configWith({ influx: { ...influx, url: 'https://token@influx.example.com' } }))[0],
    ).toMatch(/^influx\.url: /);
  });

  it('refuses a configured project id that is not one URL-safe path segment, like a listed one', () => {
    for (const projectId of ['.', '..', '...', 'a/b', '%2e%2e', '?x=1', '', 'x'.repeat(129), 'a b', '#x']) {
      const problems = problemsOf(configWith({ targets: [liveStatsTarget({ projectId })] }));
      expect(problems, projectId).toHaveLength(1);
      expect(problems[0], projectId).toMatch(/^targets\[0\]\.projectId: a project id /);
    }
    expect(() =>
      parseConfig(configWith({ targets: [liveStatsTarget({ projectId: 'a.b_c~d-9' })] })),
    ).not.toThrow();
  });

  it('refuses a timeout above a minute', () => {
    const problems = problemsOf(configWith({ targets: [liveStatsTarget({ timeout: '2m' })] }));
    expect(problems).toEqual(['targets[0].timeout: at most 1m: a run lasts about a minute']);
  });

  it('intervalProblem accepts divisors of a minute and whole minutes up to a day', () => {
    for (const ms of [5_000, 6_000, 10_000, 12_000, 15_000, 20_000, 30_000, 60_000, 300_000, 86_400_000]) {
      expect(intervalProblem(ms), formatDuration(ms)).toBeUndefined();
    }
    expect(intervalProblem(90_000_000)).toBe('25h is longer than a day');
  });
});

describe('parseConfig: keys and names', () => {
  it('reports an unknown key of a target by its path', () => {
    const { interval: _interval, ...rest } = liveStatsTarget();
    const problems = problemsOf(configWith({ targets: [{ ...rest, intervall: '10s' }] }));
    expect(problems).toContain('targets[0]: unknown key "intervall"');
  });

  it('reports an unknown top-level key', () => {
    expect(problemsOf(configWith({ top: { concurency: 4 } }))).toContain(
      '(top level): unknown key "concurency"',
    );
  });

  it('reports duplicate names at the later target, naming the earlier one', () => {
    const problems = problemsOf(
      configWith({ targets: [liveStatsTarget({ name: 'same' }), liveStatsTarget({ name: 'same' })] }),
    );
    expect(problems).toEqual([
      'targets[1].name: "same" is already the name of targets[0]: names must be unique',
    ]);
  });

  it('reports duplicate names even while another part of the file is wrong', () => {
    const problems = problemsOf(
      configWith({
        influx: { url: 'https://influx.example.com' },
        targets: [liveStatsTarget({ name: 'same' }), liveStatsTarget({ name: 'same' })],
      }),
    );
    expect(problems).toContain('influx.bucket: required when apiVersion is 2');
    expect(problems).toContain(
      'targets[1].name: "same" is already the name of targets[0]: names must be unique',
    );
  });

  it('refuses a name that cannot be a tag value of the contract', () => {
    for (const name of ['', 'with space', '-leading', 'x'.repeat(65)]) {
      expect(problemsOf(configWith({ targets: [liveStatsTarget({ name })] }))[0], name).toMatch(
        /^targets\[0\]\.name: /,
      );
    }
  });

  it('lists the known endpoints when the endpoint is unknown', () => {
    const problems = problemsOf(
      configWith({ targets: [liveStatsTarget({ endpoint: 'streampixel.liveStat' })] }),
    );
    expect(problems).toEqual([
      `targets[0].endpoint: expected one of ${ADAPTERS.map((adapter) => `"${adapter.endpoint}"`).join(', ')}`,
    ]);
    expect(problems[0]).toContain('"streampixel.liveStats", "streampixel.userStats"');
  });

  it('refuses a Streampixel target without projectId', () => {
    const { projectId: _projectId, ...rest } = liveStatsTarget();
    expect(problemsOf(configWith({ targets: [rest] }))[0]).toMatch(/^targets\[0\]\.projectId: /);
  });

  it('refuses a key of another endpoint (projectId on Metered)', () => {
    const metered = { name: 'm', endpoint: 'metered.usage', secret: 's', interval: '1m', projectId: 'p1' };
    expect(problemsOf(configWith({ targets: [metered] }))).toContain('targets[0]: unknown key "projectId"');
  });

  it('needs at least one target', () => {
    expect(problemsOf(configWith({ targets: [] }))).toEqual(['targets: at least one target is needed']);
  });
});

describe('parseConfig: static tags', () => {
  it('refuses every reserved tag key', () => {
    for (const key of RESERVED_TAGS) {
      const problems = problemsOf(configWith({ targets: [liveStatsTarget({ tags: { [key]: 'x' } })] }));
      expect(problems, key).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^targets\\[0\\]\\.tags\\.${key}: .*reserved tag`));
    }
  });

  it('covers the tags the contract owns', () => {
    expect(RESERVED_TAGS).toEqual(
      expect.arrayContaining(['provider', 'endpoint', 'target', 'project', 'outcome']),
    );
  });

  it('refuses tag keys that are not identifiers, and empty values', () => {
    expect(problemsOf(configWith({ targets: [liveStatsTarget({ tags: { 'a-b': 'x' } })] }))[0]).toMatch(
      /^targets\[0\]\.tags\.a-b: /,
    );
    expect(problemsOf(configWith({ targets: [liveStatsTarget({ tags: { env: '' } })] }))[0]).toMatch(
      /^targets\[0\]\.tags\.env: /,
    );
  });

  it('accepts tag values with spaces, commas and equals signs (escaped in line protocol)', () => {
    const config = parseConfig(
      configWith({ targets: [liveStatsTarget({ tags: { site: 'Hall A, east=1' } })] }),
    );
    expect(config.targets[0]?.tags).toEqual({ site: 'Hall A, east=1' });
  });
});

describe('parseConfig: base URLs', () => {
  it('requires a baseUrl for IMKit, whose hosts are per customer', () => {
    const imkit = { name: 'chat', endpoint: 'imkit.connectionCount', secret: 's', interval: '1m' };
    expect(problemsOf(configWith({ targets: [imkit] }))).toEqual([
      expect.stringMatching(/^targets\[0\]\.baseUrl: required for imkit\.connectionCount/),
    ]);
  });

  it('accepts a baseUrl with a path prefix', () => {
    const config = parseConfig(
      configWith({ targets: [liveStatsTarget({ baseUrl: 'http://127.0.0.1:9/proxy/' })] }),
    );
    expect(config.targets[0]?.baseUrl).toBe('http://127.0.0.1:9/proxy/');
  });

  it('refuses a baseUrl that is not an http(s) URL', () => {
    for (const baseUrl of ['not a url', 'ftp://example.com', 'api.streampixel.io']) {
      expect(problemsOf(configWith({ targets: [liveStatsTarget({ baseUrl })] })), baseUrl).toEqual([
        'targets[0].baseUrl: expected an http(s) URL',
      ]);
    }
  });
});

describe('parseConfig: influx', () => {
  it('needs a database with apiVersion 1, and refuses v2 keys there', () => {
    expect(problemsOf(configWith({ influx: { url: 'http://influx:8086', apiVersion: 1 } }))).toEqual([
      'influx.database: required when apiVersion is 1',
    ]);
    expect(
      problemsOf(
        configWith({ influx: { url: 'http://influx:8086', apiVersion: 1, database: 'd', bucket: 'b' } }),
      ),
    ).toEqual(['influx.bucket: not used when apiVersion is 1']);
  });

  it('accepts apiVersion 1 with a database and a retention policy', () => {
    const config = parseConfig(
      configWith({
        influx: { url: 'http://influx:8086', apiVersion: 1, database: 'd', retentionPolicy: 'rp' },
      }),
    );
    expect(config.influx).toMatchObject({ apiVersion: 1, database: 'd', retentionPolicy: 'rp' });
  });

  it('needs a bucket with apiVersion 2, and refuses v1 keys there', () => {
    expect(problemsOf(configWith({ influx: { url: 'http://influx:8086' } }))).toEqual([
      'influx.bucket: required when apiVersion is 2',
    ]);
    expect(
      problemsOf(configWith({ influx: { url: 'http://influx:8086', bucket: 'b', database: 'd' } })),
    ).toEqual(['influx.database: not used when apiVersion is 2']);
  });

  it('accepts a bucket containing a slash (db/rp through the v2 compatibility API)', () => {
    const config = parseConfig(configWith({ influx: { url: 'http://influx:8086', bucket: 'db/rp' } }));
    expect(config.influx.bucket).toBe('db/rp');
  });

  it('refuses a bad URL', () => {
    for (const url of ['influx:8086', 'not a url', 'ftp://influx']) {
      expect(problemsOf(configWith({ influx: { url, bucket: 'b' } })), url).toEqual([
        'influx.url: expected an http(s) URL',
      ]);
    }
  });

  it('reports every problem of the file at once', () => {
    const problems = problemsOf(
      configWith({
        influx: { url: 'nope', bucket: 'b' },
        targets: [liveStatsTarget({ interval: '2s' }), liveStatsTarget({ name: 'b', baseUrl: 'ftp://x' })],
      }),
    );
    expect(problems).toHaveLength(3);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'collector-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and validates a file', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(EXAMPLE));
    const config = await loadConfig(path);
    expect(config.targets).toHaveLength(4);
  });

  it('names the file when it does not exist', async () => {
    const path = join(dir, 'missing.json');
    const error = await loadConfig(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([`${path}: cannot read the config file (no such file)`]);
  });

  it('names the file when it is not JSON', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"influx": {');
    const error = await loadConfig(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${escapeRegExp(path)}: not valid JSON`));
  });

  it('says at which line and column the JSON breaks, not at which offset', async () => {
    const cases: Array<[string, number, number]> = [
      ['{\n  "influx": {\n    "url": "x",\n    "apiVersion" 1\n  }\n}', 4, 18],
      ['{"targets": [],\n\t"influx": {,}}', 2, 13],
      ['{\n  "influx": {\n', 3, 1],
    ];
    for (const [text, line, column] of cases) {
      const path = join(dir, `broken-${line}-${column}.json`);
      writeFileSync(path, text);
      const error = (await loadConfig(path).catch((caught: unknown) => caught)) as ConfigError;
      expect(error.problems, text).toHaveLength(1);
      expect(error.problems[0], text).toContain(`not valid JSON at line ${line}, column ${column}`);
      expect(error.problems[0], text).not.toMatch(/position/);
    }
  });

  it('prefixes every schema problem with the file', async () => {
    const path = join(dir, 'invalid.json');
    writeFileSync(path, JSON.stringify(configWith({ targets: [liveStatsTarget({ interval: '2s' })] })));
    const error = await loadConfig(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(
      new RegExp(`^${escapeRegExp(path)}: targets\\[0\\]\\.interval: 2s is below`),
    );
  });
});

describe('selectTargets', () => {
  const config = parseConfig(EXAMPLE);

  it('selects all targets when no name is given', () => {
    expect(selectTargets(config)).toBe(config.targets);
    expect(selectTargets(config, [])).toBe(config.targets);
  });

  it('selects the named targets in the order given, once each', () => {
    const names = selectTargets(config, ['chat', 'showroom-live', 'chat']).map((target) => target.name);
    expect(names).toEqual(['chat', 'showroom-live']);
  });

  it('selects from each config its own targets, call after call (the name index is kept per config)', () => {
    const slower = parseConfig({
      ...EXAMPLE,
      targets: EXAMPLE.targets.map((target) => ({ ...target, interval: '12m' })),
    });
    for (let call = 0; call < 2; call++) {
      expect(selectTargets(config, ['chat'])[0]).toBe(
        config.targets.find((target) => target.name === 'chat'),
      );
      const [chat] = selectTargets(slower, ['chat']);
      expect(chat).toBe(slower.targets.find((target) => target.name === 'chat'));
      expect(chat?.interval).toBe(720_000);
    }
  });

  it('reports every unknown name with the known ones', () => {
    let caught: unknown;
    try {
      selectTargets(config, ['chat', 'nope', 'also-nope']);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const known = 'showroom-live, showroom-users, chat, signalling';
    expect((caught as ConfigError).problems).toEqual([
      `target "nope" is not in the config (targets: ${known})`,
      `target "also-nope" is not in the config (targets: ${known})`,
    ]);
  });
});

describe('durations and paths', () => {
  it('parses and formats the units of the config', () => {
    expect(['500ms', '10s', '5m', '1h'].map(parseDuration)).toEqual([500, 10_000, 300_000, 3_600_000]);
    expect(parseDuration('0s')).toBeUndefined();
    expect(parseDuration('1.5s')).toBeUndefined();
    expect([500, 10_000, 300_000, 3_600_000, 90_000].map(formatDuration)).toEqual([
      '500ms',
      '10s',
      '5m',
      '1h',
      '90s',
    ]);
  });

  it('formats an issue path as the user writes it', () => {
    expect(formatPath(['targets', 2, 'interval'])).toBe('targets[2].interval');
    expect(formatPath(['influx', 'url'])).toBe('influx.url');
    expect(formatPath([])).toBe('');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('parseConfig: broken entries', () => {
  it('reports a null target as a ConfigError, without a duplicate-name report of nameless entries', () => {
    expect(problemsOf(configWith({ targets: [null as unknown as Json] }))).toEqual([
      'targets[0]: Invalid input: expected object, received null',
    ]);
    const problems = problemsOf(configWith({ targets: [{}, {}] }));
    expect(problems.some((problem) => problem.includes('already the name'))).toBe(false);
  });

  it('refuses "." and ".." as a Streampixel project id, which would leave the stats path', () => {
    for (const projectId of ['.', '..']) {
      expect(problemsOf(configWith({ targets: [liveStatsTarget({ projectId })] }))).toEqual([
        'targets[0].projectId: a project id cannot be only dots ("." and ".." are path segments)',
      ]);
    }
  });
});

describe('parseConfig: capacity', () => {
  it('takes a positive integer on any target, and leaves it out when not given', () => {
    const config = parseConfig(
      configWith({ targets: [liveStatsTarget({ capacity: 40 }), liveStatsTarget({ name: 'b' })] }),
    );
    expect(config.targets[0]?.capacity).toBe(40);
    expect(config.targets[1]?.capacity).toBeUndefined();
  });

  it('refuses zero, a fraction or text, naming the target', () => {
    for (const capacity of [0, -3, 2.5, '40']) {
      const problems = problemsOf(configWith({ targets: [liveStatsTarget({ capacity })] }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^targets\[0\]\.capacity: /);
    }
  });
});

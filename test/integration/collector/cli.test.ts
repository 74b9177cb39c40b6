import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import {
  DEFAULT_SIMULATOR_CREDENTIALS,
  simulatorConfig,
  simulatorSecrets,
} from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { runCli } from '../../support/cli.js';

let simulator: Simulator;
let influxd: Influxd;
const dir = tempDir();
let secretsFile: string;

beforeAll(async () => {
  [simulator, influxd] = await Promise.all([startSimulator(), startInfluxd()]);
  await influxd.createDatabase('cli');
  secretsFile = dir.file('secrets.json', simulatorSecrets());
});
afterAll(async () => {
  await simulator?.close();
  await influxd?.stop();
  dir.cleanup();
});

const influxSection = () => ({ url: influxd.url, apiVersion: 1, database: 'cli' });

describe('npm run collect', () => {
  it('--once writes every target to InfluxDB and exits 0', async () => {
    const config = dir.file('ok.json', simulatorConfig(simulator.url, influxSection()));
    const result = await runCli('collect', ['--config', config, '--secrets-file', secretsFile, '--once']);
    expect(result.stderr).toMatch(/msg="run finished" samples=4 ok=4 failed=0 points_written=8/);
    expect(result.code).toBe(0);
    const rows = await influxd.rows('SELECT count(live) FROM concurrency', 'cli');
    expect(rows[0]?.count).toBe(4);
  });

  it('--dry-run prints line protocol on stdout and writes nothing; --target limits the run', async () => {
    const before = await influxd.rows('SELECT count(live) FROM concurrency', 'cli');
    const config = dir.file('dry.json', simulatorConfig(simulator.url, influxSection()));
    const result = await runCli('collect', [
      ...['--config', config, '--secrets-file', secretsFile, '--once', '--dry-run'],
      ...['--target', 'chat', '--target', 'signalling'],
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(
      lines
        .filter((line) => line.startsWith('concurrency,'))
        .map((line) => /target=([^ ,]+)/.exec(line)?.[1]),
    ).toEqual(expect.arrayContaining(['chat', 'signalling']));
    expect(lines.every((line) => /^(concurrency|collector_run),\S+ \S+ \d{10}$/.test(line))).toBe(true);
    expect(await influxd.rows('SELECT count(live) FROM concurrency', 'cli')).toEqual(before);
  });

  it('exits 2 on a configuration error, naming the path, before polling anything', async () => {
    const bad = simulatorConfig(simulator.url, influxSection());
    (bad.targets[0] as { interval: string }).interval = '2s';
    const served = simulator.served.length;
    const result = await runCli('collect', [
      '--config',
      dir.file('bad.json', bad),
      '--secrets-file',
      secretsFile,
      '--once',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("targets[0].interval: 2s is below streampixel.liveStats's 5 s floor");
    expect(simulator.served.length).toBe(served);
  });

  it('exits 2 for an unknown --target and for a missing --config', async () => {
    const config = dir.file('targets.json', simulatorConfig(simulator.url, influxSection()));
    const unknown = await runCli('collect', [
      '--config',
      config,
      '--secrets-file',
      secretsFile,
      '--once',
      '--target',
      'nope',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('target "nope" is not in the config');
    const missing = await runCli('collect', ['--once']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--config FILE is required');
  });

  it('exits 1 listing each failed target with outcome and status, and prints no credential anywhere', async () => {
    const wrong = {
      'collector/streampixel': { userId: 'sim-user-0001', apikey: 'wrong-apikey-in-url-5e1f' },
      'collector/imkit': { apiKey: 'wrong-imkit-key-77aa' },
      'collector/metered': { secretKey: 'sk_sim_wrong_c0ffee' },
      'collector/influx': { username: 'influx-user-x', password: 'influx-pass-secret-42' },
    };
    const config = simulatorConfig(simulator.url, { ...influxSection(), tokenSecret: 'collector/influx' });
    config.targets.push({
      name: 'broken',
      endpoint: 'streampixel.liveStats',
      projectId: 'err-500',
      baseUrl: simulator.url,
      secret: 'collector/streampixel',
      interval: '10s',
    });
    const result = await runCli('collect', [
      ...[
        '--config',
        dir.file('fail.json', config),
        '--secrets-file',
        dir.file('wrong.json', wrong),
        '--once',
      ],
    ]);
    expect(result.code).toBe(1);
    const failures = result.stderr.split('\n').filter((line) => line.includes('msg="sample failed"'));
    expect(
      failures.map((line) => /target=(\S+) outcome=(\S+) http_status=(\d+)/.exec(line)?.slice(1)).sort(),
    ).toEqual([
      ['broken', 'upstream', '500'],
      ['chat', 'auth', '401'],
      ['eu-prod-users', 'auth', '401'],
      ['signalling', 'auth', '401'],
    ]);
    const everything = result.stdout + result.stderr;
    const credentials = [...Object.values(wrong), ...Object.values(DEFAULT_SIMULATOR_CREDENTIALS)]
      .flatMap((secret) => Object.values(secret))
      .filter((value) => value !== 'sim-user-0001'); // the user id is shared by both sets
    for (const credential of credentials) expect(everything).not.toContain(credential);
    expect(everything).not.toContain('apikey=');
  });
});

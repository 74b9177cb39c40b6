import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { SIMULATOR_SECRET_NAMES, simulatorConfig, simulatorSecrets } from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { runCli } from '../../support/cli.js';
import { type SecretsManagerStandIn, startSecretsManager } from '../../support/secrets-manager.js';

/**
 * `npm run collect -- --check` against the simulator, a real influxd with authentication, and the Secrets Manager
 * stand-in reached by the real SDK: one run per exit code, every line, and no credential in the output.
 */
const INFLUX_USER = { username: 'cc-writer-5b2f', password: 'influx-pw-d41c9a' };

let simulator: Simulator;
let influxd: Influxd;
let standIn: SecretsManagerStandIn;
const dir = tempDir();

beforeAll(async () => {
  [simulator, influxd, standIn] = await Promise.all([
    startSimulator(),
    startInfluxd({ auth: INFLUX_USER }),
    startSecretsManager(),
  ]);
  await influxd.createDatabase('checked');
});
afterAll(async () => {
  await simulator?.close();
  await influxd?.stop();
  await standIn?.close();
  dir.cleanup();
});

function resetSecrets(): Record<string, Record<string, string>> {
  const secrets = { ...simulatorSecrets(), [SIMULATOR_SECRET_NAMES.influx]: INFLUX_USER };
  for (const [name, value] of Object.entries(secrets)) standIn.set(name, value);
  return secrets;
}

function configFile(extraTargets: object[] = []): string {
  const config = simulatorConfig(simulator.url, {
    url: influxd.url,
    apiVersion: 1,
    database: 'checked',
    tokenSecret: SIMULATOR_SECRET_NAMES.influx,
    timeout: '2s',
  });
  return dir.file(`config-${extraTargets.length}.json`, {
    ...config,
    maxAttempts: 1,
    targets: [...config.targets, ...extraTargets],
  });
}

async function check(config: string) {
  const result = await runCli('collect', ['--config', config, '--check'], {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
  });
  return { ...result, lines: result.stdout.trim().split('\n') };
}

function expectNoCredential(output: string, secrets: Record<string, Record<string, string>>): void {
  for (const value of Object.values(secrets).flatMap((secret) => Object.values(secret))) {
    expect(output).not.toContain(value);
  }
}

describe('npm run collect -- --check', () => {
  it('exits 0 with one line per secret, InfluxDB and target when everything answers, and writes the samples', async () => {
    const secrets = resetSecrets();
    const since = Date.now() - 60_000;
    const result = await check(configFile());
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines).toHaveLength(4 + 1 + 4);
    expect(result.lines.slice(0, 4)).toEqual([
      expect.stringMatching(
        /^ok {3}secret collector\/imkit: found; keys apiKey parse for imkit\.connectionCount$/,
      ),
      expect.stringMatching(
        /^ok {3}secret collector\/influx: found; keys password, username parse for InfluxDB$/,
      ),
      expect.stringMatching(/^ok {3}secret collector\/metered: found; .* parse for metered\.usage$/),
      expect.stringMatching(
        /^ok {3}secret collector\/streampixel: found; .* parse for streampixel\.liveStats, streampixel\.userStats$/,
      ),
    ]);
    expect(result.lines[4]).toMatch(new RegExp(`^ok {3}influxdb ${influxd.url}: accepted a write`));
    for (const name of ['eu-prod', 'eu-prod-users', 'chat', 'signalling']) {
      expect(result.lines.some((line) => line.startsWith(`ok   target ${name}`))).toBe(true);
    }
    expectNoCredential(result.stdout + result.stderr, secrets);

    const auth = `u=${INFLUX_USER.username}&p=${INFLUX_USER.password}`;
    const written = await fetch(
      `${influxd.url}/query?db=checked&epoch=ms&${auth}&q=${encodeURIComponent(
        `SELECT count(ok) FROM collector_check WHERE source = 'cli' AND time > ${since}ms; SELECT count(up) FROM collector_run WHERE time > ${since}ms`,
      )}`,
    ).then(
      (response) =>
        response.json() as Promise<{ results: Array<{ series?: Array<{ values: number[][] }> }> }>,
    );
    expect(written.results[0]?.series?.[0]?.values[0]?.[1]).toBe(1);
    expect(written.results[1]?.series?.[0]?.values[0]?.[1]).toBe(4);
  }, 60_000);

  it('exits 1 when only a target fails, naming it, its outcome and status', async () => {
    const secrets = resetSecrets();
    const broken = {
      name: 'gone',
      endpoint: 'streampixel.liveStats',
      projectId: 'err-404',
      baseUrl: simulator.url,
      secret: SIMULATOR_SECRET_NAMES.streampixel,
      interval: '10s',
    };
    const result = await check(configFile([broken]));
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.lines).toContainEqual(
      expect.stringMatching(/^FAIL target gone \(err-404\): not_found HTTP 404: /),
    );
    expect(result.lines.filter((line) => line.startsWith('FAIL'))).toHaveLength(1);
    expectNoCredential(result.stdout + result.stderr, secrets);
  }, 60_000);

  it('exits 2 when a secret is missing, naming it', async () => {
    const secrets = resetSecrets();
    standIn.remove(SIMULATOR_SECRET_NAMES.imkit);
    const result = await check(configFile());
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.lines).toContainEqual(
      expect.stringMatching(/^FAIL secret collector\/imkit: secret "collector\/imkit": /),
    );
    expect(result.lines).toContainEqual(expect.stringMatching(/^FAIL target chat \(.*\): config: /));
    expectNoCredential(result.stdout + result.stderr, secrets);
  }, 60_000);

  it('exits 2 when InfluxDB refuses the credentials, and when its secret does not parse', async () => {
    const secrets = resetSecrets();
    standIn.set(SIMULATOR_SECRET_NAMES.influx, { username: INFLUX_USER.username, password: 'wrong-pw-7e21' });
    const refused = await check(configFile());
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.lines).toContainEqual(
      expect.stringMatching(new RegExp(`^FAIL influxdb ${influxd.url}: .*401`)),
    );
    // The providers still answered: only InfluxDB is wrong.
    expect(refused.lines.filter((line) => line.startsWith('FAIL'))).toHaveLength(1);
    expectNoCredential(refused.stdout + refused.stderr, { ...secrets, wrong: { password: 'wrong-pw-7e21' } });

    standIn.set(SIMULATOR_SECRET_NAMES.influx, '{"token": ');
    const unparsed = await check(configFile());
    expect(unparsed.code).toBe(2);
    expect(unparsed.lines).toContainEqual(
      'FAIL secret collector/influx: secret "collector/influx": SecretString starts like JSON but is not JSON',
    );
    expect(unparsed.lines).toContainEqual(expect.stringMatching(/^FAIL influxdb .*: not tried: /));
  }, 60_000);
});

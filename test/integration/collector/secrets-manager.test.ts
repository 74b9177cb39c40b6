import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config/load.js';
import { LineProtocolPrinter } from '../../../functions/influx/dry-run.js';
import { SecretsManagerSource } from '../../../functions/secrets/secrets-manager.js';
import { SecretError } from '../../../functions/secrets/source.js';
import {
  DEFAULT_SIMULATOR_CREDENTIALS,
  simulatorConfig,
  simulatorSecrets,
} from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { memoryLog, runOnce } from '../../support/run.js';
import { type SecretsManagerStandIn, startSecretsManager } from '../../support/secrets-manager.js';

let simulator: Simulator;
let standIn: SecretsManagerStandIn;
const saved = { ...process.env };

beforeAll(async () => {
  simulator = await startSimulator();
  standIn = await startSecretsManager(simulatorSecrets());
  // The SDK's standard endpoint variable: the collector has no test hook of its own.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
  });
});

afterAll(async () => {
  process.env = saved;
  await simulator?.close();
  await standIn?.close();
});

const discard = () => new LineProtocolPrinter(new Writable({ write: (_chunk, _enc, done) => done() }));

function reads(secret: string): number {
  return standIn.calls.filter((call) => call.secretId === secret && call.target.endsWith('GetSecretValue'))
    .length;
}

describe('credentials from Secrets Manager through the real SDK client', () => {
  it('reads each secret once per run, however many targets share it', async () => {
    standIn.calls.length = 0;
    const config = parseConfig(simulatorConfig(simulator.url));
    const summary = await runOnce(config, new SecretsManagerSource(), discard());
    expect(summary.records.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    // eu-prod and eu-prod-users share collector/streampixel.
    expect(reads('collector/streampixel')).toBe(1);
    expect(reads('collector/imkit')).toBe(1);
    expect(reads('collector/metered')).toBe(1);
  });

  it('after a 401 re-reads a rotated key, bypassing the cache, and succeeds', async () => {
    const source = new SecretsManagerSource({ maxAgeSeconds: 3600 });
    const config = parseConfig(simulatorConfig(simulator.url));
    await runOnce(config, source, discard()); // warms the cache with the old keys

    const rotated = { ...DEFAULT_SIMULATOR_CREDENTIALS, imkit: { apiKey: 'sim-imkit-key-ROTATED' } };
    simulator.setCredentials(rotated);
    standIn.set('collector/imkit', { apiKey: 'sim-imkit-key-ROTATED' });
    standIn.calls.length = 0;
    try {
      const summary = await runOnce(config, source, discard());
      const chat = summary.records.find((r) => r.target.name === 'chat');
      expect(chat).toMatchObject({ outcome: 'ok', attempts: 2 });
      expect(reads('collector/imkit')).toBe(1); // only the fresh read: the first came from the cache
      expect(reads('collector/streampixel')).toBe(0);
    } finally {
      simulator.setCredentials(DEFAULT_SIMULATOR_CREDENTIALS);
      standIn.set('collector/imkit', simulatorSecrets()['collector/imkit'] as object);
    }
  });

  it('marks a target auth after one fresh read when the key is simply wrong', async () => {
    standIn.set('collector/metered', { secretKey: 'sk_sim_wrong_key_123' });
    try {
      const summary = await runOnce(
        parseConfig(simulatorConfig(simulator.url)),
        new SecretsManagerSource(),
        discard(),
      );
      const metered = summary.records.find((r) => r.target.name === 'signalling');
      expect(metered).toMatchObject({ outcome: 'auth', httpStatus: 401, attempts: 1 });
    } finally {
      standIn.set('collector/metered', simulatorSecrets()['collector/metered'] as object);
    }
  });

  it('reports a missing secret, or one missing a key, as config for that target only, naming secret and key', async () => {
    standIn.remove('collector/imkit');
    standIn.set('collector/streampixel', { userId: DEFAULT_SIMULATOR_CREDENTIALS.streampixel.userId });
    const log = memoryLog();
    try {
      const summary = await runOnce(
        parseConfig(simulatorConfig(simulator.url)),
        new SecretsManagerSource(),
        discard(),
        log,
      );
      const byName = Object.fromEntries(summary.records.map((r) => [r.target.name, r]));
      expect(byName.chat).toMatchObject({ outcome: 'config', attempts: 0 });
      expect(byName.chat?.error).toMatch(/secret "collector\/imkit".*ResourceNotFoundException/);
      expect(byName['eu-prod']?.outcome).toBe('ok'); // liveStats needs only userId
      expect(byName['eu-prod-users']).toMatchObject({ outcome: 'config' });
      expect(byName['eu-prod-users']?.error).toBe('secret "collector/streampixel": key "apikey" is missing');
      expect(byName.signalling?.outcome).toBe('ok');
      expect(log.lines.join('\n')).not.toContain(DEFAULT_SIMULATOR_CREDENTIALS.streampixel.userId);
    } finally {
      for (const [name, value] of Object.entries(simulatorSecrets())) standIn.set(name, value);
    }
  });
});

describe('a Secrets Manager endpoint that accepts and never answers', () => {
  it('fails the read within its deadline (two attempts, each socket destroyed), naming the secret', async () => {
    const sockets = new Set<Socket>();
    const stall = createServer(() => {});
    stall.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${(stall.address() as AddressInfo).port}`;
    try {
      const source = new SecretsManagerSource({ requestTimeoutMs: 400 });
      const started = Date.now();
      const error = await source.get('collector/streampixel').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SecretError);
      expect((error as Error).message).toMatch(/collector\/streampixel.*cannot be read from Secrets Manager/);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The SDK destroyed what it opened: nothing is left to keep a process alive.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect([...sockets].filter((socket) => !socket.destroyed)).toEqual([]);
    } finally {
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = standIn.url;
      stall.closeAllConnections();
      await new Promise((resolve) => stall.close(resolve));
    }
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { runCollectCli } from '../../../functions/cli/collect.js';
import { SLICE_LENGTH } from '../../../functions/secrets/redact.js';

/** A Streampixel account whose `userId` is the prefix of its `apikey`, both with odd characters. */
const USER_ID = 'acct  7f3a\t(9c)';
const API_KEY = `${USER_ID}-k3y.*+?[x]"q"`;
const INFLUX = { username: 'admin', password: 'pw with  two spaces!' };
const BASIC = Buffer.from(`${INFLUX.username}:${INFLUX.password}`).toString('base64');
const SECRETS = [USER_ID, API_KEY, INFLUX.password, BASIC];

const dir = tempDir();
const servers: Server[] = [];

function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => handler(request, response));
  });
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

let provider: string;
let influxUnauthorized: string;
let influxRefusing: string;

beforeAll(async () => {
  // A provider that echoes both keys, one of them where a 160-character cut falls, with doubled white space.
  provider = await serve((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const key = url.searchParams.get('apikey') ?? '';
    const message = `${'x'.repeat(150)} key ${key} is not valid for  ${url.searchParams.get('userId')}`;
    response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
  });
  // An InfluxDB that echoes the Basic header it was sent, as an error and as plain text.
  influxUnauthorized = await serve((request, response) => {
    response
      .writeHead(401, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: `authorization failed: ${request.headers.authorization}` }));
  });
  influxRefusing = await serve((request, response) => {
    response
      .writeHead(400, { 'content-type': 'text/plain' })
      .end(`partial write: bad header ${request.headers.authorization} (user ${INFLUX.password})`);
  });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  dir.cleanup();
});

async function collectOnce(influxUrl: string, spillDir: string): Promise<{ code: number; stderr: string }> {
  const config = dir.file(`config-${Math.random()}.json`, {
    influx: { url: influxUrl, apiVersion: 1, database: 'db', tokenSecret: 'influx', timeout: '5s' },
    targets: [
      {
        name: 'eu',
        endpoint: 'streampixel.userStats',
        projectId: 'p1',
        baseUrl: provider,
        secret: 'sp',
        interval: '1m',
        timeout: '5s',
      },
    ],
    maxAttempts: 1,
  });
  const secrets = dir.file(`secrets-${Math.random()}.json`, {
    sp: { userId: USER_ID, apikey: API_KEY },
    influx: INFLUX,
  });
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await runCollectCli(
    ['--config', config, '--secrets-file', secrets, '--once', '--spill-dir', spillDir],
    { stdout: new PassThrough(), stderr },
  );
  return { code, stderr: Buffer.concat(chunks).toString('utf8') };
}

function filesUnder(folder: string): string {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const body = readFileSync(join(entry.parentPath, entry.name));
      return entry.name.endsWith('.gz') ? gunzipSync(body).toString('utf8') : body.toString('utf8');
    })
    .join('\n');
}

/** No secret, in any form the outputs use, nor any 6-character run of one. */
function expectNoSecret(text: string): void {
  for (const secret of SECRETS) {
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
      for (let at = 0; at + SLICE_LENGTH <= form.length; at++) {
        const slice = form.slice(at, at + SLICE_LENGTH);
        expect(text.includes(slice), `${JSON.stringify(slice)} leaked`).toBe(false);
      }
    }
  }
}

describe('credentials echoed by a provider and by InfluxDB', () => {
  it('reach neither stderr nor the spilled batch (collector_run.error included)', async () => {
    const spill = join(dir.path, 'spill-401');
    const { code, stderr } = await collectOnce(influxUnauthorized, spill);
    expect(code).toBe(1);
    expect(stderr).toContain('outcome=auth');
    expect(stderr).toContain('InfluxDB answered HTTP 401');
    const spilled = filesUnder(spill);
    expect(spilled).toContain('collector_run,');
    expectNoSecret(stderr);
    expectNoSecret(spilled);
  });

  it('reach neither stderr nor the rejected/ file when InfluxDB refuses the batch', async () => {
    const spill = join(dir.path, 'spill-400');
    const { stderr } = await collectOnce(influxRefusing, spill);
    expect(stderr).toContain('InfluxDB refused points');
    const rejected = filesUnder(join(spill, 'rejected'));
    expect(rejected).toContain('partial write');
    expectNoSecret(stderr);
    expectNoSecret(rejected);
  });
});

import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { freePort, listenOnLoopback } from '../../../devtools/ports.js';
import { parseConfig } from '../../../functions/config/load.js';
import { httpGet, TransportError } from '../../../functions/http/get.js';
import { LineProtocolPrinter } from '../../../functions/influx/dry-run.js';
import { FileSecretSource } from '../../../functions/secrets/file.js';
import { simulatorSecrets } from '../../../simulator/config.js';
import { type Simulator, startSimulator } from '../../../simulator/server.js';
import { runOnce } from '../../support/run.js';

let simulator: Simulator;
let secrets: FileSecretSource;
const dir = tempDir();

beforeAll(async () => {
  simulator = await startSimulator({ slowMs: 5_000 });
  secrets = await FileSecretSource.load(dir.file('secrets.json', simulatorSecrets()));
});
afterAll(async () => {
  await simulator?.close();
  dir.cleanup();
});

function printed(): { sink: LineProtocolPrinter; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { sink: new LineProtocolPrinter(out), text: () => text };
}

/** A config of Streampixel userStats targets, one per simulator project id, plus one IMKit app. */
function configOf(projectIds: string[], imkitApps: string[] = []) {
  return parseConfig({
    influx: { url: 'http://127.0.0.1:1', apiVersion: 1, database: 'x' },
    maxAttempts: 3,
    targets: [
      ...projectIds.map((projectId) => ({
        name: projectId,
        endpoint: 'streampixel.userStats',
        projectId,
        baseUrl: simulator.url,
        secret: 'collector/streampixel',
        interval: '30s',
        timeout: '1s',
      })),
      ...imkitApps.map((app) => ({
        name: `imkit-${app}`,
        endpoint: 'imkit.connectionCount',
        baseUrl: `${simulator.url}/imkit/${app}`,
        secret: 'collector/imkit',
        interval: '30s',
        timeout: '1s',
      })),
    ],
  });
}

describe('one bad endpoint is one failed target, classified, with no invented point', () => {
  it('classifies every documented error and every broken answer, and the healthy target still lands', async () => {
    const { sink, text } = printed();
    const ids = [
      '64f1c0ffee0001',
      'err-400',
      'err-403',
      'err-404',
      'err-429',
      'err-500',
      'err-html',
      'err-truncated',
    ];
    const more = ['err-negative', 'err-fraction', 'err-slow', 'err-reset', 'err-flaky'];
    const summary = await runOnce(configOf([...ids, ...more], ['noperm', 'rc-error']), secrets, sink);
    const got = Object.fromEntries(
      summary.records.map((r) => [
        r.target.name,
        [r.outcome, r.httpStatus, r.attempts, r.sample ? 'point' : 'none'],
      ]),
    );
    expect(got).toEqual({
      '64f1c0ffee0001': ['ok', 200, 1, 'point'],
      'err-400': ['config', 400, 1, 'none'],
      'err-403': ['auth', 403, 1, 'none'],
      'err-404': ['not_found', 404, 1, 'none'],
      'err-429': ['rate_limited', 429, 1, 'none'],
      'err-500': ['upstream', 500, 3, 'none'],
      'err-html': ['upstream', 502, 3, 'none'],
      'err-truncated': ['bad_response', 200, 1, 'none'],
      'err-negative': ['bad_response', 200, 1, 'none'],
      'err-fraction': ['bad_response', 200, 1, 'none'],
      'err-slow': ['timeout', 0, 3, 'none'],
      'err-reset': ['upstream', 0, 3, 'none'],
      'err-flaky': ['ok', 200, 2, 'point'],
      'imkit-noperm': ['auth', 403, 1, 'none'],
      'imkit-rc-error': ['upstream', 200, 3, 'none'],
    });
    const lines = text().trim().split('\n');
    expect(lines.filter((line) => line.startsWith('concurrency,'))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith('collector_run,'))).toHaveLength(15);
    expect(summary.unwritten).toEqual([]);
  });

  it('never retries a 429 and backs the target off for as long as the provider asked', async () => {
    const before = simulator.served.filter((s) => s.project === 'err-429').length;
    const backoff = new Map<string, number>();
    const { sink } = printed();
    const config = configOf(['err-429']);
    const first = await runOnce(config, secrets, sink, undefined, backoff);
    expect(first.records[0]).toMatchObject({ outcome: 'rate_limited', attempts: 1 });
    const until = backoff.get('err-429') ?? 0;
    expect(until - Date.now()).toBeGreaterThan(110_000); // Retry-After: 120
    const second = await runOnce(config, secrets, sink, undefined, backoff);
    expect(second.records[0]).toMatchObject({ outcome: 'rate_limited', attempts: 0 });
    expect(second.records[0]?.error).toMatch(/backing off after HTTP 429 until/);
    expect(simulator.served.filter((s) => s.project === 'err-429').length - before).toBe(1);
  });

  it('reads the wait out of the message when a 429 has no Retry-After', async () => {
    const backoff = new Map<string, number>();
    await runOnce(configOf(['err-429-noheader']), secrets, printed().sink, undefined, backoff);
    const wait = (backoff.get('err-429-noheader') ?? 0) - Date.now();
    expect(wait).toBeGreaterThan(110_000); // "Try again in 2 minutes."
    expect(wait).toBeLessThanOrEqual(120_000);
  });
});

describe('the HTTP edge', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/huge') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`{"liveUser": 1, "pad": "${'x'.repeat(2 * 1024 * 1024)}"}`);
      } else if (request.url === '/huge-chunked') {
        response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        const chunk = 'x'.repeat(64 * 1024);
        for (let i = 0; i < 40; i++) response.write(chunk);
        response.end();
      } else if (request.url === '/latin1') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(Buffer.from([0x7b, 0x22, 0xe9, 0xff, 0x22, 0x7d]));
      } else {
        response.writeHead(200).end('{}');
      }
    });
    base = await listenOnLoopback(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['/huge', 'too_large'],
    ['/huge-chunked', 'too_large'],
    ['/latin1', 'not_utf8'],
  ])('refuses %s as %s', async (path, kind) => {
    const error = await httpGet({ url: new URL(path, base), headers: {} }, { timeoutMs: 5_000 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error.kind).toBe(kind);
    expect(error.httpStatus).toBe(200);
  });

  it('says "connection failed" for a port nobody listens on, without the URL', async () => {
    const port = await freePort();
    const url = new URL(
      `http://127.0.0.1:${port}/pixelStripeApi/projects/userStats/p?userId=u&apikey=secret-key-xyz`,
    );
    const error = await httpGet({ url, headers: {} }, { timeoutMs: 2_000 }).catch((e) => e);
    expect(error).toMatchObject({ kind: 'network' });
    expect(error.message).toMatch(/connection failed \(ECONNREFUSED\)/);
    expect(error.message).not.toContain('secret-key-xyz');
  });
});

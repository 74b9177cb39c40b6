import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { listenOnLoopback } from '../../../devtools/ports.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** A server that accepts every request and never answers; it remembers when each request arrived. */
interface Stall {
  url: string;
  arrivals: number[];
  /** Resolves at the next request (or at once if one already came since the last `reset`). */
  next(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

async function stallServer(): Promise<Stall> {
  const arrivals: number[] = [];
  let waiting: Array<() => void> = [];
  const server: Server = createServer((_request: IncomingMessage) => {
    arrivals.push(Date.now());
    for (const resolve of waiting) resolve();
    waiting = [];
  });
  return {
    url: await listenOnLoopback(server),
    arrivals,
    next: () => (arrivals.length > 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve))),
    reset: () => {
      arrivals.length = 0;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Streampixel stand-in that answers at once. */
async function answeringProvider(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"liveUser": 3, "queueUser": 1}');
  });
  return {
    url: await listenOnLoopback(server),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const dir = tempDir();
let stalledProvider: Stall;
let stalledInflux: Stall;
let provider: { url: string; close(): Promise<void> };

beforeAll(async () => {
  [stalledProvider, stalledInflux, provider] = await Promise.all([
    stallServer(),
    stallServer(),
    answeringProvider(),
  ]);
});

afterAll(async () => {
  await Promise.all([stalledProvider?.close(), stalledInflux?.close(), provider?.close()]);
  dir.cleanup();
});

function configFile(providerUrl: string): string {
  return dir.file(`config-${Math.random()}.json`, {
    influx: { url: stalledInflux.url, apiVersion: 1, database: 'db', timeout: '3s' },
    targets: [
      {
        name: 'eu',
        endpoint: 'streampixel.liveStats',
        projectId: 'p1',
        baseUrl: providerUrl,
        secret: 'sp',
        interval: '10s',
        timeout: '8s',
      },
    ],
    maxAttempts: 1,
  });
}

interface Running {
  child: ChildProcess;
  spill: string;
  exited: Promise<{ code: number | null; at: number; stderr: string }>;
}

function startCollector(providerUrl: string, once: boolean): Running {
  const cwd = mkdtempSync(join(tmpdir(), 'collector-stop-'));
  const spill = join(cwd, 'spill');
  const secrets = dir.file(`secrets-${Math.random()}.json`, { sp: { userId: 'user-0001' } });
  const args = ['--config', configFile(providerUrl), '--secrets-file', secrets, '--spill-dir', spill];
  const child = spawn(TSX, [join(ROOT, 'functions/cli/collect.ts'), ...args, ...(once ? ['--once'] : [])], {
    cwd,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; at: number; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, at: Date.now(), stderr }));
  });
  return { child, spill, exited };
}

/** Every point the run spilled, with its timestamp in ms. */
function spilledPoints(spill: string): Array<{ line: string; at: number }> {
  return readdirSync(spill)
    .filter((name) => name.endsWith('.lp.gz'))
    .flatMap((name) =>
      gunzipSync(readFileSync(join(spill, name)))
        .toString('utf8')
        .split('\n'),
    )
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ line, at: Number(line.slice(line.lastIndexOf(' ') + 1)) * 1_000 }));
}

/** Sends `signal` once the stalled server got its request, and measures how long the collector takes to go. */
async function stopWhileStalled(running: Running, stall: Stall, signal: NodeJS.Signals) {
  await stall.next();
  const sent = Date.now();
  running.child.kill(signal);
  const exit = await running.exited;
  return { ...exit, sent, tookMs: exit.at - sent };
}

describe.each(['SIGTERM', 'SIGINT'] as const)('%s while a server accepts and never answers', (signal) => {
  it('--once with a stalled InfluxDB: exits 1 within 5 s, with the batch spilled', async () => {
    stalledInflux.reset();
    const running = startCollector(provider.url, true);
    const { code, tookMs, sent, stderr } = await stopWhileStalled(running, stalledInflux, signal);
    expect(code, stderr).toBe(1);
    expect(tookMs).toBeLessThan(5_000);
    const points = spilledPoints(running.spill);
    expect(points.map((point) => point.line.split(',')[0])).toEqual(['concurrency', 'collector_run']);
    expect(points.every((point) => point.at <= sent)).toBe(true);
    rmSync(running.spill, { recursive: true, force: true });
  });

  it('--once with a stalled provider and InfluxDB: exits 1 within 5 s, the cut sample spilled as a failure', async () => {
    stalledProvider.reset();
    stalledInflux.reset();
    const running = startCollector(stalledProvider.url, true);
    const { code, tookMs, sent, stderr } = await stopWhileStalled(running, stalledProvider, signal);
    expect(code, stderr).toBe(1);
    expect(tookMs).toBeLessThan(5_000);
    const points = spilledPoints(running.spill);
    expect(points).toHaveLength(1);
    expect(points[0]?.line).toMatch(/^collector_run,.*outcome=timeout/);
    expect(points.every((point) => point.at <= sent)).toBe(true);
  });
});

describe('the every-minute loop, stopped in the middle of a run', () => {
  it('exits 1 within 5 s and records nothing for the slots still to come', async () => {
    stalledProvider.reset();
    const running = startCollector(stalledProvider.url, false);
    // The loop's first run starts at the next minute; its first slot reaches the stalled provider.
    const { code, tookMs, sent, stderr } = await stopWhileStalled(running, stalledProvider, 'SIGTERM');
    expect(code, stderr).toBe(1);
    expect(tookMs).toBeLessThan(5_000);
    const points = spilledPoints(running.spill);
    expect(points.length).toBeGreaterThan(0);
    expect(points.every((point) => point.at <= sent)).toBe(true);
    expect(stderr).not.toMatch(/outcome=upstream/);
  }, 100_000);
});

describe('--once with an InfluxDB that never answers, and no signal', () => {
  it('exits by itself within the write timeout plus the run margin, the batch spilled', async () => {
    stalledInflux.reset();
    const started = Date.now();
    const running = startCollector(provider.url, true);
    const { code, at, stderr } = await running.exited;
    expect(code, stderr).toBe(1);
    // Startup, one sample, one write attempt destroyed after its 3 s timeout, the spill.
    expect(at - started).toBeLessThan(3_000 + 5_000 + 8_000);
    expect(spilledPoints(running.spill)).toHaveLength(2);
  }, 60_000);
});

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePorts } from './ports.js';

/** One series of an InfluxQL result, as InfluxDB 1.x returns it. */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** One statement's result of `/query`. */
export interface InfluxResult {
  statement_id: number;
  series?: InfluxSeries[];
  error?: string;
}

/** A running throw-away InfluxDB 1.x server on loopback. */
export interface Influxd {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** The UDP ports of the collectd listeners, in the order they were asked for. */
  collectdPorts: number[];
  /**
   * Runs InfluxQL and returns the parsed `results` of `/query` (with `epoch=ms`, so times are numbers).
   * Throws when the HTTP call fails or any statement reports an error.
   */
  query(q: string, db?: string): Promise<InfluxResult[]>;
  /** Rows of the first series of the first result as objects `{ time, ...columns }`; `[]` when empty. */
  rows(q: string, db?: string): Promise<Record<string, unknown>[]>;
  /** Creates a database (idempotent in InfluxDB 1.x). */
  createDatabase(name: string): Promise<void>;
  /** POSTs raw line protocol to `/write` (precision `s` by default); throws unless InfluxDB answers 204. */
  writeLines(db: string, lines: string, precision?: 's' | 'ms'): Promise<void>;
  /** SIGTERM, waits for exit, removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL (fault injection); keeps the data dir so that `restart()` works. */
  kill(): Promise<void>;
  /** Starts again on the same HTTP port and data dir (after `kill()`, or stops the running one first). */
  restart(): Promise<void>;
}

/** Options of {@link startInfluxd}. */
export interface StartInfluxdOptions {
  /** Turns on `auth-enabled` and creates this user as admin. */
  auth?: { username: string; password: string };
  /** Turns on InfluxDB's collectd listeners (UDP, each on a free loopback port), as the bench's peer needs. */
  collectd?: readonly CollectdListener[];
}

/** InfluxDB's native collectd input: collectd's `network` plugin sends to it. */
export interface CollectdListener {
  database: string;
  /** collectd's `types.db`, which names the values of each type. */
  typesDb: string;
  /** How long the listener buffers points before it writes them. @default InfluxDB's, {@link DEFAULT_COLLECTD_BATCH_TIMEOUT} */
  batchTimeout?: string;
}

/** InfluxDB 1.6's default `batch-timeout` of a collectd listener. */
export const DEFAULT_COLLECTD_BATCH_TIMEOUT = '10s';

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const STDERR_TAIL_LINES = 40;

/** Children still running, killed if the test process exits without stopping them. */
const liveChildren = new Map<ChildProcess, string>();
let exitHookInstalled = false;

/**
 * Starts a throw-away InfluxDB 1.x (`influxd run`) on free loopback ports with its data in a fresh temp dir.
 *
 * Throws a descriptive error (with the tail of influxd's log) when `influxd` is missing or does not answer
 * `/ping` within 15 s: tests that need it must fail, never skip.
 */
export async function startInfluxd(opts: StartInfluxdOptions = {}): Promise<Influxd> {
  const binary = findOnPath('influxd');
  if (binary === undefined) {
    throw new Error(
      'influxd is not on PATH: the integration tests need a real InfluxDB 1.x. ' +
        "Install Debian's influxdb package (apt-get install influxdb) or run `npm test`, whose pretest step does it.",
    );
  }

  const dir = await mkdtemp(join(tmpdir(), 'influxd-test-'));
  const listeners = opts.collectd ?? [];
  const [rpcPort, httpPort, ...collectdPorts] = (await freePorts(2 + listeners.length)) as [number, number];
  const configFile = join(dir, 'influxdb.conf');
  const collectd = listeners.map((listener, index) => renderCollectd(listener, collectdPorts[index] ?? 0));
  await writeFile(
    configFile,
    renderConfig(dir, rpcPort, httpPort, opts.auth !== undefined) + collectd.join(''),
  );

  const url = `http://127.0.0.1:${httpPort}`;
  let proc: RunningInfluxd | undefined;
  const launch = async (): Promise<void> => {
    proc = spawnInfluxd(binary, configFile, dir);
    await waitUntilReady(url, proc);
  };

  try {
    await launch();
  } catch (error) {
    await terminate(proc, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const credentials = opts.auth;
  const authParams = (): Record<string, string> =>
    credentials === undefined ? {} : { u: credentials.username, p: credentials.password };

  const query = (q: string, db?: string): Promise<InfluxResult[]> => runQuery(url, q, db, authParams());

  if (credentials !== undefined) {
    // InfluxDB 1.x lets anyone create the first user while none exists; every later call authenticates.
    await runQuery(
      url,
      `CREATE USER ${quoteIdent(credentials.username)} WITH PASSWORD ${quoteString(credentials.password)} WITH ALL PRIVILEGES`,
      undefined,
      {},
    );
  }

  return {
    url,
    collectdPorts,
    query,
    async rows(q, db) {
      const [first] = await query(q, db);
      return seriesToRows(first?.series?.[0]);
    },
    async createDatabase(name) {
      await query(`CREATE DATABASE ${quoteIdent(name)}`);
    },
    async writeLines(db, lines, precision = 's') {
      await writeLineProtocol(url, db, lines, precision, authParams());
    },
    async stop() {
      await terminate(proc, 'SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await terminate(proc, 'SIGKILL');
    },
    async restart() {
      await terminate(proc, 'SIGTERM');
      await launch();
    },
  };
}

/** The config keeps everything on loopback and inside `dir`, and turns off phoning home and self-monitoring. */
function renderConfig(dir: string, rpcPort: number, httpPort: number, auth: boolean): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = ${tomlString(join(dir, 'meta'))}

[data]
  dir = ${tomlString(join(dir, 'data'))}
  wal-dir = ${tomlString(join(dir, 'wal'))}
  query-log-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = ${auth}
  log-enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  log-enabled = false
`;
}

/**
 * One collectd listener, with InfluxDB's defaults (`influxd config`) written out: only the first listener of a
 * config gets them implicitly. A free TCP port number is, as good as always, free for UDP too; the listener fails
 * loudly otherwise.
 */
function renderCollectd(listener: CollectdListener, port: number): string {
  return `
[[collectd]]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  database = ${tomlString(listener.database)}
  typesdb = ${tomlString(listener.typesDb)}
  batch-size = 5000
  batch-pending = 10
  batch-timeout = ${tomlString(listener.batchTimeout ?? DEFAULT_COLLECTD_BATCH_TIMEOUT)}
  security-level = "none"
  parse-multivalue-plugin = "split"
`;
}

interface RunningInfluxd {
  child: ChildProcess;
  /** Last lines influxd logged, for error messages. */
  tail(): string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

function spawnInfluxd(binary: string, configFile: string, dir: string): RunningInfluxd {
  const child = spawn(binary, ['run', '-config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const remember = (chunk: Buffer): void => {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== ''),
    );
    lines.splice(0, Math.max(0, lines.length - STDERR_TAIL_LINES));
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);

  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // A spawn failure emits 'error' and maybe no 'exit'.
    child.once('error', (error) => {
      lines.push(`spawn error: ${error.message}`);
      resolve();
    });
  });
  void exited.then(() => liveChildren.delete(child));

  liveChildren.set(child, dir);
  installExitHook();
  // A forgotten stop() must not keep the test process alive; the exit hook still kills the child.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();

  return { child, exited, tail: () => lines.join('\n') };
}

async function waitUntilReady(url: string, proc: RunningInfluxd): Promise<void> {
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) break;
    if (await pings(url)) return;
    await sleep(50);
  }
  const why = exited
    ? `influxd exited during startup (code ${proc.child.exitCode}, signal ${proc.child.signalCode})`
    : `influxd did not answer ${url}/ping within ${STARTUP_TIMEOUT_MS / 1000} s`;
  throw new Error(`${why}. Last lines of its log:\n${proc.tail() || '(nothing logged)'}`);
}

async function pings(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 204;
  } catch {
    return false;
  }
}

/** Sends `signal` and waits for exit, escalating to SIGKILL if a graceful stop hangs. */
async function terminate(proc: RunningInfluxd | undefined, signal: NodeJS.Signals): Promise<void> {
  if (proc === undefined || hasExited(proc.child)) return;
  proc.child.kill(signal);
  const escalation = setTimeout(() => proc.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await proc.exited;
  } finally {
    clearTimeout(escalation);
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, dir] of liveChildren) {
      child.kill('SIGKILL');
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // The dying process may still be writing; a leftover temp dir is not worth a crash at exit.
      }
    }
  });
}

async function runQuery(
  url: string,
  q: string,
  db: string | undefined,
  auth: Record<string, string>,
): Promise<InfluxResult[]> {
  const form = new URLSearchParams({ q, epoch: 'ms' });
  if (db !== undefined) form.set('db', db);
  // 1.x reads u/p from the URL only, never from the form body.
  const response = await fetch(`${url}/query?${new URLSearchParams(auth)}`, { method: 'POST', body: form });
  const text = await response.text();
  if (!response.ok) throw new Error(`InfluxDB /query answered ${response.status}: ${text} (query: ${q})`);
  const parsed = JSON.parse(text) as { results?: InfluxResult[]; error?: string };
  if (parsed.error !== undefined) throw new Error(`InfluxDB query failed: ${parsed.error} (query: ${q})`);
  const results = parsed.results ?? [];
  const failed = results.find((result) => result.error !== undefined);
  if (failed !== undefined) throw new Error(`InfluxDB statement failed: ${failed.error} (query: ${q})`);
  return results;
}

async function writeLineProtocol(
  url: string,
  db: string,
  lines: string,
  precision: 's' | 'ms',
  auth: Record<string, string>,
): Promise<void> {
  const params = new URLSearchParams({ db, precision, ...auth });
  const response = await fetch(`${url}/write?${params}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: lines,
  });
  const text = await response.text();
  if (response.status !== 204) throw new Error(`InfluxDB /write answered ${response.status}: ${text}`);
}

function seriesToRows(series: InfluxSeries | undefined): Record<string, unknown>[] {
  if (series === undefined) return [];
  return series.values.map((values) =>
    Object.fromEntries(series.columns.map((column, i) => [column, values[i]])),
  );
}

function findOnPath(command: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** TOML basic string; temp paths have no quotes, but backslashes would break it. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Line protocol gathered and written in batches: for seeding months of points without holding them all. */
export interface LineBatches {
  /** Adds a line; writes the batch once it is full. */
  add(line: string): Promise<void>;
  /** Writes what is left; returns the lines written in all. */
  close(): Promise<number>;
}

/** Writes lines to `db` in batches of `size` (precision `s`). */
export function lineBatches(influxd: Pick<Influxd, 'writeLines'>, db: string, size = 50_000): LineBatches {
  let batch: string[] = [];
  let written = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await influxd.writeLines(db, batch.join('\n'));
    written += batch.length;
    batch = [];
  };
  return {
    async add(line) {
      batch.push(line);
      if (batch.length >= size) await flush();
    },
    async close() {
      await flush();
      return written;
    },
  };
}

/**
 * Debian's collectd as the bench's peer: `curl_json` polls the simulator's Streampixel liveStats, and the
 * `network` plugin sends the values to InfluxDB's own collectd listener.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const COLLECTD_BINARY = '/usr/sbin/collectd';
const CURL_JSON_PLUGIN = '/usr/lib/collectd/curl_json.so';
/** collectd's value types; InfluxDB's listener reads the same file to name the values. */
export const COLLECTD_TYPES_DB = '/usr/share/collectd/types.db';
/** `curl_json` links libyajl, which `collectd-core` only recommends. */
const PACKAGES = ['collectd-core', 'libyajl2'];

/** Why the peer cannot run here, or undefined when it can. */
function missing(): string | undefined {
  if (!existsSync(COLLECTD_BINARY)) return `${COLLECTD_BINARY} is missing`;
  if (!existsSync(CURL_JSON_PLUGIN)) return `${CURL_JSON_PLUGIN} is missing`;
  const linked = spawnSync('ldd', [CURL_JSON_PLUGIN], { encoding: 'utf8' });
  const unresolved = linked.stdout
    .split('\n')
    .filter((line) => line.includes('not found'))
    .map((line) => line.trim().split(' ')[0]);
  return unresolved.length > 0 ? `curl_json cannot load: ${unresolved.join(', ')} not found` : undefined;
}

/**
 * Makes sure collectd and its `curl_json` plugin can run: installs Debian's packages when they are missing and
 * the bench runs as root (as `npm test` does for influxd). Returns why the peer must be skipped, or undefined.
 */
export function ensureCollectd(progress: (message: string) => void): string | undefined {
  const before = missing();
  if (before === undefined) return undefined;
  if (process.getuid?.() !== 0) {
    return `${before}, and the bench is not root: install ${PACKAGES.join(' ')} (apt-get) to run it`;
  }
  progress(`${before}: installing ${PACKAGES.join(' ')} with apt-get`);
  const installed = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (installed.status !== 0) {
    return `apt-get install ${PACKAGES.join(' ')} failed: ${installed.stderr.trim().split('\n').slice(-2).join(' ')}`;
  }
  return missing();
}

export interface CollectdUrl {
  url: string;
  /** The plugin instance, InfluxDB's `instance` tag. */
  instance: string;
}

export interface CollectdSetup {
  dir: string;
  intervalS: number;
  readThreads: number;
  /** Per request, as the collector's target timeout. */
  timeoutMs: number;
  /** InfluxDB collectd listeners on loopback (UDP ports); every value goes to each. */
  serverPorts: number[];
  urls: CollectdUrl[];
}

const quote = (text: string): string => JSON.stringify(text);

/** collectd.conf for the peer: nothing but `curl_json` (liveUser, queueUser as gauges) and `network`. */
export function collectdConfig(setup: CollectdSetup): string {
  const urls = setup.urls.map(
    ({ url, instance }) => `  <URL ${quote(url)}>
    Instance ${quote(instance)}
    Timeout ${setup.timeoutMs}
    <Key "liveUser">
      Type "gauge"
    </Key>
    <Key "queueUser">
      Type "gauge"
    </Key>
  </URL>`,
  );
  return `Hostname "bench"
FQDNLookup false
BaseDir ${quote(setup.dir)}
PIDFile ${quote(join(setup.dir, 'collectd.pid'))}
TypesDB ${quote(COLLECTD_TYPES_DB)}
Interval ${setup.intervalS}
ReadThreads ${setup.readThreads}
WriteThreads 1
AutoLoadPlugin false
LoadPlugin curl_json
LoadPlugin network
<Plugin network>
${setup.serverPorts.map((port) => `  Server "127.0.0.1" "${port}"`).join('\n')}
</Plugin>
<Plugin curl_json>
${urls.join('\n')}
</Plugin>
`;
}

export interface RunningCollectd {
  pid: number;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts collectd in the foreground with the peer's config; its output is kept for the error of a failed start. */
export async function startCollectd(setup: CollectdSetup): Promise<RunningCollectd> {
  const configFile = join(setup.dir, 'collectd.conf');
  await writeFile(configFile, collectdConfig(setup));
  const child = spawn(COLLECTD_BINARY, ['-f', '-C', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`collectd did not start: ${output}`);
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

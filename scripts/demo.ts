/**
 * `npm run demo`: the collector against the built-in simulator for about a minute, written to a throw-away
 * InfluxDB when `influxd` is installed (Debian's `influxdb` package), or printed as line protocol otherwise.
 * DEMO_SECONDS shortens the run (the tests use it).
 */
import { execFileSync } from 'node:child_process';
import { tempDir } from '../devtools/files.js';
import { type Influxd, startInfluxd } from '../devtools/influxd.js';
import { streamLog } from '../functions/cli/logfmt.js';
import { parseConfig } from '../functions/config/load.js';
import type { Config } from '../functions/config/schema.js';
import { LineProtocolPrinter } from '../functions/influx/dry-run.js';
import { openInfluxWriter } from '../functions/influx/open.js';
import type { PointSink, WriteOptions } from '../functions/influx/writer.js';
import { collect } from '../functions/run/collect.js';
import { planTick } from '../functions/schedule/plan.js';
import { FileSecretSource } from '../functions/secrets/file.js';
import { RunSecrets } from '../functions/secrets/run-secrets.js';
import { simulatorConfig, simulatorSecrets } from '../simulator/config.js';
import { startSimulator } from '../simulator/server.js';

const DATABASE = 'concurrency';
const seconds = Number(process.env.DEMO_SECONDS ?? 60);
const out = process.stdout;

function hasInfluxd(): boolean {
  try {
    execFileSync('influxd', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The samples of the next `seconds`, as consecutive scheduled minutes would plan them. */
function rollingPlan(config: Config, from: number) {
  const minute = Math.floor(from / 60_000) * 60_000;
  return [minute, minute + 60_000, minute + 120_000]
    .flatMap((tick) => planTick(config.targets, tick))
    .filter((sample) => sample.at >= from && sample.at < from + seconds * 1000);
}

/** Says what each batch was, as it lands. */
function announcing(sink: PointSink): PointSink {
  return {
    description: sink.description,
    async write(lines: readonly string[], options?: WriteOptions) {
      await sink.write(lines, options);
      const samples = lines.filter((line) => line.startsWith('concurrency,')).length;
      out.write(`  ${new Date().toISOString().slice(11, 19)}  ${samples} sample(s) -> ${sink.description}\n`);
    },
  };
}

async function summarise(influxd: Influxd): Promise<void> {
  const rows = await influxd.query(
    'SELECT count(live) AS samples, max(live) AS peak, last(live) AS latest, max(queued) AS peak_queue FROM concurrency GROUP BY target',
    DATABASE,
  );
  out.write('\nWhat InfluxDB now holds (measurement concurrency):\n\n');
  out.write(
    `  ${'target'.padEnd(16)}${'samples'.padStart(8)}${'peak'.padStart(8)}${'latest'.padStart(8)}${'queue max'.padStart(11)}\n`,
  );
  for (const series of rows[0]?.series ?? []) {
    const [, samples, peak, latest, queue] = series.values[0] as [
      number,
      number,
      number,
      number,
      number | null,
    ];
    const name = series.tags?.target ?? '?';
    out.write(
      `  ${name.padEnd(16)}${String(samples).padStart(8)}${String(peak).padStart(8)}${String(latest).padStart(8)}${String(queue ?? '-').padStart(11)}\n`,
    );
  }
  out.write('\nThat table is one InfluxQL query, the kind a Grafana panel runs:\n');
  out.write('  SELECT count(live), max(live), last(live), max(queued) FROM concurrency GROUP BY target\n');
}

async function main(): Promise<void> {
  const dir = tempDir('collector-demo-');
  const simulator = await startSimulator();
  const useInflux = hasInfluxd();
  let influxd: Influxd | undefined;
  try {
    if (useInflux) {
      influxd = await startInfluxd();
      await influxd.createDatabase(DATABASE);
    }
    const influx = influxd
      ? { url: influxd.url, apiVersion: 1, database: DATABASE }
      : { url: 'http://127.0.0.1:8086', apiVersion: 1, database: DATABASE };
    const configFile = dir.file('collector.config.json', simulatorConfig(simulator.url, influx));
    const secretsFile = dir.file('local-secrets.json', simulatorSecrets());
    const config = parseConfig(simulatorConfig(simulator.url, influx));
    const source = await FileSecretSource.load(secretsFile);
    const secrets = new RunSecrets(source);

    out.write(`Simulator of the four endpoints: ${simulator.url}\n`);
    out.write(`Config: ${configFile}\nSecrets: ${secretsFile}\n`);
    if (influxd) out.write(`Throw-away InfluxDB 1.x: ${influxd.url} (database ${DATABASE})\n`);
    else {
      out.write('influxd is not installed, so the points are printed instead of written.\n');
      out.write(
        "To write to a real one: sudo apt-get install influxdb (Debian's package), then run the demo again.\n",
      );
    }
    out.write(
      `\nCollecting for ${seconds} s (10 s, 30 s and 1 min targets), as the deployed schedule would:\n`,
    );

    const sink = influxd ? await openInfluxWriter(config, secrets) : new LineProtocolPrinter(out);
    const start = Date.now();
    const summary = await collect(
      {
        samples: rollingPlan(config, start),
        waitForSchedule: true,
        stopSamplingAt: start + seconds * 1000,
        finishBy: start + seconds * 1000 + 30_000,
      },
      {
        secrets,
        sink: announcing(sink),
        log: streamLog(process.stderr),
        concurrency: config.concurrency,
        maxAttempts: config.maxAttempts,
      },
    );
    const failed = summary.records.filter((record) => record.outcome !== 'ok').length;
    out.write(
      `\n${summary.records.length} samples, ${failed} failed, ${summary.pointsWritten} points written.\n`,
    );
    if (influxd) await summarise(influxd);
    out.write('\nThe demo removes its simulator, InfluxDB and files now. To go on by hand:\n');
    out.write('  npm run simulate          # prints a config and a secrets map pointing at the simulator\n');
    out.write(
      '  npm run collect -- --config collector.config.json --secrets-file local-secrets.json --once\n',
    );
    process.exitCode = failed > 0 || summary.unwritten.length > 0 ? 1 : 0;
  } finally {
    await simulator.close();
    await influxd?.stop();
    dir.cleanup();
  }
}

await main();

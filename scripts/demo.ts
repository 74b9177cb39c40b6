/**
 * `npm run demo`: the collector against the built-in simulator for about a minute, written to a throw-away
 * InfluxDB (installed first when it is missing and the user is root, as `npm test` does), then the report of
 * what it collected and an HTML report; the points are printed as line protocol when there is no InfluxDB.
 * `npm run demo -- --month`: a simulated month with a growth trend, seeded in seconds, and its monthly report
 * with capacity, verdict and forecast. DEMO_SECONDS shortens the run (the tests use it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../devtools/files.js';
import { type Influxd, startInfluxd } from '../devtools/influxd.js';
import { streamLog } from '../functions/cli/logfmt.js';
import { parseConfig } from '../functions/config/load.js';
import type { Config } from '../functions/config/schema.js';
import { LineProtocolPrinter } from '../functions/influx/dry-run.js';
import { openInfluxWriter } from '../functions/influx/open.js';
import type { PointSink, WriteOptions } from '../functions/influx/writer.js';
import { buildReport } from '../functions/report/build.js';
import { calendarPeriod, type Period, withComparison } from '../functions/report/period.js';
import { InfluxReader } from '../functions/report/query.js';
import { renderHtml } from '../functions/report/render/html.js';
import { renderJson } from '../functions/report/render/json.js';
import { renderTable } from '../functions/report/render/table.js';
import { collect } from '../functions/run/collect.js';
import { planTick } from '../functions/schedule/plan.js';
import { FileSecretSource } from '../functions/secrets/file.js';
import { RunSecrets } from '../functions/secrets/run-secrets.js';
import { simulatorConfig, simulatorSecrets } from '../simulator/config.js';
import { startSimulator } from '../simulator/server.js';
import { seedMonth, withCapacities } from './demo-month.js';

const DATABASE = 'concurrency';
const seconds = Number(process.env.DEMO_SECONDS ?? 60);
const month = process.argv.includes('--month');
const out = process.stdout;
/** Where the demo leaves its HTML report: outside the folder it removes when it ends. */
const REPORT_DIR = join(tmpdir(), 'concurrency-demo');
const ENSURE_DEPS = fileURLToPath(new URL('./ensure-test-deps.sh', import.meta.url));

function hasInfluxd(): boolean {
  try {
    execFileSync('influxd', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `influxd` is there, installing Debian's package first when it is missing and the user is root (the
 * same step as `npm test`'s); otherwise it says how.
 */
function ensureInfluxd(): boolean {
  if (hasInfluxd()) return true;
  if (process.getuid?.() === 0) {
    out.write("influxd is missing: installing Debian's influxdb package first (as npm test does)…\n");
    spawnSync('bash', [ENSURE_DEPS, 'influxd'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (hasInfluxd()) return true;
  }
  out.write(
    'influxd is not installed. Install it with: sudo apt-get install -y influxdb (Debian/Ubuntu), ' +
      'or run npm run demo as root to have it installed, then run the demo again.\n',
  );
  return false;
}

/** Prints the report of `period` and writes its HTML next to the other demo reports; returns the file. */
async function report(
  config: Config,
  period: ReturnType<typeof withComparison>,
  name: string,
): Promise<string> {
  const reader = new InfluxReader(config.influx, {});
  const made = await buildReport(config.targets, period, reader, { charts: true });
  out.write(`\n${renderTable(made)}`);
  mkdirSync(REPORT_DIR, { recursive: true });
  const file = join(REPORT_DIR, `${name}.html`);
  writeFileSync(join(REPORT_DIR, `${name}.json`), renderJson(made));
  writeFileSync(file, await renderHtml(made));
  out.write(`\nHTML report: ${file} (JSON beside it)\n`);
  return file;
}

/** `--month`: seeds the last whole month (and the 60 days before) and reports it. */
async function monthDemo(): Promise<void> {
  if (!ensureInfluxd()) {
    process.exitCode = 1;
    return;
  }
  const influxd = await startInfluxd();
  try {
    await influxd.createDatabase(DATABASE);
    const config = parseConfig(
      withCapacities(
        simulatorConfig('http://127.0.0.1:8787', { url: influxd.url, apiVersion: 1, database: DATABASE }),
      ),
    );
    const period = withComparison(calendarPeriod('last-month', Date.now()), 'last-month');
    out.write(`Throw-away InfluxDB 1.x: ${influxd.url} (database ${DATABASE})\n`);
    out.write(
      `Seeding a simulated ${new Date(period.from).toISOString().slice(0, 7)} with demand growing about 15 % a month…\n`,
    );
    const started = Date.now();
    const points = await seedMonth(influxd, DATABASE, config, period);
    out.write(`${points} points in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    await report(config, period, `month-${new Date(period.from).toISOString().slice(0, 7)}`);
  } finally {
    await influxd.stop();
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
  const useInflux = ensureInfluxd();
  let influxd: Influxd | undefined;
  try {
    if (useInflux) {
      influxd = await startInfluxd();
      await influxd.createDatabase(DATABASE);
    }
    const influx = influxd
      ? { url: influxd.url, apiVersion: 1, database: DATABASE }
      : { url: 'http://127.0.0.1:8086', apiVersion: 1, database: DATABASE };
    const demoConfig = withCapacities(simulatorConfig(simulator.url, influx));
    const configFile = dir.file('collector.config.json', demoConfig);
    const secretsFile = dir.file('local-secrets.json', simulatorSecrets());
    const config = parseConfig(demoConfig);
    const source = await FileSecretSource.load(secretsFile);
    const secrets = new RunSecrets(source);

    out.write(`Simulator of the four endpoints: ${simulator.url}\n`);
    out.write(`Config: ${configFile}\nSecrets: ${secretsFile}\n`);
    if (influxd) out.write(`Throw-away InfluxDB 1.x: ${influxd.url} (database ${DATABASE})\n`);
    else out.write('So the points are printed instead of written.\n');
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
    out.write('\nThe demo removes its simulator, InfluxDB and files when it ends. To go on by hand:\n');
    out.write('  npm run simulate          # prints a config and a secrets map pointing at the simulator\n');
    out.write(
      '  npm run collect -- --config collector.config.json --secrets-file local-secrets.json --once\n',
    );
    if (influxd) {
      await summarise(influxd);
      // The report of what was just collected, over the whole seconds of the run.
      const period: Period = {
        from: Math.floor(start / 1000) * 1000,
        to: Math.ceil((start + seconds * 1000) / 1000) * 1000,
      };
      await report(config, withComparison(period), 'collected');
    }
    process.exitCode = failed > 0 || summary.unwritten.length > 0 ? 1 : 0;
  } finally {
    await simulator.close();
    await influxd?.stop();
    dir.cleanup();
  }
}

await (month ? monthDemo() : main());

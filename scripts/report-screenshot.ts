/**
 * `npm run screenshot`: the picture of the HTML report in the README (docs/report.png), made from the
 * simulator's data. Two months of the simulator's load curves (October 2026 and the 31 days before it, with a
 * four-hour collector outage on 12 October) go into a throw-away InfluxDB; the report is made the way
 * `npm run report` makes it, then headless Chromium takes the picture. Prints the report's table too.
 *
 * Needs `influxd` (Debian's influxdb) and `/usr/bin/chromium` (Debian's chromium), like the tests.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../devtools/chromium.js';
import { tempDir } from '../devtools/files.js';
import { startInfluxd } from '../devtools/influxd.js';
import { parseConfig } from '../functions/config/load.js';
import { adapterFor } from '../functions/providers/registry.js';
import { buildReport } from '../functions/report/build.js';
import { withComparison } from '../functions/report/period.js';
import { InfluxReader } from '../functions/report/query.js';
import { renderHtml } from '../functions/report/render/html.js';
import { renderTable } from '../functions/report/render/table.js';
import { parseDuration } from '../functions/time/duration.js';
import { type SimulatorCollectorConfig, simulatorConfig } from '../simulator/config.js';
import type { SimulatedProvider } from '../simulator/core.js';
import { simulatedProviderOf } from '../simulator/providers/index.js';

const DATABASE = 'concurrency';
const PERIOD = { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1) };
/** The previous period of the same length, so that the report has something to compare with. */
const SEED_FROM = PERIOD.from - (PERIOD.to - PERIOD.from);
/** A collector outage, to show what a gap looks like. */
const OUTAGE = { from: Date.UTC(2026, 9, 12, 3), to: Date.UTC(2026, 9, 12, 7) };
/** The simulator the report's config names: only its targets' names, endpoints and projects matter here. */
const SIMULATOR_URL = 'http://127.0.0.1:8787';
const OUTPUT = fileURLToPath(new URL('../docs/report.png', import.meta.url));

interface Series {
  tags: string;
  intervalMs: number;
  fields: (time: number) => Record<string, number>;
}

/** The simulator's ready-made targets, sampled the way the collector would, as line-protocol generators. */
function simulatedSeries(config: SimulatorCollectorConfig): Series[] {
  return config.targets.map((target) => {
    const { provider } = adapterFor(target.endpoint);
    const { project, fieldsAt } = (simulatedProviderOf(provider) as SimulatedProvider<never>).series(target);
    const tags = { ...target.tags, endpoint: target.endpoint, project, provider, target: target.name };
    return {
      tags: Object.entries(tags)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
      intervalMs: parseDuration(target.interval) as number,
      fields: fieldsAt,
    };
  });
}

async function main(): Promise<void> {
  const influxd = await startInfluxd();
  const dir = tempDir('report-screenshot-');
  try {
    await influxd.createDatabase(DATABASE);
    let points = 0;
    const simulated = simulatorConfig(SIMULATOR_URL, { url: influxd.url, apiVersion: 1, database: DATABASE });
    for (const series of simulatedSeries(simulated)) {
      let batch: string[] = [];
      for (let time = SEED_FROM; time < PERIOD.to; time += series.intervalMs) {
        if (time >= OUTAGE.from && time < OUTAGE.to) continue;
        const fields = Object.entries(series.fields(time))
          .map(([key, value]) => `${key}=${value}i`)
          .join(',');
        batch.push(`concurrency,${series.tags} ${fields} ${time / 1000}`);
        if (batch.length === 50_000) {
          await influxd.writeLines(DATABASE, batch.join('\n'));
          points += batch.length;
          batch = [];
        }
      }
      await influxd.writeLines(DATABASE, batch.join('\n'));
      points += batch.length;
    }
    process.stderr.write(`seeded ${points} points of the simulator's curves into ${influxd.url}\n`);

    const config = parseConfig(simulated);
    const reader = new InfluxReader(config.influx, {});
    const report = await buildReport(config.targets, withComparison(PERIOD, 'month'), reader, {
      charts: true,
      now: Date.UTC(2026, 10, 1, 2),
    });
    process.stdout.write(renderTable(report));

    const file = dir.file('report.html', await renderHtml(report));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      mkdirSync(fileURLToPath(new URL('../docs/', import.meta.url)), { recursive: true });
      await page.screenshot({ path: OUTPUT, fullPage: true });
    } finally {
      await browser.close();
    }
    process.stderr.write(`wrote ${OUTPUT}\n`);
  } finally {
    await influxd.stop();
    dir.cleanup();
  }
}

await main();

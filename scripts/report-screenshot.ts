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
import { buildReport } from '../functions/report/build.js';
import { withComparison } from '../functions/report/period.js';
import { InfluxReader } from '../functions/report/query.js';
import { renderHtml } from '../functions/report/render/html.js';
import { renderTable } from '../functions/report/render/table.js';
import { simulatorConfig } from '../simulator/config.js';
import { demandAt, liveUsers, messagesUsedSince, utcMonthBounds } from '../simulator/curves.js';
import {
  IMKIT_TYPICAL_PEAK,
  METERED_APP_ID,
  METERED_TYPICAL_PEAK,
  STREAMPIXEL_CAPACITY,
} from '../simulator/server.js';

const DATABASE = 'concurrency';
const PERIOD = { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1) };
/** The previous period of the same length, so that the report has something to compare with. */
const SEED_FROM = PERIOD.from - (PERIOD.to - PERIOD.from);
/** A collector outage, to show what a gap looks like. */
const OUTAGE = { from: Date.UTC(2026, 9, 12, 3), to: Date.UTC(2026, 9, 12, 7) };
const PLAN_MAX_CONNECTIONS = 1000;
const OUTPUT = fileURLToPath(new URL('../docs/report.png', import.meta.url));

interface Series {
  tags: string;
  intervalMs: number;
  fields: (time: number) => Record<string, number>;
}

/** The simulator's four targets, sampled the way the collector would, as line-protocol generators. */
function simulatedSeries(): Series[] {
  const sp = (target: string, endpoint: string, project: string, intervalMs: number, extra = ''): Series => ({
    tags: `${extra}endpoint=${endpoint},project=${project},provider=streampixel,target=${target}`,
    intervalMs,
    fields: (time) => {
      const { live, queued } = liveUsers(project, time, STREAMPIXEL_CAPACITY);
      return { live, queued };
    },
  });
  let peak = 0;
  let periodStart = 0;
  return [
    sp('eu-prod', 'streampixel.liveStats', '64f1c0ffee0001', 10_000, 'env=prod,'),
    sp('eu-prod-users', 'streampixel.userStats', '64f1c0ffee0002', 30_000),
    {
      tags: 'endpoint=imkit.connectionCount,project=127.0.0.1,provider=imkit,target=chat',
      intervalMs: 30_000,
      fields: (time) => ({ live: demandAt('imkit:acme', time, IMKIT_TYPICAL_PEAK) }),
    },
    {
      tags: `endpoint=metered.usage,project=${METERED_APP_ID},provider=metered,target=signalling`,
      intervalMs: 60_000,
      fields: (time) => {
        const { startUnix, endUnix } = utcMonthBounds(time);
        if (startUnix !== periodStart) {
          periodStart = startUnix;
          peak = 0;
        }
        const live = demandAt(`metered:${METERED_APP_ID}`, time, METERED_TYPICAL_PEAK);
        peak = Math.max(peak, live);
        return {
          live,
          period_peak: peak,
          messages_used: messagesUsedSince(startUnix * 1000, time),
          overage_messages: 0,
          overage_connections: Math.max(0, peak - PLAN_MAX_CONNECTIONS),
          plan_max_connections: PLAN_MAX_CONNECTIONS,
          plan_max_messages: 5_000_000,
          period_start: startUnix,
          period_end: endUnix,
        };
      },
    },
  ];
}

async function main(): Promise<void> {
  const influxd = await startInfluxd();
  const dir = tempDir('report-screenshot-');
  try {
    await influxd.createDatabase(DATABASE);
    let points = 0;
    for (const series of simulatedSeries()) {
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

    const config = parseConfig(
      simulatorConfig('http://127.0.0.1:8787', { url: influxd.url, apiVersion: 1, database: DATABASE }),
    );
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

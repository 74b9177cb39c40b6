/**
 * One measurement of the report bench, in a fresh process so that its peak RSS is its own:
 * `node report-child.mjs '<ReportSpec as JSON>'` prints one line of JSON, a `ReportRun`.
 * - `report`: `npm run report --format json` as the CLI makes it (config parsed, statements sent, JSON rendered);
 * - `monthly`: what the monthly Lambda makes, the same report with charts, rendered as HTML and CSV;
 * - `bare`: the InfluxQL statements that compute the same figures, written by hand, sent as plain requests with
 *   the same number of targets at once, their answers parsed and nothing else.
 */
import pLimit from 'p-limit';
import { parseConfig } from '../functions/config/load.js';
import { ADAPTERS } from '../functions/providers/registry.js';
import { buildReport } from '../functions/report/build.js';
import { withComparison } from '../functions/report/period.js';
import { InfluxReader } from '../functions/report/query.js';
import { renderCsv } from '../functions/report/render/csv.js';
import { renderHtml } from '../functions/report/render/html.js';
import { renderJson } from '../functions/report/render/json.js';
import type { BenchReportTarget } from './report-month.js';

export interface ReportSpec {
  mode: 'report' | 'monthly' | 'bare';
  influxUrl: string;
  database: string;
  targets: BenchReportTarget[];
  period: { from: number; to: number };
}

export interface ReportRun {
  mode: ReportSpec['mode'];
  wallMs: number;
  peakRssMb: number;
  /** Statements sent (bare) or bytes of output (report, monthly). */
  size: number;
}

const DAY_MS = 86_400_000;
/** The report's default: targets read at once. */
const CONCURRENCY = 4;

/** The figures of one plain 10 s target, statement by statement, as someone would type them into `influx`. */
function bareStatements(target: BenchReportTarget, from: number, to: number, previousFrom: number): string[] {
  const where = (a: number, b: number) => `"target" = '${target.name}' AND time >= ${a}ms AND time < ${b}ms`;
  const period = where(from, to);
  const figures =
    ADAPTERS.find((adapter) => adapter.endpoint === target.endpoint)?.capabilities.figures ?? [];
  const queue = figures.includes('queue');
  const plan = figures.includes('plan');
  const minutes = (condition: string) =>
    `SELECT count("n") FROM (SELECT count("live") AS "n" FROM "concurrency" WHERE ${period} AND ${condition} GROUP BY time(1m) fill(none)) WHERE time >= ${from}ms AND time < ${to}ms`;
  const statements = [
    `SELECT count("live"), max("live"), percentile("live", 95), mean("live"), last("capacity") FROM "concurrency" WHERE ${period}`,
    `SELECT first("live") FROM "concurrency" WHERE ${period} AND "live" >= ${target.capacity}`,
    minutes(`"live" >= ${target.capacity}`),
    minutes(`"live" >= ${Math.ceil((target.capacity * 9) / 10)}`),
    `SELECT count("live"), max("live"), mean("live") FROM "concurrency" WHERE ${where(previousFrom, from)}`,
    `SELECT max("live") FROM "concurrency" WHERE ${where(to - 90 * DAY_MS, to)} GROUP BY time(1d) fill(none)`,
  ];
  if (queue) {
    statements.push(
      `SELECT max("queued") FROM "concurrency" WHERE ${period}`,
      `SELECT max("demand") FROM (SELECT "live" + "queued" AS "demand" FROM "concurrency" WHERE ${period})`,
      `SELECT count("n") FROM (SELECT count("queued") AS "n" FROM "concurrency" WHERE ${period} AND "queued" > 0 GROUP BY time(1m) fill(none)) WHERE time >= ${from}ms AND time < ${to}ms`,
      `SELECT max("demand") FROM (SELECT "live" + "queued" AS "demand" FROM "concurrency" WHERE ${where(to - 90 * DAY_MS, to)}) WHERE time >= ${to - 90 * DAY_MS}ms AND time < ${to}ms GROUP BY time(1d) fill(none)`,
      `SELECT first("queued") FROM "concurrency" WHERE ${period} AND "queued" >= 1`,
    );
  }
  if (plan) {
    statements.push(
      `SELECT last("plan_max_connections"), max("period_peak"), last("overage_connections"), max("overage_connections"), last("overage_messages"), max("overage_messages") FROM "concurrency" WHERE ${period}`,
    );
  }
  return statements;
}

async function bare(spec: ReportSpec): Promise<number> {
  const { from, to } = spec.period;
  const previous = withComparison(spec.period, 'month').previous;
  const limit = pLimit(CONCURRENCY);
  let sent = 0;
  await Promise.all(
    spec.targets.map((target) =>
      limit(async () => {
        for (const q of bareStatements(target, from, to, previous.from)) {
          const url = new URL('/query', spec.influxUrl);
          url.searchParams.set('db', spec.database);
          url.searchParams.set('epoch', 'ms');
          url.searchParams.set('q', q);
          const response = await fetch(url);
          const body = (await response.json()) as { results?: { error?: string }[] };
          const error = body.results?.[0]?.error;
          if (!response.ok || error)
            throw new Error(`bare statement failed: ${error ?? response.status}: ${q}`);
          sent++;
        }
      }),
    ),
  );
  return sent;
}

async function report(spec: ReportSpec, monthly: boolean): Promise<number> {
  const config = parseConfig({
    influx: { url: spec.influxUrl, apiVersion: 1, database: spec.database },
    targets: spec.targets,
  });
  const period = withComparison(spec.period, 'month');
  const made = await buildReport(config.targets, period, new InfluxReader(config.influx, {}), {
    charts: monthly,
  });
  if (!monthly) return renderJson(made).length;
  return (await renderHtml(made)).length + renderCsv(made).length;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ReportSpec;
const started = performance.now();
const size = spec.mode === 'bare' ? await bare(spec) : await report(spec, spec.mode === 'monthly');
const run: ReportRun = {
  mode: spec.mode,
  wallMs: performance.now() - started,
  // maxRSS is in KiB; the bench counts MB as 10^6 bytes throughout.
  peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
  size,
};
process.stdout.write(`${JSON.stringify(run)}\n`);

import type { PeerRow } from './peer.js';
import type { BenchResults, ReportBench, TickRow } from './results.js';
import { median } from './stats.js';

/** One budget of the performance issue, checked against one bench run. */
export interface BudgetCheck {
  budget: string;
  measured: string;
  pass: boolean;
}

/** The budgets' thresholds; MB are 10^6 bytes. */
export const BUDGETS = {
  tickTargets: 1_000,
  tickRatio: 1.3,
  peakRssMb: 160,
  naiveTargets: 100,
  naiveSlowdown: 20,
  writerShare: 0.5,
  bundleBytes: 1_500_000,
  coldImportMs: 300,
  /** The collector's CPU per sample over collectd's, in the same run, per size and per way of running it. */
  peerCpuRatio: 2,
  /** A healthy interval complete no later than collectd's, at its default flush (the network plugin's). */
  peerFreshnessRatio: 1,
  /** The other samples of a slot with one hanging target, against a slot with none. */
  hangingRatio: 1.5,
  /** The JSON report against the bare statements of the same figures. */
  reportRatio: 1.5,
  reportPeakRssMb: 300,
  /** The monthly report function's memory size (infra/collector-stack.ts): its run must fit in it. */
  reportFunctionMb: 512,
} as const;

/** The report section's budgets. */
export function reportBudgets(report: ReportBench): BudgetCheck[] {
  const ratio = report.report.wallMs / report.bare.wallMs;
  return [
    {
      budget: `monthly report (JSON) of ${report.targets} targets within ${BUDGETS.reportRatio}× the bare InfluxQL statements`,
      measured: `${fixed(ratio)}× (${Math.round(report.report.wallMs)} ms against ${Math.round(report.bare.wallMs)} ms)`,
      pass: ratio <= BUDGETS.reportRatio,
    },
    {
      budget: `monthly report (JSON): peak RSS at most ${BUDGETS.reportPeakRssMb} MB`,
      measured: `${fixed(report.report.peakRssMb, 0)} MB`,
      pass: report.report.peakRssMb <= BUDGETS.reportPeakRssMb,
    },
    {
      budget: `monthly report as the Lambda makes it (HTML with charts, CSV): peak RSS within its ${BUDGETS.reportFunctionMb} MB`,
      measured: `${fixed(report.monthly.peakRssMb, 0)} MB`,
      pass: report.monthly.peakRssMb <= BUDGETS.reportFunctionMb,
    },
  ];
}

/** The `spread` tick of `targets` at `concurrency`: the run's own bound, not one account's cap. */
export function tickRow(results: BenchResults, targets: number, concurrency: number): TickRow | undefined {
  return results.ticks.find(
    (row) => row.setup === 'spread' && row.targets === targets && row.concurrency === concurrency,
  );
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);

/**
 * The budgets, judged on warm runs (a schedule that fires every minute keeps its function warm; the first run of
 * a fresh process is shown beside it). A scenario missing from the run fails its budget.
 */
export function checkBudgets(results: BenchResults): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  const tick = tickRow(results, BUDGETS.tickTargets, results.defaultConcurrency);
  const tickRatio = tick ? tick.result.warm.wallMs / tick.limitMs : Number.NaN;
  checks.push({
    budget: `${BUDGETS.tickTargets} targets at ${results.latencyMs} ms: within ${BUDGETS.tickRatio}× of the limit`,
    measured: tick
      ? `${fixed(tickRatio)}× (first run of the process ${fixed(tick.result.first.wallMs / tick.limitMs)}×)`
      : 'not run',
    pass: tickRatio <= BUDGETS.tickRatio,
  });
  // The deployed handler holds the AWS SDK and Powertools besides the collector: its peak is what Lambda sees.
  const deployed = results.handler.rows.find((row) => row.targets === BUDGETS.tickTargets);
  const collectorPeak = tick ? Math.max(tick.result.first.peakRssMb, tick.result.warm.peakRssMb) : Number.NaN;
  const handlerPeak = deployed ? Math.max(...deployed.runs.map((run) => run.peakRssMb)) : Number.NaN;
  const peakRss = Math.max(collectorPeak, Number.isNaN(handlerPeak) ? 0 : handlerPeak);
  checks.push({
    budget: `${BUDGETS.tickTargets} targets: peak RSS under ${BUDGETS.peakRssMb} MB`,
    measured: tick
      ? `${fixed(collectorPeak, 0)} MB (deployed handler: ${Number.isNaN(handlerPeak) ? 'not run' : `${fixed(handlerPeak, 0)} MB`})`
      : 'not run',
    pass: peakRss < BUDGETS.peakRssMb,
  });
  const naive = results.naive.find((row) => row.targets === BUDGETS.naiveTargets);
  const collector = tickRow(results, BUDGETS.naiveTargets, results.defaultConcurrency);
  const slowdown = naive && collector ? naive.result.wallMs / collector.result.warm.wallMs : Number.NaN;
  checks.push({
    budget: `naive poller at ${BUDGETS.naiveTargets} targets at least ${BUDGETS.naiveSlowdown}× slower`,
    measured:
      naive && collector
        ? `${fixed(slowdown, 1)}× (at most ${fixed(naive.result.wallMs / collector.limitMs, 1)}× at concurrency ` +
          `${results.defaultConcurrency}: the naive time over the collector's limit)`
        : 'not run',
    pass: slowdown >= BUDGETS.naiveSlowdown,
  });
  const share = results.write.rawMs / results.write.writerMs;
  checks.push({
    budget: `writer throughput at least ${BUDGETS.writerShare * 100} % of the raw post`,
    measured: `${fixed(share * 100, 0)} %`,
    pass: share >= BUDGETS.writerShare,
  });
  checks.push({
    budget: `handler bundle under ${BUDGETS.bundleBytes / 1e6} MB`,
    measured: `${fixed(results.bundle.bytes / 1e6)} MB`,
    pass: results.bundle.bytes < BUDGETS.bundleBytes,
  });
  checks.push(...peerBudgets(results.peer));
  const imported = results.coldImport.deployed.importMs;
  checks.push({
    budget: `cold import under ${BUDGETS.coldImportMs} ms`,
    measured: `${fixed(imported, 0)} ms`,
    pass: imported < BUDGETS.coldImportMs,
  });
  checks.push(...reportBudgets(results.report));
  return checks;
}

/** The peer's budgets: CPU per sample and freshness against collectd, and the hanging target's cost. */
export function peerBudgets(peer: BenchResults['peer']): BudgetCheck[] {
  if ('skipped' in peer) {
    return [{ budget: 'peer comparison with collectd', measured: `skipped: ${peer.skipped}`, pass: true }];
  }
  const row = (tool: PeerRow['tool'], targets: number, hanging = false): PeerRow | undefined =>
    peer.rows.find((one) => one.tool === tool && one.targets === targets && one.hanging === hanging);
  const complete = (one: PeerRow | undefined): number => (one ? median(one.completeMs) : Number.NaN);
  const sizes = [...new Set(peer.rows.filter((one) => !one.hanging).map((one) => one.targets))];
  const checks: BudgetCheck[] = [];
  for (const tool of ['cli', 'handler'] as const) {
    const ratios = sizes.map((targets) => {
      const mine = row(tool, targets);
      const theirs = row('collectd', targets);
      return mine && theirs ? mine.cpuMsPer1000 / theirs.cpuMsPer1000 : Number.NaN;
    });
    checks.push({
      budget: `collector (${tool}): CPU per sample at most ${BUDGETS.peerCpuRatio}× collectd's at ${sizes.join(' and ')} targets`,
      measured: ratios.map((value, index) => `${fixed(value)}× at ${sizes[index]}`).join(', '),
      pass: ratios.every((value) => value <= BUDGETS.peerCpuRatio),
    });
  }
  const freshness = sizes.map(
    (targets) => complete(row('cli', targets)) / complete(row('collectd', targets)),
  );
  checks.push({
    budget: "collector: interval complete no later than collectd's at its default flush",
    measured: freshness.map((value, index) => `${fixed(value)}× collectd's at ${sizes[index]}`).join(', '),
    pass: freshness.every((value) => value <= BUDGETS.peerFreshnessRatio),
  });
  const hanging = peer.rows.find((one) => one.tool === 'cli' && one.hanging);
  const healthy = hanging ? row('cli', hanging.targets) : undefined;
  const hangingRatio = complete(hanging) / complete(healthy);
  checks.push({
    budget: `one hanging target: the others complete within ${BUDGETS.hangingRatio}× the healthy interval`,
    measured: hanging
      ? `${fixed(hangingRatio)}× (${fixed(complete(hanging), 0)} ms against ${fixed(complete(healthy), 0)} ms; ` +
        `collectd ${fixed(complete(row('collectd', hanging.targets, true)), 0)} ms)`
      : 'not run',
    pass: hangingRatio <= BUDGETS.hangingRatio,
  });
  return checks;
}

import type { BudgetCheck } from './budgets.js';
import { tickRow } from './budgets.js';
import { type CostLine, cpuBoundTickMs, DEFAULT_MEMORY_MB } from './cost.js';
import { leftOutRounds, type PeerRow } from './peer.js';
import type { BenchResults, ReportBench, TickSetup } from './results.js';
import { median } from './stats.js';

/** A Markdown table (GitHub's flavour): readable in a terminal, pasted as is into the README. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/**
 * The estimated wall time of the warm tick on Lambda at the function's memory: Lambda gives `memory / 1769 MB` of
 * a vCPU, so the larger of the measured wall time and the CPU time stretched by that share.
 */
const LAMBDA_COLUMN = `Lambda ms at ${DEFAULT_MEMORY_MB} MB (est.)`;

const ms = (value: number): string => `${Math.round(value).toLocaleString('en-US')}`;
const ratio = (value: number): string => `${value.toFixed(2)}×`;
const mb = (value: number): string => value.toFixed(0);
const usd = (value: number): string => `$${value < 10 ? value.toFixed(2) : value.toFixed(0)}`;

export function tickTable(results: BenchResults, setup: TickSetup): string {
  const rows = results.ticks
    .filter((row) => row.setup === setup)
    .map((row) => {
      const { first, warm } = row.result;
      const concurrency =
        row.concurrency === results.defaultConcurrency
          ? `${row.concurrency} (default)`
          : `${row.concurrency}`;
      return [
        `${row.targets}`,
        concurrency,
        `${row.perAccount}`,
        ms(row.limitMs),
        `${ms(warm.wallMs)} (${ratio(warm.wallMs / row.limitMs)})`,
        `${ms(first.wallMs)} (${ratio(first.wallMs / row.limitMs)})`,
        ms(warm.cpuMs),
        ms(cpuBoundTickMs(warm, DEFAULT_MEMORY_MB)),
        mb(Math.max(first.peakRssMb, warm.peakRssMb)),
      ];
    });
  return markdownTable(
    [
      'targets',
      'concurrency',
      'per account',
      'limit ms',
      'warm run ms (× limit)',
      'first run ms (× limit)',
      'CPU ms',
      LAMBDA_COLUMN,
      'peak RSS MB',
    ],
    rows,
  );
}

export function naiveTable(results: BenchResults): string {
  // The default and the next two concurrencies up: what a higher default would buy.
  const concurrencies = [...new Set(results.ticks.map((row) => row.concurrency))]
    .filter((concurrency) => concurrency >= results.defaultConcurrency)
    .sort((a, b) => a - b)
    .slice(0, 3);
  const rows = results.naive.map((row) => [
    `${row.targets}`,
    ms(row.result.wallMs),
    ms(row.result.cpuMs),
    ...concurrencies.map((concurrency) => {
      const tick = tickRow(results, row.targets, concurrency);
      return tick
        ? `${ms(tick.result.warm.wallMs)} (${ratio(row.result.wallMs / tick.result.warm.wallMs)})`
        : '–';
    }),
  ]);
  const label = (concurrency: number): string =>
    `collector ms, concurrency ${concurrency}${concurrency === results.defaultConcurrency ? ' (default)' : ''} (naive ÷ it)`;
  return markdownTable(['targets', 'naive ms', 'naive CPU ms', ...concurrencies.map(label)], rows);
}

export function writeTable(results: BenchResults): string {
  const { write } = results;
  const perSecond = (elapsed: number): string => ms((write.points / elapsed) * 1000);
  return markdownTable(
    ['path', 'points', 'ms per batch', 'points/s', 'share of raw'],
    [
      [
        'InfluxWriter.write (v1 /write, gzip)',
        `${write.points}`,
        ms(write.writerMs),
        perSecond(write.writerMs),
        `${((write.rawMs / write.writerMs) * 100).toFixed(0)} %`,
      ],
      ['raw fetch POST, one body', `${write.points}`, ms(write.rawMs), perSecond(write.rawMs), '100 %'],
    ],
  );
}

export function coldTable(results: BenchResults): string {
  const { bundle, coldImport } = results;
  const row = (label: string, run: typeof coldImport.deployed): string[] => [
    label,
    ms(run.importMs),
    ms(run.readyMs),
    mb(run.rssMb),
  ];
  return [
    `handler bundle: ${(bundle.bytes / 1e6).toFixed(2)} MB minified ESM (+ ${(bundle.mapBytes / 1e6).toFixed(2)} MB source map)`,
    '',
    markdownTable(
      ['node options', 'import ms', 'process start → ready ms', 'RSS after import MB'],
      [
        row(`\`${coldImport.deployed.nodeOptions}\` (as deployed)`, coldImport.deployed),
        row('none', coldImport.withoutSourceMaps),
      ],
    ),
  ].join('\n');
}

/**
 * One row per target count and interval, at the function's memory size (measured and CPU-bound) and at a smaller
 * one (CPU-bound: less memory is less CPU, and the tick stretches).
 */
export function costTable(lines: readonly CostLine[]): string {
  const [memoryMb, smallerMb] = [...new Set(lines.map((line) => line.memoryMb))].sort((a, b) => b - a);
  const smaller = (line: CostLine): CostLine | undefined =>
    lines.find(
      (other) =>
        other.memoryMb === smallerMb &&
        other.targets === line.targets &&
        other.intervalSeconds === line.intervalSeconds,
    );
  return markdownTable(
    [
      'targets',
      'interval',
      'invocations/tick',
      `billed s per run (${memoryMb} MB)`,
      `$/month (${memoryMb} MB)`,
      'billed s if CPU-bound',
      '$/month if CPU-bound',
      ...(smallerMb === undefined ? [] : [`$/month at ${smallerMb} MB if CPU-bound`]),
    ],
    lines
      .filter((line) => line.memoryMb === memoryMb)
      .map((line) => [
        `${line.targets}`,
        `${line.intervalSeconds} s`,
        `${line.shards}`,
        (line.billedMs / 1000).toFixed(2),
        usd(line.totalUsd),
        (line.cpuBoundBilledMs / 1000).toFixed(2),
        usd(line.cpuBoundTotalUsd),
        ...(smallerMb === undefined ? [] : [usd(smaller(line)?.cpuBoundTotalUsd ?? Number.NaN)]),
      ]),
  );
}

export function budgetTable(checks: readonly BudgetCheck[]): string {
  return markdownTable(
    ['budget', 'measured', 'verdict'],
    checks.map((check) => [check.budget, check.measured, check.pass ? 'pass' : 'FAIL']),
  );
}

export function handlerTable(results: BenchResults): string {
  const { handler } = results;
  const table = markdownTable(
    [
      'targets',
      'concurrency',
      'limit ms',
      'warm run ms (× limit)',
      'run before it ms (× limit)',
      'CPU ms',
      LAMBDA_COLUMN,
      'peak RSS MB',
    ],
    handler.rows.map((row) => {
      const [before, warm] = row.runs;
      const cell = (run: typeof before): string =>
        run ? `${ms(run.wallMs)} (${ratio(run.wallMs / row.limitMs)})` : '–';
      return [
        `${row.targets}`,
        `${row.concurrency}`,
        ms(row.limitMs),
        cell(warm),
        `${cell(before)}${row.coldStart ? ', cold start' : ''}`,
        warm ? ms(warm.cpuMs) : '–',
        warm ? ms(cpuBoundTickMs(warm, DEFAULT_MEMORY_MB)) : '–',
        mb(Math.max(...row.runs.map((run) => run.peakRssMb))),
      ];
    }),
  );
  return `${table}\n\nimport ${ms(handler.importMs)} ms, RSS after import ${mb(handler.rssAfterImportMb)} MB`;
}

const TOOL_NAMES: Record<PeerRow['tool'], string> = {
  collectd: 'collectd',
  cli: 'collector (CLI run)',
  handler: 'collector (handler bundle)',
};

/** The interval-complete times of a peer row: median (range) over its measured rounds. */
export function completeCell(row: PeerRow): string {
  const sorted = [...row.completeMs].sort((a, b) => a - b);
  return `${ms(median(sorted))} (${ms(sorted[0] ?? Number.NaN)}–${ms(sorted.at(-1) ?? Number.NaN)})`;
}

/** The peer comparison side by side: per size, collectd's row first, then the collector's, CPU as a ratio to it. */
export function peerTable(peer: BenchResults['peer']): string {
  if ('skipped' in peer) return `skipped: ${peer.skipped}`;
  const collectdOf = (row: PeerRow): PeerRow | undefined =>
    peer.rows.find(
      (other) => other.tool === 'collectd' && other.targets === row.targets && other.hanging === row.hanging,
    );
  const table = markdownTable(
    [
      'targets',
      'tool',
      'interval complete ms, median (range)',
      'samples landed',
      'CPU ms per 1000 samples (× collectd)',
      'peak RSS MB',
    ],
    peer.rows.map((row) => {
      const peerRow = collectdOf(row);
      const ratioCell =
        row.tool === 'collectd' || !peerRow ? '' : ` (${ratio(row.cpuMsPer1000 / peerRow.cpuMsPer1000)})`;
      return [
        `${row.targets}${row.hanging ? ', one hanging' : ''}`,
        TOOL_NAMES[row.tool],
        completeCell(row),
        `${row.landed} of ${row.expected}`,
        `${ms(row.cpuMsPer1000)}${ratioCell}`,
        mb(row.peakRssMb),
      ];
    }),
  );
  return [
    `${peer.rounds} rounds ${peer.intervalMs / 1000} s apart per row, the first ${leftOutRounds(peer.rounds)} left out; ` +
      `each collector process first takes ${peer.warmUpSamples.toLocaleString('en-US')} samples of its own (JIT warm-up); ${IN_FLIGHT_NOTE}; ` +
      `per-request timeout ${peer.timeoutMs / 1000} s for both; InfluxDB's collectd listener writes every ${peer.listenerBatchTimeout}; ` +
      `CPU time ${cpuSourceNote(peer.rows)}.`,
    '',
    table,
  ].join('\n');
}

/** How the rows' CPU time was read: per-thread run time where the kernel keeps it, else 10 ms ticks. */
function cpuSourceNote(rows: readonly PeerRow[]): string {
  const sources = new Set(rows.map((row) => row.cpuSource));
  if (sources.size === 1 && sources.has('schedstat'))
    return "summed over each process's threads from `/proc/<pid>/task/*/schedstat` (ns)";
  return "from `/proc/<pid>/stat` for some rows (10 ms ticks: about ±15 % on collectd's figure at 100 targets)";
}

const IN_FLIGHT_NOTE =
  "32 requests in flight (collectd `ReadThreads 32`, the collector's default concurrency)";
export function reportBenchTable(report: ReportBench): string {
  const row = (label: string, run: ReportBench['bare'], base: number): string[] => [
    label,
    ms(run.wallMs),
    ratio(run.wallMs / base),
    mb(run.peakRssMb),
  ];
  const base = report.bare.wallMs;
  return [
    `seeded ${report.points.toLocaleString('en-US')} points in ${ms(report.seedMs)} ms`,
    '',
    markdownTable(
      ['run', 'wall ms', '× bare', 'peak RSS MB'],
      [
        row(`bare InfluxQL statements (${report.bare.size}, 4 targets at a time)`, report.bare, base),
        row('npm run report --format json', report.report, base),
        row('monthly Lambda: HTML with charts + CSV', report.monthly, base),
      ],
    ),
  ].join('\n');
}

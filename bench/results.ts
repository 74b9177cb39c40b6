import type { ColdImportSummary, HandlerBundle } from './handler-bundle.js';
import type { PeerResults } from './peer.js';
import type { ReportRun } from './report-child.js';
import type { CollectorResult, InvokeResult, NaiveResult, WriteResult } from './spec.js';

/**
 * How the in-flight bounds are set: `spread` raises the per-account cap to the run's concurrency (as if the
 * targets were spread over enough accounts for the cap never to bind); `one-account` keeps every default, with
 * every target in the one Streampixel account the simulator knows.
 */
export type TickSetup = 'spread' | 'one-account';

/** One collector scenario: its parameters, its limit and what it measured. */
export interface TickRow {
  setup: TickSetup;
  targets: number;
  concurrency: number;
  /** `maxInFlightPerAccount`. */
  perAccount: number;
  latencyMs: number;
  /** `ceil(targets / min(concurrency, perAccount)) × latency` plus one raw write of the batch, in ms. */
  limitMs: number;
  result: CollectorResult;
}

/** The deployed handler's bundle on `targets` targets: two invocations in a row, the second one warm. */
export interface HandlerRow {
  targets: number;
  concurrency: number;
  limitMs: number;
  /** Whether the first of the two was the process's first invocation (a cold start). */
  coldStart: boolean;
  runs: InvokeResult['runs'];
}

/** The handler's process: its import, then every `HandlerRow`'s invocations in turn. */
export interface HandlerProcess {
  importMs: number;
  rssAfterImportMb: number;
  rows: HandlerRow[];
}

export interface NaiveRow {
  targets: number;
  latencyMs: number;
  result: NaiveResult;
}

/** The report section: the month seeded, and the best run of each measurement. */
export interface ReportBench {
  targets: number;
  points: number;
  seedMs: number;
  /** The hand-written InfluxQL statements of the same figures. */
  bare: ReportRun;
  /** The JSON report, as `npm run report --format json` makes it. */
  report: ReportRun;
  /** HTML with charts and CSV, as the monthly Lambda makes them. */
  monthly: ReportRun;
  /** Every run, in order. */
  runs: ReportRun[];
}

/** What `bench/results.json` holds: every figure of one bench run, for the README's tables and for comparison. */
export interface BenchResults {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  latencyMs: number;
  defaultConcurrency: number;
  defaultPerAccount: number;
  ticks: TickRow[];
  handler: HandlerProcess;
  naive: NaiveRow[];
  write: WriteResult;
  bundle: Omit<HandlerBundle, 'file'>;
  coldImport: { deployed: ColdImportSummary; withoutSourceMaps: ColdImportSummary };
  /** The peer comparison, or why it did not run (collectd missing and not root). */
  peer: PeerResults | { skipped: string };
  report: ReportBench;
  durationS: number;
}

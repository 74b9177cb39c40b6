/**
 * What the orchestrator (`run.ts`) asks of a scenario process (`scenario.ts`), and what that process answers.
 * Each scenario runs in a fresh `node` process so that its peak RSS and CPU time belong to it alone.
 */

/** Where the shared servers of one bench run are, on loopback. */
export interface BenchServers {
  /**
   * Base URLs of simulators with the same latency (Streampixel liveStats served there), one per run of a
   * scenario: each run opens fresh connections, as a Lambda invocation a minute after the last one does
   * (keep-alive sockets do not outlive that), while the code of the process is warm after its first run.
   */
  simulatorUrls: string[];
  /** InfluxDB 1.x base URL. */
  influxUrl: string;
  /** The JSON secrets file (secret name → value) that `FileSecretSource` reads. */
  secretsFile: string;
}

/** One tick of the collector: `targets` liveStats targets sampled now, one slot, one write. */
export interface CollectorSpec extends BenchServers {
  kind: 'collector';
  targets: number;
  concurrency: number;
  /** Requests in flight per Streampixel account (`maxInFlightPerAccount`). */
  perAccount: number;
  /** Runs after the first, in the same process; at most `simulatorUrls.length - 1`. */
  warmRuns: number;
  /** The simulator's added latency per response, in ms (set by the orchestrator; recorded for the limit). */
  latencyMs: number;
  database: string;
}

/** The provider pages' example pattern: one target after another, one write per point. */
export interface NaiveSpec extends BenchServers {
  kind: 'naive';
  targets: number;
  latencyMs: number;
  database: string;
}

/** The collector's writer against one raw `fetch` of the same line protocol. */
export interface WriteSpec extends BenchServers {
  kind: 'write';
  /** Points per batch (two per target: `concurrency` and `collector_run`). */
  points: number;
  /** Timed batches per side, after one untimed batch each; each batch has its own timestamp. */
  repeats: number;
  database: string;
}

export type ScenarioSpec = CollectorSpec | NaiveSpec | WriteSpec;

/** What every scenario measures about its own process. */
export interface ProcessFigures {
  /** Wall time of the measured part, in ms. */
  wallMs: number;
  /** User + system CPU time of the measured part, in ms. */
  cpuMs: number;
  /** Peak resident set size of the whole process up to the end of the measured part, in MB (10^6 bytes). */
  peakRssMb: number;
}

/** One run of a tick. */
export interface TickFigures extends ProcessFigures {
  samples: number;
  failed: number;
  pointsWritten: number;
  /** Time the collector's one write took inside the run, in ms. */
  writeMs: number;
}

export interface CollectorResult {
  kind: 'collector';
  /** The first run of a fresh process: a Lambda cold start's first invocation, less the import. */
  first: TickFigures;
  /**
   * The median (by wall time) of the later runs in the same process: a warm invocation, the usual case of a
   * schedule that fires every minute. Its `peakRssMb` is the process's peak over every run.
   */
  warm: TickFigures;
  /** Wall time of every warm run, in ms. */
  warmWallMs: number[];
  /** The same line protocol posted raw with `fetch`, median of three, in ms: the write part of the limit. */
  rawWriteMs: number;
}

export interface NaiveResult extends ProcessFigures {
  kind: 'naive';
  samples: number;
  failed: number;
}

export interface WriteResult extends ProcessFigures {
  kind: 'write';
  points: number;
  /** Median time of one `InfluxWriter.write` of the batch, in ms. */
  writerMs: number;
  /** Median time of one raw `fetch` POST of the same line protocol, in ms. */
  rawMs: number;
  /** Median time of turning the batch's `Point`s into line protocol (part of `writerMs`), in ms. */
  linesMs: number;
  /** Bytes of the line-protocol body. */
  bodyBytes: number;
}

export type ScenarioResult = CollectorResult | NaiveResult | WriteResult;

/** The handler's bundle, invoked once per group of target names, in order, in one process (see `invoke.ts`). */
export interface InvokeSpec {
  bundle: string;
  groups: string[][];
  /** The function's timeout, as `context.getRemainingTimeInMillis()` counts it down, in ms. */
  timeoutMs: number;
}

export interface InvokeResult {
  kind: 'invoke';
  /** The bundle's `import()`, in ms. */
  importMs: number;
  rssAfterImportMb: number;
  /** One per group, in order. */
  runs: Omit<TickFigures, 'writeMs'>[];
}

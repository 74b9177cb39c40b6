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

/**
 * The collector as the peer comparison runs it: rounds of `collect()` as `npm run collect -- --once` runs it, each
 * started at its time whether or not the one before has ended (as the CLI's loop does), each on its own targets.
 */
export interface RoundsSpec {
  kind: 'rounds';
  influxUrl: string;
  secretsFile: string;
  database: string;
  concurrency: number;
  /** The targets every round polls, as the CLI's loop polls its config's targets every interval. */
  targets: object[];
  /** Epoch ms at which each round begins; each is stamped with the second it begins in. */
  startAt: number[];
  /** Epoch ms before which the process does not end, so that it can be measured from outside until then. */
  lingerUntil: number;
  /** Rounds run back to back before the first of `startAt`, which they must not overrun. */
  warmUp: WarmUp<object>;
}

/**
 * The JIT warm-up of a peer row's process: `rounds` polls of `targets` (targets of their own, healthy), one after
 * the other. V8 optimises a function after enough calls, so a process is warm after a number of samples, not of
 * rounds: see `warmUpOf` in peer.ts.
 */
export interface WarmUp<Target> {
  targets: Target[];
  rounds: number;
}

export type ScenarioSpec = CollectorSpec | NaiveSpec | WriteSpec | RoundsSpec;

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

/** One round's outcome (the peer measures the process from outside, through `/proc`). */
export interface RoundOutcome {
  samples: number;
  failed: number;
  pointsWritten: number;
}

export interface RoundsResult {
  kind: 'rounds';
  rounds: RoundOutcome[];
}

export type ScenarioResult = CollectorResult | NaiveResult | WriteResult | RoundsResult;

/** The handler's bundle, invoked once per group of target names, in order, in one process (see `invoke.ts`). */
export interface InvokeSpec {
  bundle: string;
  groups: string[][];
  /** The function's timeout, as `context.getRemainingTimeInMillis()` counts it down, in ms. */
  timeoutMs: number;
  /**
   * Epoch ms at which each group is invoked, with its minute as the event's `time` (the peer's rounds); without
   * it, each group at once, or at the start of the next minute when this one is too far gone.
   */
  startAt?: number[];
  /** Epoch ms before which the process does not end, so that it can be measured from outside until then. */
  lingerUntil?: number;
  /** Invocations of these target names back to back before the first of `startAt`, which they must not overrun. */
  warmUp?: WarmUp<string>;
}

export interface InvokeResult {
  kind: 'invoke';
  /** The bundle's `import()`, in ms. */
  importMs: number;
  rssAfterImportMb: number;
  /** One per group, in order. */
  runs: Omit<TickFigures, 'writeMs'>[];
}

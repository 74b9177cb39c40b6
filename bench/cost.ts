import { COLLECTOR_MEMORY_MB, MB_PER_VCPU } from '../functions/schedule/lambda.js';
import { planGroups } from '../infra/schedules.js';
import { benchConfig } from './targets.js';

/** Prices used (AWS, us-east-1, on-demand, no free tier). */
export const PRICES = {
  /** Lambda on arm64 (Graviton), per GB-second of billed duration. */
  lambdaArm64PerGbSecond: 0.0000133334,
  /** Lambda requests, per million invocations. */
  lambdaPerMillionRequests: 0.2,
  /** EventBridge Scheduler, per million invocations (beyond its free 14 million a month, not counted here). */
  schedulerPerMillionInvocations: 1,
} as const;

/** AWS's pricing calculator month. */
export const HOURS_PER_MONTH = 730;

/** The function's memory size. */
export const DEFAULT_MEMORY_MB = COLLECTOR_MEMORY_MB;

/** Lambda's smallest memory size: the what-if of the cost table, when the peak RSS leaves room for it. */
export const SMALL_MEMORY_MB = 128;

/** A tick of one shard as measured: the warm run of that many targets at the default concurrency. */
export interface TickCost {
  wallMs: number;
  cpuMs: number;
}

export interface CostLine {
  targets: number;
  intervalSeconds: number;
  memoryMb: number;
  /** Invocations per tick: the stack's shards of the interval group. */
  shards: number;
  invocationsPerMonth: number;
  /** Billed duration of one invocation (of the largest shard), in ms: waits between samples included. */
  billedMs: number;
  /** The same if Lambda's CPU share at this memory size made the tick CPU-bound (see `cpuBoundTickMs`). */
  cpuBoundBilledMs: number;
  computeUsd: number;
  requestsUsd: number;
  totalUsd: number;
  cpuBoundTotalUsd: number;
}

/**
 * How long the tick would last if CPU were its bottleneck: Lambda at `memoryMb` gets `memoryMb / 1769` of a
 * vCPU, so the CPU time measured here stretches by the inverse (assuming one of this machine's cores is worth a
 * Graviton core). A lower bound on the real duration, next to the I/O-bound wall time measured.
 */
export function cpuBoundTickMs(tick: TickCost, memoryMb: number): number {
  return Math.max(tick.wallMs, (tick.cpuMs * MB_PER_VCPU) / memoryMb);
}

/**
 * The monthly Lambda cost of `targets` targets at one interval, sharded as the stack shards them (`planGroups`).
 * A run of a sub-minute interval lasts its minute: it waits for each sample time, and Lambda bills the waits,
 * so its billed duration is the last sample's offset plus one tick.
 */
export function monthlyCost(
  targets: number,
  intervalSeconds: number,
  tickFor: (shardTargets: number) => TickCost,
  memoryMb = DEFAULT_MEMORY_MB,
): CostLine {
  const config = benchConfig({
    targets,
    concurrency: 16,
    simulatorUrl: 'http://127.0.0.1:1',
    influxUrl: 'http://127.0.0.1:1',
    database: 'cost',
    interval: `${intervalSeconds}s`,
  });
  let invocationsPerMonth = 0;
  let gbSeconds = 0;
  let cpuBoundGbSeconds = 0;
  let billedMs = 0;
  let cpuBoundBilledMs = 0;
  let shards = 0;
  for (const group of planGroups(config, memoryMb)) {
    const rateMinutes = Math.max(1, group.intervalMs / 60_000);
    const runsPerMonth = (HOURS_PER_MONTH * 60) / rateMinutes;
    const waitMs = (group.samplesPerRun - 1) * group.intervalMs;
    for (const shard of group.shards) {
      const tick = tickFor(shard.length);
      const billed = waitMs + Math.ceil(tick.wallMs);
      const cpuBound = waitMs + Math.ceil(cpuBoundTickMs(tick, memoryMb));
      shards++;
      invocationsPerMonth += runsPerMonth;
      gbSeconds += (runsPerMonth * billed * memoryMb) / 1024 / 1000;
      cpuBoundGbSeconds += (runsPerMonth * cpuBound * memoryMb) / 1024 / 1000;
      billedMs = Math.max(billedMs, billed);
      cpuBoundBilledMs = Math.max(cpuBoundBilledMs, cpuBound);
    }
  }
  // One Lambda request and one Scheduler invocation per shard and tick.
  const requestsUsd =
    (invocationsPerMonth / 1e6) * (PRICES.lambdaPerMillionRequests + PRICES.schedulerPerMillionInvocations);
  const computeUsd = gbSeconds * PRICES.lambdaArm64PerGbSecond;
  return {
    targets,
    intervalSeconds,
    memoryMb,
    shards,
    invocationsPerMonth,
    billedMs,
    cpuBoundBilledMs,
    computeUsd,
    requestsUsd,
    totalUsd: computeUsd + requestsUsd,
    cpuBoundTotalUsd: cpuBoundGbSeconds * PRICES.lambdaArm64PerGbSecond + requestsUsd,
  };
}

/**
 * A tick's cost for a shard size that was not measured: linear between the nearest measured sizes (a tick is
 * a fixed part plus a part per target), or the nearest one's per-target rate beyond them.
 */
export function interpolateTick(measured: ReadonlyMap<number, TickCost>, targets: number): TickCost {
  const exact = measured.get(targets);
  if (exact) return exact;
  const sizes = [...measured.keys()].sort((a, b) => a - b);
  if (sizes.length === 0) throw new Error('no measured tick to interpolate from');
  const below = sizes.filter((size) => size < targets).at(-1) ?? (sizes[0] as number);
  const above = sizes.find((size) => size > targets) ?? (sizes.at(-1) as number);
  const [a, b] = [measured.get(below) as TickCost, measured.get(above) as TickCost];
  if (below === above) {
    const scale = targets / below;
    return { wallMs: a.wallMs * scale, cpuMs: a.cpuMs * scale };
  }
  const share = (targets - below) / (above - below);
  return {
    wallMs: a.wallMs + (b.wallMs - a.wallMs) * share,
    cpuMs: a.cpuMs + (b.cpuMs - a.cpuMs) * share,
  };
}

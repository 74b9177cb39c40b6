import { parseConfig } from '../functions/config/load.js';
import type { Config } from '../functions/config/schema.js';
import { pointsOf, type SampleRecord } from '../functions/points/build.js';
import type { LinePoint } from '../functions/points/line-protocol.js';
import { adapterFor } from '../functions/providers/registry.js';
import { SIMULATOR_SECRET_NAMES } from '../simulator/config.js';

/** The name of the bench's `index`-th target; also its project id's suffix, so that every series is distinct. */
export function targetName(index: number): string {
  return `bench-${String(index).padStart(5, '0')}`;
}

/** The project id of the bench's `index`-th target; never one of the simulator's reserved `err-*` ids. */
export function projectId(index: number): string {
  return `64fbench${String(index).padStart(5, '0')}`;
}

export interface BenchConfigOptions {
  targets: number;
  concurrency: number;
  simulatorUrl: string;
  influxUrl: string;
  database: string;
  /** Requests in flight per Streampixel account; the config's default when absent. */
  perAccount?: number;
  /** @default '1m': one sample per target per run, the plainest tick. */
  interval?: string;
}

/** Targets `from` … `from + count - 1` as they stand in a config file: liveStats, one project each. */
export function benchTargets(from: number, count: number, simulatorUrl: string, interval = '1m'): object[] {
  return Array.from({ length: count }, (_, offset) => ({
    name: targetName(from + offset),
    endpoint: 'streampixel.liveStats',
    projectId: projectId(from + offset),
    secret: SIMULATOR_SECRET_NAMES.streampixel,
    interval,
    baseUrl: simulatorUrl,
  }));
}

/**
 * A config of `targets` Streampixel liveStats targets with distinct projects, all on the simulator, through the
 * same schema as a real config file (defaults included), writing to InfluxDB 1.x. The simulator knows one
 * Streampixel account, so every target counts against that account's cap on requests in flight.
 */
export function benchConfig(options: BenchConfigOptions): Config {
  return parseConfig({
    influx: { url: options.influxUrl, apiVersion: 1, database: options.database },
    concurrency: options.concurrency,
    ...(options.perAccount === undefined ? {} : { maxInFlightPerAccount: options.perAccount }),
    targets: benchTargets(0, options.targets, options.simulatorUrl, options.interval),
  });
}

/** The points a successful tick of `config` writes at `at`: built by the collector's own point builder. */
export function tickPoints(config: Config, at: number): LinePoint[] {
  const adapter = adapterFor('streampixel.liveStats');
  return config.targets.flatMap((target, index) => {
    const record: SampleRecord = {
      target,
      adapter,
      at,
      outcome: 'ok',
      project: adapter.project(target),
      httpStatus: 200,
      attempts: 1,
      durationMs: 50 + (index % 7),
      latenessMs: 0,
      error: '',
      sample: { ints: { live: index % 40, queued: index % 3 }, strings: {} },
    };
    return pointsOf(record);
  });
}

import type { PointSink } from '../influx/writer.js';
import type { RunLog } from '../log/run-log.js';
import { batchTime, type SpillStore } from '../spill/store.js';
import { deliver } from './deliver.js';

export interface ReplaySummary {
  /** Spilled batches written and deleted. */
  batches: number;
  points: number;
  /** Lines moved to `rejected/`. */
  rejected: number;
  /** Batches still waiting (InfluxDB still failing, or no time left this run). */
  remaining: number;
  /** Scheduled time (epoch ms) of the oldest batch still waiting, when one is: the spill-age metric's source. */
  oldestWaitingAt?: number;
}

/**
 * Writes spilled batches, oldest first, until `until` (so replay never starves the current tick) or until
 * InfluxDB fails again; a batch is deleted only once every line of it was accepted or moved to `rejected/`.
 */
export async function replaySpilled(
  store: SpillStore,
  sink: PointSink,
  until: number,
  log: RunLog,
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<ReplaySummary> {
  const summary: ReplaySummary = { batches: 0, points: 0, rejected: 0, remaining: 0 };
  const keys = await store.list();
  const stopAt = (index: number): void => {
    summary.remaining = keys.length - index;
    const oldest = batchTime(keys[index] as string);
    if (oldest !== undefined) summary.oldestWaitingAt = oldest;
  };
  for (const [index, key] of keys.entries()) {
    if (now() >= until || signal?.aborted) {
      stopAt(index);
      break;
    }
    const lines = await store.read(key);
    const delivery = await deliver(sink, lines, until, signal);
    if (delivery.unsent.length > 0) {
      log.warn('replay stopped: InfluxDB still failing', { key, error: delivery.error?.message });
      stopAt(index);
      break;
    }
    if (delivery.rejected.length > 0) await store.reject(delivery.rejected, now());
    await store.delete(key);
    summary.batches++;
    summary.points += delivery.written;
    summary.rejected += delivery.rejected.reduce((count, refused) => count + refused.lines.length, 0);
  }
  if (summary.batches > 0 || summary.remaining > 0) log.info('replayed spilled batches', { ...summary });
  return summary;
}

/**
 * The report bench's data: a month of 10 s samples for 20 targets (about 5.4 M points) written into a throw-away
 * influxd, and the config that names them. Targets of every kind of figures: with a queue, with a plan, live only,
 * each with a capacity.
 */

import { type Influxd, lineBatches } from '../devtools/influxd.js';
import { ADAPTERS } from '../functions/providers/registry.js';

const INTERVAL_MS = 10_000;
const DAY_MS = 86_400_000;
/** The month the report covers; the month before is written at 1-minute steps for the comparison. */
export const REPORT_MONTH = { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1) };
const PREVIOUS_STEP_MS = 60_000;

/** One target of the bench's config (the shape `parseConfig` reads). */
export interface BenchReportTarget {
  name: string;
  endpoint: string;
  secret: string;
  interval: string;
  capacity: number;
  baseUrl?: string;
  projectId?: string;
}

/**
 * `count` targets, cycling through an endpoint with a queue, one with a plan, and one with live users only, of
 * those whose polling floor allows 10 s.
 */
export function reportTargets(count: number): BenchReportTarget[] {
  const allowed = ADAPTERS.filter((adapter) => adapter.floorMs <= INTERVAL_MS);
  const kinds = [
    allowed.find((adapter) => adapter.capabilities.figures.includes('queue')),
    allowed.find((adapter) => adapter.capabilities.figures.includes('plan')),
    allowed.find((adapter) => adapter.capabilities.figures.length === 0),
  ].filter((adapter) => adapter !== undefined);
  return Array.from({ length: count }, (_, i) => {
    const adapter = kinds[i % kinds.length] as (typeof kinds)[number];
    return {
      name: `month-${String(i).padStart(2, '0')}`,
      endpoint: adapter.endpoint,
      secret: 'bench/none',
      interval: '10s',
      capacity: 100 + 10 * i,
      baseUrl: 'http://127.0.0.1:1',
      ...('projectId' in adapter.targetShape ? { projectId: `p-${i}` } : {}),
    };
  });
}

/** Live users of target `i` at `time`: a daily wave, a weekly swing and a slow growth, up to about its capacity. */
function liveAt(i: number, time: number, capacity: number): number {
  const day = (time % DAY_MS) / DAY_MS;
  const wave = 0.5 - 0.5 * Math.cos(2 * Math.PI * day);
  const growth = 1 + (time - REPORT_MONTH.from) / (90 * DAY_MS);
  const noise = ((Math.floor(time / INTERVAL_MS) * 2654435761 + i * 97) >>> 0) % 7;
  return Math.max(0, Math.round(capacity * 0.85 * wave * growth) + noise - 3);
}

/** Writes the month (and the month before, coarser) of every target; returns the points written. */
export async function seedReportMonth(
  influxd: Influxd,
  db: string,
  targets: BenchReportTarget[],
): Promise<number> {
  const lines = lineBatches(influxd, db);
  const previousFrom = Date.UTC(2026, 8, 1);
  for (const [i, target] of targets.entries()) {
    const adapter = ADAPTERS.find((candidate) => candidate.endpoint === target.endpoint);
    const figures = adapter?.capabilities.figures ?? [];
    const tags = `endpoint=${target.endpoint},provider=${adapter?.provider},target=${target.name}`;
    for (let time = previousFrom; time < REPORT_MONTH.to; ) {
      const raw = liveAt(i, time, target.capacity);
      const live = Math.min(raw, target.capacity);
      let fields = `capacity=${target.capacity}i,live=${figures.includes('queue') ? live : raw}i`;
      if (figures.includes('queue')) fields += `,queued=${raw - live}i`;
      if (figures.includes('plan')) {
        fields += `,overage_connections=${Math.max(0, raw - target.capacity)}i,overage_messages=0i,period_peak=${raw}i,plan_max_connections=${target.capacity}i`;
      }
      await lines.add(`concurrency,${tags} ${fields} ${time / 1000}`);
      time += time < REPORT_MONTH.from ? PREVIOUS_STEP_MS : INTERVAL_MS;
    }
  }
  return lines.close();
}

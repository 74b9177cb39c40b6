/**
 * `npm run demo -- --month`: a simulated month written straight into InfluxDB in seconds, instead of a month of
 * polling. The simulator's ready-made targets with its own daily curves, their demand growing by about 15 % a month,
 * so that the report has a trend to forecast and capacities to be judged against. The report's month (the last
 * whole one) is seeded at each target's interval; the 60 days before it, which only the comparison and the
 * forecast read, at 5-minute steps.
 */

import { type Influxd, lineBatches } from '../devtools/influxd.js';
import type { Config } from '../functions/config/schema.js';
import { adapterFor } from '../functions/providers/registry.js';
import type { SimulatorCollectorConfig } from '../simulator/config.js';
import { demandAt } from '../simulator/curves.js';
import { simulatedProviderOf } from '../simulator/providers/index.js';

const MIN = 60_000;
const DAY = 86_400_000;
/** Demand grows by this share a day: about 15 % a month. */
const GROWTH_PER_DAY = 0.005;
/** Days seeded before the report's month, for the comparison and the forecast. */
const HISTORY_DAYS = 60;
const HISTORY_STEP_MS = 5 * MIN;

/** The plan's connection cap in the simulated month. */
export const DEMO_PLAN_MAX_CONNECTIONS = 2000;

/** The demand a target's provider peaks at in the simulator's curves (for one that queues, its capacity). */
function typicalPeakOf(endpoint: Config['targets'][number]['endpoint']): number {
  const provider = simulatedProviderOf(adapterFor(endpoint).provider);
  if (!provider) throw new Error(`the simulator does not serve ${endpoint}`);
  return provider.typicalPeak;
}

/**
 * The capacities the month's config gives its targets, in multiples of their provider's typical peak: eu-prod
 * queues its users at the evening peaks, the others have room to grow into. A plan brings its own cap.
 */
const DEMO_CAPACITY_SCALE: Record<string, number> = { 'eu-prod': 1, 'eu-prod-users': 2, chat: 2.5 };

/** The simulator's config with the demo's capacities. */
export function withCapacities(config: SimulatorCollectorConfig): SimulatorCollectorConfig {
  return {
    ...config,
    targets: config.targets.map((target) => {
      const scale = DEMO_CAPACITY_SCALE[target.name];
      return scale === undefined ? target : { ...target, capacity: scale * typicalPeakOf(target.endpoint) };
    }),
  };
}

/**
 * Fields of one simulated sample of a target, chosen by what its endpoint's points can say: a queue (sessions
 * capped at the capacity, the rest waiting), a plan (its cap is the capacity), or live users alone.
 */
function fieldsOf(target: Config['targets'][number], time: number, growth: number): Record<string, number> {
  const { figures } = adapterFor(target.endpoint).capabilities;
  if (figures.includes('queue')) {
    const cap = target.capacity ?? typicalPeakOf(target.endpoint);
    const demand = Math.round(demandAt(target.name, time, cap * 1.1) * growth);
    const live = Math.min(demand, cap);
    return { live, queued: demand - live, capacity: cap };
  }
  if (figures.includes('plan')) {
    return {
      live: Math.round(demandAt(target.name, time, typicalPeakOf(target.endpoint)) * growth),
      plan_max_connections: DEMO_PLAN_MAX_CONNECTIONS,
      capacity: target.capacity ?? DEMO_PLAN_MAX_CONNECTIONS,
      overage_connections: 0,
      overage_messages: 0,
    };
  }
  const live = Math.round(demandAt(target.name, time, typicalPeakOf(target.endpoint)) * growth);
  return target.capacity === undefined ? { live } : { live, capacity: target.capacity };
}

/**
 * Writes the simulated month `[month.from, month.to)` and the 60 days before it for `config`'s targets into
 * `db`, in batches; returns the number of points written.
 */
export async function seedMonth(
  influxd: Influxd,
  db: string,
  config: Config,
  month: { from: number; to: number },
): Promise<number> {
  const start = month.from - HISTORY_DAYS * DAY;
  const lines = lineBatches(influxd, db);
  for (const target of config.targets) {
    const tags = `endpoint=${target.endpoint},provider=${adapterFor(target.endpoint).provider},target=${target.name}`;
    for (let time = start; time < month.to; ) {
      const fields = fieldsOf(target, time, 1 + GROWTH_PER_DAY * ((time - start) / DAY));
      const line = Object.entries(fields)
        .map(([key, value]) => `${key}=${value}i`)
        .join(',');
      await lines.add(`concurrency,${tags} ${line} ${time / 1000}`);
      time += time < month.from ? HISTORY_STEP_MS : target.interval;
    }
  }
  return lines.close();
}

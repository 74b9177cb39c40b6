/**
 * `npm run demo -- --month`: a simulated month written straight into InfluxDB in seconds, instead of a month of
 * polling. The simulator's four targets with its own daily curves, their demand growing by about 15 % a month,
 * so that the report has a trend to forecast and capacities to be judged against. The report's month (the last
 * whole one) is seeded at each target's interval; the 60 days before it, which only the comparison and the
 * forecast read, at 5-minute steps.
 */

import { type Influxd, lineBatches } from '../devtools/influxd.js';
import type { Config } from '../functions/config/schema.js';
import { adapterFor } from '../functions/providers/registry.js';
import type { SimulatorCollectorConfig } from '../simulator/config.js';
import { demandAt } from '../simulator/curves.js';
import {
  IMKIT_TYPICAL_PEAK,
  METERED_APP_ID,
  METERED_TYPICAL_PEAK,
  STREAMPIXEL_CAPACITY,
} from '../simulator/server.js';

const MIN = 60_000;
const DAY = 86_400_000;
/** Demand grows by this share a day: about 15 % a month. */
const GROWTH_PER_DAY = 0.005;
/** Days seeded before the report's month, for the comparison and the forecast. */
const HISTORY_DAYS = 60;
const HISTORY_STEP_MS = 5 * MIN;

/** The Metered plan's connection cap in the simulated month. */
export const DEMO_PLAN_MAX_CONNECTIONS = 2000;
/** The capacities the month's config gives its targets (Metered's comes from its plan). */
export const DEMO_CAPACITIES: Record<string, number> = {
  'eu-prod': STREAMPIXEL_CAPACITY,
  'eu-prod-users': 2 * STREAMPIXEL_CAPACITY,
  chat: 4500,
};

/** The simulator's config with the demo's capacities. */
export function withCapacities(config: SimulatorCollectorConfig): SimulatorCollectorConfig {
  return {
    ...config,
    targets: config.targets.map((target) =>
      DEMO_CAPACITIES[target.name] === undefined
        ? target
        : { ...target, capacity: DEMO_CAPACITIES[target.name] },
    ),
  };
}

/**
 * Fields of one simulated sample of a target, chosen by what its endpoint's points can say: a queue (sessions
 * capped at the capacity, the rest waiting), a plan (its cap is the capacity), or live users alone.
 */
function fieldsOf(target: Config['targets'][number], time: number, growth: number): Record<string, number> {
  const { figures } = adapterFor(target.endpoint).capabilities;
  if (figures.includes('queue')) {
    const cap = target.capacity ?? STREAMPIXEL_CAPACITY;
    const demand = Math.round(demandAt(target.name, time, cap * 1.1) * growth);
    const live = Math.min(demand, cap);
    return { live, queued: demand - live, capacity: cap };
  }
  if (figures.includes('plan')) {
    return {
      live: Math.round(demandAt(`metered:${METERED_APP_ID}`, time, METERED_TYPICAL_PEAK) * growth),
      plan_max_connections: DEMO_PLAN_MAX_CONNECTIONS,
      capacity: target.capacity ?? DEMO_PLAN_MAX_CONNECTIONS,
      overage_connections: 0,
      overage_messages: 0,
    };
  }
  const live = Math.round(demandAt(target.name, time, IMKIT_TYPICAL_PEAK) * growth);
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

/**
 * A seeded quarter for the capacity figures, the forecast and the verdict: November 2026 is the period
 * (`--period last-month` on 1 December), October the previous calendar month, and the forecast reads the 90 days
 * before 1 December. Every target's expected figures are computed by the test from these arrays.
 */
import type { SeedPoint, SeedProject, SeedTarget } from './seed.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const NOW = Date.UTC(2026, 11, 1, 2);
export const NOV = Date.UTC(2026, 10, 1);
export const DEC = Date.UTC(2026, 11, 1);
export const OCT = Date.UTC(2026, 9, 1);
export const HISTORY_FROM = DEC - 90 * DAY;

/** The launch that queued 43 users on a capped Streampixel project: 19 November, 20:00–22:00. */
export const LAUNCH = { from: Date.UTC(2026, 10, 19, 20), to: Date.UTC(2026, 10, 19, 22) };

/** The config of the seeded targets, with their capacities. */
export function capacityConfigTargets() {
  return [
    {
      name: 'sp-capped',
      endpoint: 'streampixel.liveStats',
      projectId: 'proj-c',
      secret: 's',
      interval: '1m',
      capacity: 40,
    },
    {
      name: 'chat-growing',
      endpoint: 'imkit.connectionCount',
      baseUrl: 'https://grow.imkit.io',
      secret: 's',
      interval: '5m',
      capacity: 300,
    },
    { name: 'signalling', endpoint: 'metered.usage', secret: 's', interval: '5m' },
    {
      name: 'quiet',
      endpoint: 'imkit.connectionCount',
      baseUrl: 'https://quiet.imkit.io',
      secret: 's',
      interval: '5m',
    },
    {
      name: 'account',
      endpoint: 'streampixel.liveStats',
      projects: 'all',
      secret: 's',
      interval: '5m',
      capacity: 50,
    },
  ];
}

function times(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let t = from; t < to; t += step) out.push(t);
  return out;
}

/** Deterministic spread from a time. */
function wobble(time: number, modulo: number): number {
  return (Math.floor(time / MIN) * 7919) % modulo;
}

function evening(time: number): boolean {
  const hour = new Date(time).getUTCHours();
  return hour >= 18 && hour < 22;
}

/** Live capped at 40, the rest queued; a two-hour launch on 19 November wants 83. */
function spCapped(): SeedPoint[] {
  return times(OCT, DEC, MIN).map((time) => {
    let demand = 8 + wobble(time, 20) + (evening(time) ? 14 : 0); // at most 41 on an evening
    if (time >= LAUNCH.from && time < LAUNCH.to) demand = 60 + (Math.floor((time - LAUNCH.from) / MIN) % 24);
    const live = Math.min(40, demand);
    return { time, fields: { live, queued: demand - live, capacity: 40 } };
  });
}

/** Daily peaks growing by 1.5 a day from 100 on 2 September; one outage day at 0 and one spike day at 290. */
export const GROWTH = { start: HISTORY_FROM, base: 100, perDay: 1.5 };
const SPIKE_DAY = Date.UTC(2026, 9, 10);
const OUTAGE_DAY = Date.UTC(2026, 9, 20);

function chatGrowing(): SeedPoint[] {
  return times(HISTORY_FROM, DEC, 5 * MIN)
    .filter((time) => time < OUTAGE_DAY || time >= OUTAGE_DAY + DAY)
    .map((time) => {
      const day = Math.floor((time - GROWTH.start) / DAY);
      const peakOfDay = Math.round(GROWTH.base + GROWTH.perDay * day);
      const hour = new Date(time).getUTCHours();
      // The day's peak at 20:00, lower the rest of the day.
      let live =
        hour === 20 && new Date(time).getUTCMinutes() === 0
          ? peakOfDay
          : Math.round(peakOfDay * 0.5) + wobble(time, 10);
      if (time >= SPIKE_DAY && time < SPIKE_DAY + DAY && hour === 21) live = 290;
      return { time, fields: { live, capacity: 300 } };
    });
}

/** A Metered app far below its plan of 1000 connections; points before November carry no `capacity` field. */
function signalling(): SeedPoint[] {
  return times(OCT, DEC, 5 * MIN).map((time) => {
    const live = 50 + wobble(time, 150) + (evening(time) ? 120 : 0); // at most 319
    const fields: Record<string, number> = { live, plan_max_connections: 1000, period_peak: 320 };
    if (time >= NOV) fields.capacity = 1000;
    return { time, fields };
  });
}

/** Eleven days of data: too few for a forecast. */
function quiet(): SeedPoint[] {
  return times(Date.UTC(2026, 10, 20), DEC, 5 * MIN).map((time) => ({
    time,
    fields: { live: 3 + wobble(time, 5) },
  }));
}

function accountProject(id: string, name: string, offset: number): SeedProject {
  return {
    id,
    name,
    region: 'eu',
    points: times(Date.UTC(2026, 10, 1), DEC, 5 * MIN).map((time) => {
      const live = 5 + ((wobble(time, 13) + offset) % 13) + (evening(time) ? 10 : 0); // at most 27
      return { time, fields: { live, queued: 0, capacity: 50 } };
    }),
  };
}

/** Two projects of an account whose capacity of 50 applies to their sum. */
function account(): SeedTarget {
  const projects = [accountProject('p-1', 'Hall', 0), accountProject('p-2', 'Atrium', 6)];
  const byTime = new Map<number, SeedPoint>();
  for (const project of projects) {
    for (const point of project.points) {
      const total = byTime.get(point.time);
      if (!total) byTime.set(point.time, { time: point.time, fields: { ...point.fields } });
      else {
        total.fields.live = (total.fields.live as number) + (point.fields.live as number);
        total.fields.queued = (total.fields.queued as number) + (point.fields.queued as number);
      }
    }
  }
  return {
    name: 'account',
    provider: 'streampixel',
    endpoint: 'streampixel.liveStats',
    project: '',
    intervalMs: 5 * MIN,
    points: [...byTime.values()],
    projects,
  };
}

export function capacityTargets(): SeedTarget[] {
  return [
    {
      name: 'sp-capped',
      provider: 'streampixel',
      endpoint: 'streampixel.liveStats',
      project: 'proj-c',
      intervalMs: MIN,
      points: spCapped(),
    },
    {
      name: 'chat-growing',
      provider: 'imkit',
      endpoint: 'imkit.connectionCount',
      project: 'grow.imkit.io',
      intervalMs: 5 * MIN,
      points: chatGrowing(),
    },
    {
      name: 'signalling',
      provider: 'metered',
      endpoint: 'metered.usage',
      project: 'app_1',
      intervalMs: 5 * MIN,
      points: signalling(),
    },
    {
      name: 'quiet',
      provider: 'imkit',
      endpoint: 'imkit.connectionCount',
      project: 'quiet.imkit.io',
      intervalMs: 5 * MIN,
      points: quiet(),
    },
    account(),
  ];
}

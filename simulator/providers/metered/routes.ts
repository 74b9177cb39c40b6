/** Metered's usage endpoint, as the simulator serves it. */
import type { IncomingHttpHeaders } from 'node:http';
import {
  type Answer,
  header,
  json,
  nextCount,
  type Reply,
  type Routed,
  type Router,
  type State,
} from '../../core.js';
import { demandAt, peakDemandBetween, utcMonthBounds } from '../../curves.js';

/** Messages per second: ~4 M in a 31-day month, below the 5 M plan cap. */
const MESSAGES_PER_SECOND = 1.5;

/** Typical peak of Metered concurrent connections: keeps even weekend peaks under the 1000 plan cap. */
export const METERED_TYPICAL_PEAK = 850;
/** The Metered app every simulated secret key belongs to. */
export const METERED_APP_ID = 'app_sim';

/** Messages sent since the period started: grows monotonically with time, 0 before the start. */
export function messagesUsedSince(periodStartMs: number, atMs: number): number {
  const elapsedSeconds = Math.max(0, (atMs - periodStartMs) / 1000);
  return Math.floor(elapsedSeconds * MESSAGES_PER_SECOND);
}

export const METERED_PLAN = {
  name: 'SIGNALLING_BASIC',
  maxConcurrentConnections: 1000,
  maxMessagesPerPeriod: 5_000_000,
  overagesAllowed: true,
  overagesEnabled: true,
} as const;

/** The period's peak so far, per simulator: Metered's own state, which the core does not hold. */
const PEAKS = new WeakMap<State, { periodStartUnix: number; peak: number; sampledUntilMs: number }>();

/**
 * The period's peak: the curve sampled since the period start (so a fresh simulator already
 * reports a plausible peak), raised by every value actually served.
 */
function meteredPeak(state: State, periodStartUnix: number, atMs: number, concurrentNow: number): number {
  let tracker = PEAKS.get(state);
  if (tracker?.periodStartUnix !== periodStartUnix) {
    tracker = { periodStartUnix, peak: 0, sampledUntilMs: periodStartUnix * 1000 };
    PEAKS.set(state, tracker);
  }
  if (atMs > tracker.sampledUntilMs) {
    const sampled = peakDemandBetween(
      `metered:${METERED_APP_ID}`,
      tracker.sampledUntilMs,
      atMs,
      METERED_TYPICAL_PEAK,
    );
    tracker.peak = Math.max(tracker.peak, sampled);
    tracker.sampledUntilMs = atMs;
  }
  tracker.peak = Math.max(tracker.peak, concurrentNow);
  return tracker.peak;
}

function meteredUsage(state: State, newCustomer: boolean): Reply {
  const at = state.now();
  const { startUnix, endUnix } = utcMonthBounds(at);
  const concurrentNow = demandAt(`metered:${METERED_APP_ID}`, at, METERED_TYPICAL_PEAK);
  const peakConcurrent = meteredPeak(state, startUnix, at, concurrentNow);
  return json(200, {
    appId: METERED_APP_ID,
    periodStartUnix: newCustomer ? null : startUnix,
    periodEndUnix: newCustomer ? null : endUnix,
    concurrentNow,
    peakConcurrent,
    messagesUsed: messagesUsedSince(startUnix * 1000, at),
    overageMessages: 0,
    overageConnections: Math.max(0, peakConcurrent - METERED_PLAN.maxConcurrentConnections),
    plan: { ...METERED_PLAN, name: newCustomer ? null : METERED_PLAN.name },
  });
}

const METERED_UNAUTHORIZED: Reply = json(401, { error: 'unauthorized' });
const METERED_INTERNAL_ERROR: Reply = json(503, { error: 'internal_error' });

/** Which simulated key variant a bearer token is, if any. */
function meteredVariant(state: State, token: string | undefined): 'ok' | 'blip' | 'down' | 'new' | undefined {
  const key = state.credentials.metered.secretKey;
  // A Map rather than an object literal, so that a token like "constructor" matches nothing.
  const variants = new Map([
    [key, 'ok'],
    [`${key}_blip`, 'blip'],
    [`${key}_down`, 'down'],
    [`${key}_newcustomer`, 'new'],
  ] as const);
  return token === undefined ? undefined : variants.get(token);
}

function routeUsage(state: State, headers: IncomingHttpHeaders): Routed {
  const token = /^Bearer\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '')?.[1];
  const variant = meteredVariant(state, token);
  const answer = async (): Promise<Answer> => {
    switch (variant) {
      case undefined:
        return METERED_UNAUTHORIZED;
      case 'down':
        return METERED_INTERNAL_ERROR;
      case 'blip':
        return nextCount(state, `metered:${token}`) % 2 === 1
          ? METERED_INTERNAL_ERROR
          : meteredUsage(state, false);
      case 'new':
        return meteredUsage(state, true);
      case 'ok':
        return meteredUsage(state, false);
    }
  };
  return { endpoint: 'metered.usage', project: variant ? METERED_APP_ID : '', answer };
}

export const routeMetered: Router = (state, req, url) =>
  url.pathname === '/v1/usage' ? routeUsage(state, req.headers) : undefined;

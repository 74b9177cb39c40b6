/** What the simulator's core shares with its providers' routes: replies, state, fault injection. */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointId } from '../functions/providers/registry.js';
import type { ListingEndpoint, SimulatedProject, SimulatorCredentials } from './providers/account.js';

/** The registry's endpoint ids (those the simulator serves), plus the one both project listings record under. */
export type SimulatedEndpoint = EndpointId | ListingEndpoint;

/**
 * Which project listings exist: both (all at once and paginated), or only the paginated one, as in the
 * listing provider's older API version (where the other is a 404).
 */
export type SimulatorListing = 'both' | 'paginated-only';

/** One response the simulator sent, as it went on the wire. */
export interface ServedSample {
  endpoint: SimulatedEndpoint;
  /** The project (or app) the request was for, '' when its key was not recognised; always '' for a listing. */
  project: string;
  /** The simulator clock (`options.now`) when the response was sent. */
  at: number;
  status: number;
  body: string;
}

/** What a route decided to send. */
export interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Destroy the socket instead of answering. */
export const RESET = Symbol('reset');
/** What the simulator does with a request: a reply, or a reset connection. */
export type Answer = Reply | typeof RESET;

/** Mutable state shared by every request of one simulator. */
export interface State {
  credentials: SimulatorCredentials;
  latencyMs: number;
  slowMs: number;
  now: () => number;
  served: ServedSample[];
  inFlight: number;
  maxInFlight: number;
  /** Requests seen per flaky/blip key, to alternate failure and success. */
  counters: Map<string, number>;
  projects: SimulatedProject[];
  listing: SimulatorListing;
  /** Status both listings answer instead of a listing, set by `failListing`. */
  listingFailure: number | undefined;
  listingRequests: number;
  /** `addProject` calls so far, to name the next default project. */
  addedProjects: number;
  /** Requests being handled per account (see {@link SimulatedProvider.account}). */
  inFlightByUser: Map<string, number>;
  maxInFlightByUser: Map<string, number>;
}

/** A request after routing: what it is for and how to answer it. */
export interface Routed {
  endpoint: SimulatedEndpoint;
  project: string;
  answer: (signal: AbortSignal) => Promise<Answer>;
}

/** How one provider words its bodies, so that the shared error ids answer in its own shape. */
export interface Dialect {
  error(status: number): Reply;
  truncated: string;
  negative: string;
  fraction: string;
}

export const HTML_BAD_GATEWAY: Reply = {
  status: 502,
  body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
  contentType: 'text/html; charset=utf-8',
};

/** Error ids that map straight to a provider-shaped error status (a Map: ids are user input). */
export const STATUS_FAULTS: ReadonlyMap<string, number> = new Map([
  ['err-400', 400],
  ['err-403', 403],
  ['err-404', 404],
  ['err-429-noheader', 429],
  ['err-500', 500],
]);

export function json(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value) };
}

/** Counts requests per key; returns 1 for the first. */
export function nextCount(state: State, key: string): number {
  const count = (state.counters.get(key) ?? 0) + 1;
  state.counters.set(key, count);
  return count;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Answers a project id or app name: a reserved `err-*` id produces its failure, anything else the provider's
 * success.
 */
export async function answerWithFaults(
  state: State,
  id: string,
  counterKey: string,
  dialect: Dialect,
  success: () => Reply,
  signal: AbortSignal,
): Promise<Answer> {
  const status = STATUS_FAULTS.get(id);
  if (status !== undefined) {
    return dialect.error(status);
  }
  switch (id) {
    case 'err-429':
      return { ...dialect.error(429), headers: { 'Retry-After': '120' } };
    case 'err-html':
      return HTML_BAD_GATEWAY;
    case 'err-truncated':
      return { status: 200, body: dialect.truncated };
    case 'err-negative':
      return { status: 200, body: dialect.negative };
    case 'err-fraction':
      return { status: 200, body: dialect.fraction };
    case 'err-reset':
      return RESET;
    case 'err-slow':
      // The abortable sleep clears its timer when the client goes away.
      await sleep(state.slowMs, undefined, { signal });
      return success();
    case 'err-flaky':
      return nextCount(state, counterKey) % 2 === 1 ? dialect.error(500) : success();
    default:
      return success();
  }
}

/** The answer to a path no provider has (and to a listing an older account lacks). */
export const NOT_FOUND: Reply = json(404, { message: 'Not found' });

/** One provider's routes: the answer to a request on one of its paths, or `undefined` for any other path. */
export type Router = (state: State, req: IncomingMessage, url: URL) => Routed | undefined;

/** One collector target, in the collector's configuration format. */
export interface SimulatorTarget {
  name: string;
  endpoint: EndpointId;
  projectId?: string;
  baseUrl: string;
  secret: string;
  interval: string;
  tags?: Record<string, string>;
}

/** What one provider folder gives the simulator: its routes, and its part of the ready-made config. */
export interface SimulatedProvider<Credentials> {
  route: Router;
  /** The credentials the simulator accepts unless told otherwise. None of them is a real key. */
  credentials: Credentials;
  /** The secret its targets in the ready-made config name. */
  secretName: string;
  /** The JSON that secret holds for these credentials. */
  secret(credentials: Credentials): Record<string, string>;
  /** Its targets in the ready-made config, polling a simulator at `base` (no trailing slash). */
  targets(base: string): SimulatorTarget[];
  /**
   * The demand a target of this provider peaks at on a weekday evening at average scale (for a provider that
   * queues, its capacity, which demand exceeds by a third): for scenarios that draw their own curves.
   */
  typicalPeak: number;
  /**
   * What the collector would write for `target` (one of {@link targets}) at any time, read off the same curves
   * as the routes, without a server: for seeding InfluxDB with what polling would have given. Calls must come
   * in time order (a period's running peak is carried from one to the next).
   */
  series(target: SimulatorTarget): { project: string; fieldsAt(time: number): Record<string, number> };
  /**
   * The account a request is for, when the provider limits concurrent requests per account: the simulator
   * records the highest number in flight per account (`maxInFlightByUser`).
   */
  account?(req: IncomingMessage, url: URL): string | undefined;
}

/**
 * A loopback HTTP simulator of the four stats endpoints (Streampixel liveStats/userStats, IMKit
 * connection-count, Metered usage) and of Streampixel's two project listings, so that the collector
 * can be run and tested end to end without real accounts. Figures come from the deterministic curves
 * in `curves.ts`, projects from `listing.ts`; every documented error and every transport failure is
 * reachable through a reserved project id, app name or key suffix (see README.md).
 */
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointId } from '../functions/providers/registry.js';
import type { SimulatorCredentials } from './config.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from './config.js';
import { demandAt, liveUsers, messagesUsedSince, peakDemandBetween, utcMonthBounds } from './curves.js';
import type { SimulatedProject } from './listing.js';
import {
  assertUniqueIds,
  DEFAULT_SIMULATOR_PROJECTS,
  newProject,
  parsePageRequest,
  projectsPageBody,
  projectsStatusBody,
} from './listing.js';

export type { SimulatorCollectorConfig, SimulatorCredentials, SimulatorTarget } from './config.js';
export { DEFAULT_SIMULATOR_CREDENTIALS, simulatorConfig, simulatorSecrets } from './config.js';
export type { SimulatedProject } from './listing.js';
export { DEFAULT_SIMULATOR_PROJECTS } from './listing.js';

/** Sessions a simulated Streampixel project can serve before users queue. */
export const STREAMPIXEL_CAPACITY = 40;
/** Typical weekday evening peak of an IMKit app's WebSocket connections. */
export const IMKIT_TYPICAL_PEAK = 1800;
/** Typical peak of Metered concurrent connections: keeps even weekend peaks under the 1000 plan cap. */
export const METERED_TYPICAL_PEAK = 850;
/** The Metered app every simulated secret key belongs to. */
export const METERED_APP_ID = 'app_sim';

const METERED_PLAN = {
  name: 'SIGNALLING_BASIC',
  maxConcurrentConnections: 1000,
  maxMessagesPerPeriod: 5_000_000,
  overagesAllowed: true,
  overagesEnabled: true,
} as const;

const DEFAULT_SLOW_MS = 30_000;

/**
 * The registry's endpoint ids (those the simulator serves), plus `streampixel.projects` for both Streampixel
 * project listings (`projects-status` and the paginated `projects`).
 */
export type SimulatedEndpoint = EndpointId | 'streampixel.projects';

/**
 * Which Streampixel project listings exist: both, or only the paginated one, as in the API's older
 * version (where `projects-status` is a 404).
 */
export type SimulatorListing = 'both' | 'paginated-only';

/** One response the simulator sent, as it went on the wire. */
export interface ServedSample {
  endpoint: SimulatedEndpoint;
  /**
   * Streampixel project id, IMKit app name, or Metered app id ('' when the key was not recognised);
   * always '' for a project listing.
   */
  project: string;
  /** The simulator clock (`options.now`) when the response was sent. */
  at: number;
  status: number;
  body: string;
}

/** How to start a simulator; every field is optional. */
export interface SimulatorOptions {
  /** Interface to bind: only loopback (127.x, ::1, localhost) is accepted. Default 127.0.0.1. */
  host?: string;
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number;
  /** Delay added before every response, in ms. Default 0. */
  latencyMs?: number;
  /** Credentials to accept. Default {@link DEFAULT_SIMULATOR_CREDENTIALS}. */
  credentials?: SimulatorCredentials;
  /** Clock in ms; the load curves are a function of it. Default Date.now. */
  now?: () => number;
  /** How long `err-slow` waits before answering, in ms. Default 30 000. */
  slowMs?: number;
  /** The Streampixel account's projects, in listing order. Default {@link DEFAULT_SIMULATOR_PROJECTS}. */
  projects?: readonly SimulatedProject[];
  /** Which project listings exist. Default `'both'`. */
  listing?: SimulatorListing;
}

/** A running simulator. */
export interface Simulator {
  /** Base url, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  url: string;
  /**
   * Every response sent on a known route, in order, successes and errors alike. Unknown paths and
   * requests that never got an answer (`err-reset`, an aborted `err-slow`) are not in it.
   */
  served: ServedSample[];
  /** Highest number of requests being handled at once since the start. */
  readonly maxInFlight: number;
  /**
   * Highest number of Streampixel requests (stats and listings) handled at once, per `userId` query
   * parameter, since the start; requests without a `userId` are not counted. A live view.
   */
  readonly maxInFlightByUser: ReadonlyMap<string, number>;
  /** Responses sent by the two project listings since the start, errors included. */
  readonly listingRequests: number;
  /**
   * Adds a project to the account, visible from the next listing on. Missing fields get a fresh id,
   * the name `eu-new-{n}` (n counts these calls), the region the name implies, `active: true` and
   * the simulator clock as both timestamps.
   *
   * @returns the project as listed.
   * @throws Error when the given id is already taken.
   */
  addProject(project?: Partial<SimulatedProject>): SimulatedProject;
  /**
   * Makes both project listings answer `status` (400–599) in Streampixel's error shape, before any
   * credential check, until called with undefined. A 429 carries `Retry-After: 60`.
   */
  failListing(status: number | undefined): void;
  /** Replaces the accepted credentials, e.g. to simulate a key rotation. */
  setCredentials(credentials: SimulatorCredentials): void;
  /** Changes the delay added before every response. */
  setLatency(ms: number): void;
  /** Stops listening and destroys every open socket, pending requests included. */
  close(): Promise<void>;
}

/** What a route decided to send. */
interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Destroy the socket instead of answering. */
const RESET = Symbol('reset');
/** What the simulator does with a request: a reply, or a reset connection. */
type Answer = Reply | typeof RESET;

/** Mutable state shared by every request of one simulator. */
interface State {
  credentials: SimulatorCredentials;
  latencyMs: number;
  slowMs: number;
  now: () => number;
  served: ServedSample[];
  inFlight: number;
  maxInFlight: number;
  /** Requests seen per flaky/blip key, to alternate failure and success. */
  counters: Map<string, number>;
  metered: { periodStartUnix: number; peak: number; sampledUntilMs: number } | undefined;
  projects: SimulatedProject[];
  listing: SimulatorListing;
  /** Status both listings answer instead of a listing, set by `failListing`. */
  listingFailure: number | undefined;
  listingRequests: number;
  /** `addProject` calls so far, to name the next default project. */
  addedProjects: number;
  inFlightByUser: Map<string, number>;
  maxInFlightByUser: Map<string, number>;
}

/** A request after routing: what it is for and how to answer it. */
interface Routed {
  endpoint: SimulatedEndpoint;
  project: string;
  answer: (signal: AbortSignal) => Promise<Answer>;
}

/** How one provider words its bodies, so that the shared error ids answer in its own shape. */
interface Dialect {
  error(status: number): Reply;
  truncated: string;
  negative: string;
  fraction: string;
}

const HTML_BAD_GATEWAY: Reply = {
  status: 502,
  body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
  contentType: 'text/html; charset=utf-8',
};

/** Error ids that map straight to a provider-shaped error status (a Map: ids are user input). */
const STATUS_FAULTS: ReadonlyMap<string, number> = new Map([
  ['err-400', 400],
  ['err-403', 403],
  ['err-404', 404],
  ['err-429-noheader', 429],
  ['err-500', 500],
]);

const STREAMPIXEL_MESSAGES: Readonly<Record<number, string>> = {
  400: 'projectId, userId and apikey are required',
  403: 'Access denied',
  404: 'Project not found',
  429: 'Rate limit exceeded. Try again in 2 minutes.',
  500: 'Internal server error',
};

const IMKIT_UNAUTHORIZED: Reply = json(401, {
  RC: 401,
  RM: 'Unauthorized',
  error: { code: 'INVALID_API_KEY', message: 'Invalid or missing API key' },
});

const IMKIT_FORBIDDEN: Reply = json(403, {
  RC: 403,
  RM: 'Forbidden',
  error: { code: 'PERMISSION_DENIED', message: 'Platform API permission required' },
});

const STREAMPIXEL: Dialect = {
  error: (status) => json(status, { message: STREAMPIXEL_MESSAGES[status] ?? STATUS_CODES[status] }),
  truncated: '{"liveUser": 3, "queu',
  negative: '{"liveUser": -1, "queueUser": 0}',
  fraction: '{"liveUser": 2.5, "queueUser": 0}',
};

const IMKIT: Dialect = {
  // IMKit documents bodies for 401 and 403 only; other statuses keep its RC/RM envelope.
  error: (status) =>
    status === 403 ? IMKIT_FORBIDDEN : json(status, { RC: status, RM: STATUS_CODES[status] }),
  truncated: '{"RC":0,"RM":"OK","result":{"cou',
  negative: '{"RC":0,"RM":"OK","result":{"count":-1}}',
  fraction: '{"RC":0,"RM":"OK","result":{"count":2.5}}',
};

function json(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value) };
}

function assertLoopback(host: string): void {
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!loopback) {
    throw new Error(`simulator host must be loopback (127.x, ::1 or localhost), got "${host}"`);
  }
}

function assertDelay(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${ms}`);
  }
}

/** Counts requests per key; returns 1 for the first. */
function nextCount(state: State, key: string): number {
  const count = (state.counters.get(key) ?? 0) + 1;
  state.counters.set(key, count);
  return count;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Answers a Streampixel project id or IMKit app name: a reserved `err-*` id produces its failure,
 * anything else the provider's success.
 */
async function answerWithFaults(
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

function streampixelStats(state: State, projectId: string): Reply {
  const { live, queued } = liveUsers(projectId, state.now(), STREAMPIXEL_CAPACITY);
  return json(200, { liveUser: live, queueUser: queued });
}

/** What one Streampixel route asks of its caller. */
interface StreampixelAuth {
  /** Whether `apikey` is required and checked; liveStats and the paginated listing take `userId` only. */
  apikey: boolean;
  /** The 400 message for a missing parameter; without one, a missing userId is an unknown user (401). */
  missing?: string;
}

type StreampixelRoute = 'liveStats' | 'userStats' | 'projects-status' | 'projects';

const LISTING_PARAMS_REQUIRED = 'userId and apikey are required';

const STREAMPIXEL_AUTH: Readonly<Record<StreampixelRoute, StreampixelAuth>> = {
  liveStats: { apikey: false, missing: 'userId is required' },
  userStats: { apikey: true, missing: STREAMPIXEL_MESSAGES[400] },
  'projects-status': { apikey: true, missing: LISTING_PARAMS_REQUIRED },
  projects: { apikey: false },
};

/** Parameter checks first, then credentials, in the order the provider page lists its errors. */
function streampixelAuthError(
  state: State,
  kind: StreampixelRoute,
  query: URLSearchParams,
): Reply | undefined {
  const auth = STREAMPIXEL_AUTH[kind];
  const userId = query.get('userId');
  const apikey = query.get('apikey');
  if (auth.missing !== undefined && (!userId || (auth.apikey && !apikey))) {
    return json(400, { message: auth.missing });
  }
  const expected = state.credentials.streampixel;
  if (userId !== expected.userId) {
    return json(401, { message: 'Invalid User' });
  }
  if (auth.apikey && apikey !== expected.apikey) {
    return json(401, { message: 'Unauthorized: Invalid API Key' });
  }
  return undefined;
}

function routeStreampixel(
  state: State,
  kind: 'liveStats' | 'userStats',
  projectId: string,
  url: URL,
): Routed {
  const endpoint = `streampixel.${kind}` as const;
  return {
    endpoint,
    project: projectId,
    answer: async (signal) =>
      streampixelAuthError(state, kind, url.searchParams) ??
      answerWithFaults(
        state,
        projectId,
        `${endpoint}:${projectId}`,
        STREAMPIXEL,
        () => streampixelStats(state, projectId),
        signal,
      ),
  };
}

const NOT_FOUND: Reply = json(404, { message: 'Not found' });

/** A listing outage set by `failListing`, worded like Streampixel's other errors. */
function listingFailure(status: number): Reply {
  if (status === 429) {
    // The sentence agrees with the header, as the provider's 429 bodies do.
    return {
      ...json(429, { message: 'Rate limit exceeded. Try again in 1 minute.' }),
      headers: { 'Retry-After': '60' },
    };
  }
  return status === 400 ? json(400, { message: LISTING_PARAMS_REQUIRED }) : STREAMPIXEL.error(status);
}

/** Answers a listing from the project list as it is when the answer is built (after the latency). */
function listingReply(state: State, kind: 'projects-status' | 'projects', query: URLSearchParams): Reply {
  if (kind === 'projects-status' && state.listing === 'paginated-only') {
    return NOT_FOUND;
  }
  if (state.listingFailure !== undefined) {
    return listingFailure(state.listingFailure);
  }
  const authError = streampixelAuthError(state, kind, query);
  if (authError) {
    return authError;
  }
  if (kind === 'projects-status') {
    return json(200, projectsStatusBody(state.projects));
  }
  const request = parsePageRequest(query);
  if ('error' in request) {
    return json(400, { message: request.error });
  }
  return json(200, projectsPageBody(state.projects, request.page, request.limit));
}

function routeListing(state: State, kind: 'projects-status' | 'projects', url: URL): Routed {
  return {
    endpoint: 'streampixel.projects',
    project: '',
    answer: async () => listingReply(state, kind, url.searchParams),
  };
}

function imkitCount(state: State, app: string): Reply {
  const count = demandAt(`imkit:${app}`, state.now(), IMKIT_TYPICAL_PEAK);
  return json(200, { RC: 0, RM: 'OK', result: { count } });
}

function routeImkit(state: State, app: string, headers: IncomingHttpHeaders): Routed {
  const answer = async (signal: AbortSignal): Promise<Answer> => {
    if (header(headers, 'im-api-key') !== state.credentials.imkit.apiKey) {
      return IMKIT_UNAUTHORIZED;
    }
    if (app === 'noperm') {
      return IMKIT_FORBIDDEN;
    }
    if (app === 'rc-error') {
      return json(200, { RC: 500, RM: 'Internal error' });
    }
    return answerWithFaults(state, app, `imkit:${app}`, IMKIT, () => imkitCount(state, app), signal);
  };
  return { endpoint: 'imkit.connectionCount', project: app, answer };
}

/**
 * The period's peak: the curve sampled since the period start (so a fresh simulator already
 * reports a plausible peak), raised by every value actually served.
 */
function meteredPeak(state: State, periodStartUnix: number, atMs: number, concurrentNow: number): number {
  let tracker = state.metered;
  if (tracker?.periodStartUnix !== periodStartUnix) {
    tracker = { periodStartUnix, peak: 0, sampledUntilMs: periodStartUnix * 1000 };
    state.metered = tracker;
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

function routeMetered(state: State, headers: IncomingHttpHeaders): Routed {
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

const STREAMPIXEL_ROUTE = /^\/pixelStripeApi\/projects\/(liveStats|userStats)\/([^/]+)$/;
/** Exact paths: `projects-status` is a fixed segment, never a stats kind or a project id. */
const LISTING_ROUTES: ReadonlyMap<string, 'projects-status' | 'projects'> = new Map([
  ['/pixelStripeApi/projects', 'projects'],
  ['/pixelStripeApi/projects/projects-status', 'projects-status'],
] as const);
const IMKIT_ROUTE = /^\/imkit\/([^/]+)\/admin\/connection-count$/;

/** Maps a request to its route, or undefined for a path the providers do not have. */
function route(state: State, req: IncomingMessage, url: URL): Routed | undefined {
  const streampixel = STREAMPIXEL_ROUTE.exec(url.pathname);
  if (streampixel) {
    const kind = streampixel[1] === 'liveStats' ? 'liveStats' : 'userStats';
    return routeStreampixel(state, kind, decodeURIComponent(streampixel[2] ?? ''), url);
  }
  const listing = LISTING_ROUTES.get(url.pathname);
  if (listing) {
    return routeListing(state, listing, url);
  }
  const imkit = IMKIT_ROUTE.exec(url.pathname);
  if (imkit) {
    return routeImkit(state, decodeURIComponent(imkit[1] ?? ''), req.headers);
  }
  if (url.pathname === '/v1/usage') {
    return routeMetered(state, req.headers);
  }
  return undefined;
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType ?? 'application/json; charset=utf-8',
    // Set explicitly so a truncated body is a well-framed response that merely holds broken JSON.
    'Content-Length': Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}

function sendAnswer(state: State, res: ServerResponse, routed: Routed, answer: Answer): void {
  if (answer === RESET) {
    res.destroy();
    return;
  }
  const { endpoint, project } = routed;
  if (endpoint === 'streampixel.projects') {
    state.listingRequests += 1;
  }
  state.served.push({ endpoint, project, at: state.now(), status: answer.status, body: answer.body });
  send(res, answer);
}

/** Tracks concurrency and gives the request a signal that fires when its response closes. */
function beginRequest(state: State, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  state.inFlight += 1;
  state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
  res.once('close', () => {
    state.inFlight -= 1;
    controller.abort();
  });
  return controller.signal;
}

/** The Streampixel account a request is for, when it is a GET on a stats or listing route. */
function streampixelUser(req: IncomingMessage, url: URL): string | undefined {
  const streampixel = STREAMPIXEL_ROUTE.test(url.pathname) || LISTING_ROUTES.has(url.pathname);
  return req.method === 'GET' && streampixel ? url.searchParams.get('userId') || undefined : undefined;
}

/** Tracks one account's concurrency from arrival (latency included) until the response closes. */
function beginUserRequest(state: State, res: ServerResponse, userId: string | undefined): void {
  if (userId === undefined) {
    return;
  }
  const inFlight = (state.inFlightByUser.get(userId) ?? 0) + 1;
  state.inFlightByUser.set(userId, inFlight);
  state.maxInFlightByUser.set(userId, Math.max(state.maxInFlightByUser.get(userId) ?? 0, inFlight));
  res.once('close', () => {
    const left = (state.inFlightByUser.get(userId) ?? 1) - 1;
    if (left > 0) {
      state.inFlightByUser.set(userId, left);
    } else {
      state.inFlightByUser.delete(userId);
    }
  });
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const signal = beginRequest(state, res);
  try {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    beginUserRequest(state, res, streampixelUser(req, url));
    if (state.latencyMs > 0) {
      await sleep(state.latencyMs, undefined, { signal });
    }
    const routed = req.method === 'GET' ? route(state, req, url) : undefined;
    if (!routed) {
      send(res, NOT_FOUND);
      return;
    }
    sendAnswer(state, res, routed, await routed.answer(signal));
  } catch (error) {
    // A client that went away mid-wait is expected (timeouts, err-slow): nothing left to answer.
    if (signal.aborted) {
      return;
    }
    if (!res.headersSent) {
      send(res, json(500, { message: `simulator error: ${(error as Error).message}` }));
    }
  }
}

/** Closing twice is harmless: the second call merely finds the server already stopped. */
function isNotRunning(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === 'ERR_SERVER_NOT_RUNNING';
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function baseUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function assertListing(listing: SimulatorListing): void {
  if (listing !== 'both' && listing !== 'paginated-only') {
    throw new RangeError(`listing must be 'both' or 'paginated-only', got "${String(listing)}"`);
  }
}

function assertFailureStatus(status: number | undefined): void {
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
    throw new RangeError(`a listing failure must be an HTTP status in [400, 599], got ${status}`);
  }
}

/**
 * Starts a simulator of the four stats endpoints and the project listings on a loopback interface.
 *
 * @throws if `host` is not a loopback address, an option is out of range, two projects share an id,
 * or the port cannot be bound.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  assertLoopback(host);
  const state: State = {
    credentials: options.credentials ?? DEFAULT_SIMULATOR_CREDENTIALS,
    latencyMs: options.latencyMs ?? 0,
    slowMs: options.slowMs ?? DEFAULT_SLOW_MS,
    now: options.now ?? Date.now,
    served: [],
    inFlight: 0,
    maxInFlight: 0,
    counters: new Map(),
    metered: undefined,
    // Copies, so that addProject never alters the caller's list or the frozen default.
    projects: (options.projects ?? DEFAULT_SIMULATOR_PROJECTS).map((project) => ({ ...project })),
    listing: options.listing ?? 'both',
    listingFailure: undefined,
    listingRequests: 0,
    addedProjects: 0,
    inFlightByUser: new Map(),
    maxInFlightByUser: new Map(),
  };
  assertDelay('latencyMs', state.latencyMs);
  assertDelay('slowMs', state.slowMs);
  assertListing(state.listing);
  assertUniqueIds(state.projects);

  const server = createServer((req, res) => {
    void handle(state, req, res);
  });
  const address = await listen(server, options.port ?? 0, host);

  return {
    url: baseUrl(address),
    served: state.served,
    get maxInFlight() {
      return state.maxInFlight;
    },
    maxInFlightByUser: state.maxInFlightByUser,
    get listingRequests() {
      return state.listingRequests;
    },
    addProject(fields = {}) {
      const fallbackName = `eu-new-${state.addedProjects + 1}`;
      const project = newProject(state.projects, fields, fallbackName, state.now());
      state.addedProjects += 1;
      state.projects.push(project);
      return { ...project };
    },
    failListing(status) {
      assertFailureStatus(status);
      state.listingFailure = status;
    },
    setCredentials(credentials) {
      state.credentials = credentials;
    },
    setLatency(ms) {
      assertDelay('latencyMs', ms);
      state.latencyMs = ms;
    },
    close() {
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error && !isNotRunning(error) ? reject(error) : resolve()));
      });
      server.closeAllConnections();
      return closed;
    },
  };
}

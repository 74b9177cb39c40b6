/**
 * A loopback HTTP simulator of the providers' stats endpoints and project listings (one folder each under
 * `providers/`), so that the collector can be run and tested end to end without real accounts. Figures come
 * from the deterministic curves in `curves.ts`; every documented error and every transport failure is
 * reachable through a reserved project id, app name or key suffix (see README.md).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatorCredentials } from './config.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from './config.js';
import {
  type Answer,
  json,
  NOT_FOUND,
  RESET,
  type Reply,
  type Routed,
  type ServedSample,
  type SimulatorListing,
  type State,
} from './core.js';
import {
  assertUniqueIds,
  DEFAULT_SIMULATOR_PROJECTS,
  LISTING_ENDPOINT,
  newProject,
  SIMULATED_PROVIDERS,
  SIMULATED_TAGS,
  type SimulatedProject,
} from './providers/index.js';

export type { SimulatorCollectorConfig, SimulatorCredentials, SimulatorTarget } from './config.js';
export { DEFAULT_SIMULATOR_CREDENTIALS, simulatorConfig, simulatorSecrets } from './config.js';
export type { ServedSample, SimulatedEndpoint, SimulatorListing } from './core.js';
export { DEFAULT_SIMULATOR_PROJECTS, type SimulatedProject } from './providers/index.js';

const DEFAULT_SLOW_MS = 30_000;

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
  /** The listing account's projects, in listing order. Default {@link DEFAULT_SIMULATOR_PROJECTS}. */
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
   * Highest number of requests handled at once per account, since the start, for the providers that limit
   * requests per account (stats and listings; see `SimulatedProvider.account`); requests naming no account are
   * not counted. A live view.
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
   * Makes both project listings answer `status` (400–599) in their provider's error shape, before any
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

const PROVIDERS = SIMULATED_TAGS.map((tag) => SIMULATED_PROVIDERS[tag]);

/** Maps a request to its route, or undefined for a path the providers do not have. */
function route(state: State, req: IncomingMessage, url: URL): Routed | undefined {
  for (const provider of PROVIDERS) {
    const routed = provider.route(state, req, url);
    if (routed) return routed;
  }
  return undefined;
}

/** The account a request is for, for the providers that limit requests per account. */
function accountOf(req: IncomingMessage, url: URL): string | undefined {
  for (const provider of PROVIDERS) {
    const account = provider.account?.(req, url);
    if (account !== undefined) return account;
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
  if (endpoint === LISTING_ENDPOINT) {
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
    beginUserRequest(state, res, accountOf(req, url));
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
 * Starts a simulator of the providers' stats endpoints and project listings on a loopback interface.
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

/** Streampixel's stats endpoints and its two project listings, as the simulator serves them. */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import {
  answerWithFaults,
  type Dialect,
  json,
  NOT_FOUND,
  type Reply,
  type Routed,
  type Router,
  type State,
} from '../../core.js';
import { liveUsers } from '../../curves.js';
import { parsePageRequest, projectsPageBody, projectsStatusBody } from './listing.js';

/** Sessions a simulated Streampixel project can serve before users queue. */
export const STREAMPIXEL_CAPACITY = 40;

const STREAMPIXEL_MESSAGES: Readonly<Record<number, string>> = {
  400: 'projectId, userId and apikey are required',
  403: 'Access denied',
  404: 'Project not found',
  429: 'Rate limit exceeded. Try again in 2 minutes.',
  500: 'Internal server error',
};

export const STREAMPIXEL: Dialect = {
  error: (status) => json(status, { message: STREAMPIXEL_MESSAGES[status] ?? STATUS_CODES[status] }),
  truncated: '{"liveUser": 3, "queu',
  negative: '{"liveUser": -1, "queueUser": 0}',
  fraction: '{"liveUser": 2.5, "queueUser": 0}',
};

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

function routeStats(state: State, kind: 'liveStats' | 'userStats', projectId: string, url: URL): Routed {
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

const STREAMPIXEL_ROUTE = /^\/pixelStripeApi\/projects\/(liveStats|userStats)\/([^/]+)$/;
/** Exact paths: `projects-status` is a fixed segment, never a stats kind or a project id. */
const LISTING_ROUTES: ReadonlyMap<string, 'projects-status' | 'projects'> = new Map([
  ['/pixelStripeApi/projects', 'projects'],
  ['/pixelStripeApi/projects/projects-status', 'projects-status'],
] as const);

/** The Streampixel account a request is for, when it is a GET on a stats or listing route. */
export function streampixelUser(req: IncomingMessage, url: URL): string | undefined {
  const streampixel = STREAMPIXEL_ROUTE.test(url.pathname) || LISTING_ROUTES.has(url.pathname);
  return req.method === 'GET' && streampixel ? url.searchParams.get('userId') || undefined : undefined;
}

/** liveStats, userStats and both listings. */
export const routeStreampixel: Router = (state, _req, url) => {
  const streampixel = STREAMPIXEL_ROUTE.exec(url.pathname);
  if (streampixel) {
    const kind = streampixel[1] === 'liveStats' ? 'liveStats' : 'userStats';
    return routeStats(state, kind, decodeURIComponent(streampixel[2] ?? ''), url);
  }
  const listing = LISTING_ROUTES.get(url.pathname);
  return listing ? routeListing(state, listing, url) : undefined;
};

/** IMKit's connection-count endpoint, as the simulator serves it under `/imkit/{app}`. */

import type { IncomingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import {
  type Answer,
  answerWithFaults,
  type Dialect,
  header,
  json,
  type Reply,
  type Routed,
  type Router,
  type State,
} from '../../core.js';
import { demandAt } from '../../curves.js';

/** Typical weekday evening peak of an IMKit app's WebSocket connections. */
export const IMKIT_TYPICAL_PEAK = 1800;

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

const IMKIT: Dialect = {
  // IMKit documents bodies for 401 and 403 only; other statuses keep its RC/RM envelope.
  error: (status) =>
    status === 403 ? IMKIT_FORBIDDEN : json(status, { RC: status, RM: STATUS_CODES[status] }),
  truncated: '{"RC":0,"RM":"OK","result":{"cou',
  negative: '{"RC":0,"RM":"OK","result":{"count":-1}}',
  fraction: '{"RC":0,"RM":"OK","result":{"count":2.5}}',
};

function imkitCount(state: State, app: string): Reply {
  const count = demandAt(`imkit:${app}`, state.now(), IMKIT_TYPICAL_PEAK);
  return json(200, { RC: 0, RM: 'OK', result: { count } });
}

function routeApp(state: State, app: string, headers: IncomingHttpHeaders): Routed {
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

const IMKIT_ROUTE = /^\/imkit\/([^/]+)\/admin\/connection-count$/;

export const routeImkit: Router = (state, req, url) => {
  const imkit = IMKIT_ROUTE.exec(url.pathname);
  return imkit ? routeApp(state, decodeURIComponent(imkit[1] ?? ''), req.headers) : undefined;
};

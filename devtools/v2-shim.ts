import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { listenOnLoopback } from './ports.js';

const gunzipAsync = promisify(gunzip);

/** One request the shim received, with its body decoded (gunzipped when it was gzip). */
export interface ShimRequest {
  /** Path with query string, as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  gzipped: boolean;
  body: string;
  /** Status the shim answered. */
  status: number;
}

/** A loopback InfluxDB v2 write API in front of an InfluxDB 1.x server. */
export interface V2Shim {
  /** Base URL to give a v2 client, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request received, in order. */
  requests: ShimRequest[];
  /**
   * Makes the next write requests fail in turn without forwarding them: a number answers that status, `reset`
   * destroys the connection, `stall` never answers (for 30 s, or until `close()`).
   */
  failNext(faults: Array<WriteFault>): void;
  close(): Promise<void>;
}

/** An injected failure of one write request. */
export type WriteFault = number | 'reset' | 'stall';

/** How long a `stall` holds a request before answering 503: longer than any client timeout under test. */
const STALL_MS = 30_000;

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** v2 names precisions by unit; 1.x by letter. 1.6.7 accepts `us` but silently treats it as ns. */
const PRECISIONS: Record<string, string> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };

/**
 * Starts a loopback server that accepts InfluxDB v2 writes (`POST /api/v2/write?org&bucket=db[/rp]&precision`)
 * and forwards them to the 1.x `POST {influxUrl}/write?db&rp&precision`, answering with InfluxDB's status and body.
 *
 * An `Authorization: Token user:pass` header becomes the `u`/`p` query parameters of 1.x; other tokens are dropped.
 * When InfluxDB cannot be reached the shim answers 503, as a v2 server behind a proxy would.
 * Also serves `GET /ping` (forwarded) and `GET /health` (always passing).
 */
export async function startV2Shim(influxUrl: string): Promise<V2Shim> {
  const requests: ShimRequest[] = [];
  const injected: WriteFault[] = [];
  const stalls = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const fault = req.method === 'POST' && req.url?.startsWith('/api/v2/write') ? injected[0] : undefined;
    if (fault === 'reset' || fault === 'stall') {
      injected.shift();
      void decode(req).then((decoded) => {
        requests.push({ ...decoded.request, status: 0 });
        if (fault === 'reset') {
          req.socket.destroy();
          return;
        }
        const timer = setTimeout(() => {
          stalls.delete(timer);
          send(res, jsonReply(503, 'unavailable', 'stalled'));
        }, STALL_MS);
        stalls.add(timer);
      });
      return;
    }
    void decode(req)
      .then(async (decoded) => {
        const reply = await route(req, decoded, influxUrl, injected);
        requests.push({ ...decoded.request, status: reply.status });
        send(res, reply);
      })
      .catch((error: unknown) =>
        send(res, jsonReply(500, 'internal error', `shim failed: ${String(error)}`)),
      );
  });

  const url = await listenOnLoopback(server);

  return {
    url,
    requests,
    failNext(faults) {
      injected.push(...faults);
    },
    close() {
      for (const timer of stalls) clearTimeout(timer);
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of clients would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

interface Decoded {
  request: Omit<ShimRequest, 'status'>;
  /** Why the body could not be decoded (bad gzip), if it could not. */
  error?: string;
}

async function decode(req: IncomingMessage): Promise<Decoded> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const gzipped = (req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
  const request = { path: req.url ?? '/', headers: { ...req.headers }, gzipped, body: '' };
  if (!gzipped) return { request: { ...request, body: raw.toString('utf8') } };
  try {
    return { request: { ...request, body: (await gunzipAsync(raw)).toString('utf8') } };
  } catch (error) {
    return { request, error: `cannot gunzip body: ${String(error)}` };
  }
}

async function route(
  req: IncomingMessage,
  decoded: Decoded,
  influxUrl: string,
  injected: WriteFault[],
): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://shim');
  const target = `${req.method} ${url.pathname}`;
  if (target === 'POST /api/v2/write') return write(decoded, url.searchParams, influxUrl, injected);
  if (target === 'GET /ping' || target === 'HEAD /ping') {
    return forward(`${influxUrl}/ping`, { method: req.method ?? 'GET' });
  }
  if (target === 'GET /health') {
    return { status: 200, headers: JSON_TYPE, body: JSON.stringify({ name: 'influxdb', status: 'pass' }) };
  }
  return jsonReply(404, 'not found', `${target} is not served by the v2 shim`);
}

async function write(
  decoded: Decoded,
  params: URLSearchParams,
  influxUrl: string,
  injected: WriteFault[],
): Promise<Reply> {
  if (decoded.error !== undefined) return jsonReply(400, 'invalid', decoded.error);

  // Injected faults come first so that a test controls exactly which attempts fail.
  const status = injected.shift();
  if (typeof status === 'number') return jsonReply(status, 'unavailable', 'injected');

  const target = writeUrl(params, decoded.request.headers.authorization as string | undefined, influxUrl);
  if (typeof target !== 'string') return target;
  return forward(target, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: decoded.request.body,
  });
}

/** Builds the 1.x `/write` URL, or a 400 reply when the v2 parameters cannot be mapped. */
function writeUrl(
  params: URLSearchParams,
  authorization: string | undefined,
  influxUrl: string,
): string | Reply {
  const bucket = params.get('bucket');
  if (!bucket) return jsonReply(400, 'invalid', 'bucket is required');
  const v2Precision = params.get('precision') ?? 'ns';
  const precision = PRECISIONS[v2Precision];
  if (precision === undefined) return jsonReply(400, 'invalid', `unknown precision ${v2Precision}`);

  const slash = bucket.indexOf('/');
  const target = new URLSearchParams({ db: slash < 0 ? bucket : bucket.slice(0, slash), precision });
  if (slash >= 0) target.set('rp', bucket.slice(slash + 1));

  const credentials = tokenCredentials(authorization);
  if (credentials !== undefined) {
    target.set('u', credentials.username);
    target.set('p', credentials.password);
  }
  return `${influxUrl}/write?${target}`;
}

/** The 1.x compatibility convention: a v2 token of the form `user:pass`. */
function tokenCredentials(
  authorization: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^Token (.*)$/i.exec(authorization ?? '');
  const token = match?.[1];
  if (token === undefined) return undefined;
  const colon = token.indexOf(':');
  if (colon < 0) return undefined;
  return { username: token.slice(0, colon), password: token.slice(colon + 1) };
}

async function forward(url: string, init: RequestInit): Promise<Reply> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return jsonReply(503, 'unavailable', `InfluxDB unreachable: ${String(error)}`);
  }
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'x-influxdb-version', 'x-influxdb-build', 'x-influxdb-error']) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: response.status, headers, body: await response.text() };
}

function jsonReply(status: number, code: string, message: string): Reply {
  return { status, headers: JSON_TYPE, body: JSON.stringify({ code, message }) };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  res.writeHead(reply.status, reply.headers);
  // 204 and 304 must not carry a body.
  res.end(reply.status === 204 || reply.status === 304 ? undefined : reply.body);
}

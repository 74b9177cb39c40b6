import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ProviderRequest, ProviderResponse, ResponseHeaders } from '../providers/types.js';
import { BodyEncodingError, decodeBody } from './decode.js';

/** Why a request produced no readable HTTP answer. */
export type TransportFailureKind = 'timeout' | 'network' | 'too_large' | 'not_utf8' | 'bad_encoding';

/** A request that got no usable answer: no status, or a body we refuse to read. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportFailureKind,
    message: string,
    /** The status line, when the failure came after it (an oversized or undecodable body). */
    readonly httpStatus = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface GetOptions {
  /** Milliseconds for the whole exchange, body included. */
  timeoutMs: number;
  /** Bytes of body read at most; a stats answer is a few hundred bytes, so a huge one is not one. @default 1 MiB */
  maxBytes?: number;
  /** Aborts the request early, e.g. when the run's deadline passes. */
  signal?: AbortSignal;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

// `node:http` rather than `fetch`: `npm run bench` measured undici's streams and signals at a third of a run's CPU
// and 30 MB of resident memory. Keep-alive agents reuse connections across samples, slots and warm invocations;
// a socket that went stale while Lambda froze fails as a network error, which is retried.
const AGENT_OPTIONS = {
  keepAlive: true,
  keepAliveMsecs: 1_000,
  maxSockets: 256,
  scheduling: 'lifo',
} as const;
const httpAgent = new HttpAgent(AGENT_OPTIONS);
const httpsAgent = new HttpsAgent(AGENT_OPTIONS);

/**
 * GETs a provider URL. Redirects are not followed (a stats endpoint that redirects is misconfigured: the status
 * is classified like any other). Error messages never contain the URL: some providers carry the key in its query.
 *
 * Per request it costs one timer and one entry in its signal's set: no `AbortSignal.timeout`/`any`, no stream
 * iterator, no `Headers` (a profile of a tick had them at a fifth of its CPU).
 */
export function httpGet(request: ProviderRequest, options: GetOptions): Promise<ProviderResponse> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const https = request.url.protocol === 'https:';
  return new Promise<ProviderResponse>((resolve, reject) => {
    let status = 0;
    let timedOut = false;
    let settled = false;
    const outgoing = (https ? httpsRequest : httpRequest)(request.url, {
      method: 'GET',
      headers: request.headers,
      agent: https ? httpsAgent : httpAgent,
    });
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      if (options.signal) untrack(options.signal, outgoing);
    };
    const fail = (cause: unknown): void => {
      if (settled) return;
      finish();
      outgoing.destroy();
      if (cause instanceof TransportError) reject(cause);
      else if (options.signal?.aborted && !timedOut) reject(abandoned(cause, status));
      else reject(transportErrorOf(cause, timedOut, options.timeoutMs, status));
    };
    const timer = setTimeout(() => {
      timedOut = true;
      fail(new Error('timeout'));
    }, options.timeoutMs);
    if (options.signal) {
      if (options.signal.aborted) {
        fail(abortedError());
        return;
      }
      track(options.signal, outgoing, fail);
    }
    outgoing.on('response', (response) => {
      status = response.statusCode ?? 0;
      readCapped(response, maxBytes, fail, (bytes) => {
        decodedBody(bytes, response, maxBytes)
          .then((decoded) => {
            const body = decodeUtf8(decoded, status);
            if (settled) return;
            finish();
            resolve({ status, headers: headersOf(response), body });
          })
          .catch(fail);
      });
    });
    outgoing.on('error', fail);
    outgoing.end();
  });
}

/** Requests in flight per caller's signal: one `abort` listener per signal, not one per request. */
const inFlight = new WeakMap<AbortSignal, Map<ClientRequest, (cause: unknown) => void>>();

function track(signal: AbortSignal, outgoing: ClientRequest, fail: (cause: unknown) => void): void {
  let requests = inFlight.get(signal);
  if (!requests) {
    const tracked = new Map<ClientRequest, (cause: unknown) => void>();
    requests = tracked;
    inFlight.set(signal, tracked);
    signal.addEventListener(
      'abort',
      () => {
        for (const abort of [...tracked.values()]) abort(abortedError());
      },
      { once: true },
    );
  }
  requests.set(outgoing, fail);
}

function untrack(signal: AbortSignal, outgoing: ClientRequest): void {
  inFlight.get(signal)?.delete(outgoing);
}

function abortedError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** Cut short by the caller (the run's deadline, or a stop), not by this request's own timeout. */
function abandoned(cause: unknown, status: number): TransportError {
  return new TransportError('timeout', 'request abandoned: the run stopped sampling', status, { cause });
}

function transportErrorOf(
  cause: unknown,
  timedOut: boolean,
  timeoutMs: number,
  status: number,
): TransportError {
  if (timedOut) {
    return new TransportError('timeout', `no complete answer within ${timeoutMs} ms`, status, { cause });
  }
  return new TransportError('network', `connection failed (${networkCodeOf(cause)})`, status, { cause });
}

/** The socket error's code (ECONNRESET, ECONNREFUSED…), else its message: neither carries the URL. */
function networkCodeOf(error: unknown): string {
  let current: unknown = error;
  let innermost = 'unknown error';
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    if (current instanceof Error && current.message !== '') innermost = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error && error.name === 'AbortError' ? 'aborted' : innermost;
}

/** The body with its `Content-Encoding` undone, within the same size limit. */
async function decodedBody(bytes: Buffer, response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  try {
    return await decodeBody(bytes, response.headers['content-encoding'], maxBytes);
  } catch (error) {
    if (!(error instanceof BodyEncodingError)) throw error;
    const kind = error.reason === 'too_large' ? 'too_large' : 'bad_encoding';
    throw new TransportError(kind, error.message, response.statusCode, { cause: error });
  }
}

/** Reads the body with events (no async iterator per response), up to `maxBytes`. */
function readCapped(
  response: IncomingMessage,
  maxBytes: number,
  fail: (cause: unknown) => void,
  done: (bytes: Buffer) => void,
): void {
  const declared = Number(response.headers['content-length']);
  if (declared > maxBytes) {
    response.destroy();
    fail(
      new TransportError('too_large', `body of ${declared} bytes exceeds ${maxBytes}`, response.statusCode),
    );
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > maxBytes) {
      // Stop reading: the rest of a runaway body is not worth the memory or the time.
      response.destroy();
      fail(new TransportError('too_large', `body exceeds ${maxBytes} bytes`, response.statusCode));
      return;
    }
    chunks.push(chunk);
  });
  response.on('end', () => {
    if (!response.complete) {
      fail(new TransportError('network', 'connection closed mid-body', response.statusCode));
      return;
    }
    done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  });
  response.on('error', fail);
}

/** The response headers as adapters read them, straight from Node's parsed headers. */
function headersOf(response: IncomingMessage): ResponseHeaders {
  return {
    get(name) {
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array, status: number): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch (cause) {
    throw new TransportError('not_utf8', 'body is not valid UTF-8', status, { cause });
  }
}

import type { ProviderRequest, ProviderResponse, ResponseHeaders } from '../providers/types.js';
import { type Connection, ConnectionPool } from './connections.js';
import { BodyEncodingError, decodeBody } from './decode.js';
import { type ParsedResponse, ResponseParseError, ResponseParser } from './response-parser.js';

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

// A GET over pooled keep-alive sockets, not `node:http` or undici: measured for `npm run bench`'s peer section,
// `node:http` alone cost about collectd's whole CPU per sample and undici's dispatch three quarters of that,
// while a GET written on the socket costs about a quarter (docs/performance.md). The provider endpoints need
// nothing more than HTTP/1.1 GET with fixed headers.
const pool = new ConnectionPool();

/** A header name as RFC 9110 allows it, and a value without CR, LF or NUL (which would split the request). */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * GETs a provider URL. Redirects are not followed (a stats endpoint that redirects is misconfigured: the status
 * is classified like any other). Error messages never contain the URL: some providers carry the key in its query.
 *
 * Per request it costs one timer, one string written to a pooled socket, and one entry in its signal's set. A
 * reused connection that the server closed while it was idle is replaced once, transparently: nothing of the
 * request reached the server, and a GET may be sent again.
 */
export function httpGet(request: ProviderRequest, options: GetOptions): Promise<ProviderResponse> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  return new Promise<ProviderResponse>((resolve, reject) => {
    // Inside the executor: a header that would split the request rejects, it does not throw.
    const head = headOf(request);
    let settled = false;
    let timedOut = false;
    let status = 0;
    let connection: Connection | undefined;
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      if (options.signal) untrack(options.signal, fail);
    };
    const fail = (cause: unknown): void => {
      if (settled) return;
      finish();
      connection?.destroy();
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
      track(options.signal, fail);
    }
    const succeed = (parsed: ParsedResponse): void => {
      status = parsed.status;
      connection?.release(parsed.reusable);
      connection = undefined;
      const encoding = parsed.headers.get('content-encoding');
      if (encoding === undefined) {
        deliver(parsed.body, parsed);
        return;
      }
      decodedBody(parsed.body, encoding, parsed.status, maxBytes)
        .then((decoded) => deliver(decoded, parsed))
        .catch(fail);
    };
    const deliver = (bytes: Buffer, parsed: ParsedResponse): void => {
      if (settled) return;
      try {
        const body = decodeUtf8(bytes, parsed.status);
        finish();
        resolve({ status: parsed.status, headers: headersOf(parsed.headers), body });
      } catch (error) {
        fail(error);
      }
    };
    const send = (): void => {
      const held = pool.acquire(request.url);
      connection = held;
      const parser = new ResponseParser(maxBytes);
      held.exchange = {
        data(chunk) {
          try {
            const parsed = parser.push(chunk);
            if (parsed) succeed(parsed);
          } catch (error) {
            fail(parseFailure(error));
          }
        },
        closed(error) {
          connection = undefined;
          if (settled) return;
          if (held.reused && !parser.started) {
            send();
            return;
          }
          if (error) {
            fail(error);
            return;
          }
          try {
            succeed(parser.end());
          } catch (failure) {
            fail(parseFailure(failure));
          }
        },
      };
      held.socket.write(head, 'latin1');
    };
    send();
  });
}

/** Request heads already written: a run hands the same request object to every sample of its target. */
const heads = new WeakMap<ProviderRequest, string>();

function headOf(request: ProviderRequest): string {
  let head = heads.get(request);
  if (head === undefined) {
    head = requestHead(request);
    heads.set(request, head);
  }
  return head;
}

/** The request's head: `Host`, the caller's headers, keep-alive. Throws on a header that would split it. */
function requestHead({ url, headers }: ProviderRequest): string {
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const name in headers) {
    const value = headers[name] as string;
    if (!FIELD_NAME.test(name) || !FIELD_VALUE.test(value)) {
      throw new TypeError(`invalid character in the header ${JSON.stringify(name)} of a request`);
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}Connection: keep-alive\r\n\r\n`;
}

/** The parser's refusal as the transport failure it is. */
function parseFailure(error: unknown): unknown {
  if (!(error instanceof ResponseParseError)) return error;
  const kind = error.reason === 'too_large' ? 'too_large' : 'network';
  return new TransportError(kind, error.message, error.status, { cause: error });
}

/** Requests in flight per caller's signal: one `abort` listener per signal, not one per request. */
const inFlight = new WeakMap<AbortSignal, Set<(cause: unknown) => void>>();

function track(signal: AbortSignal, fail: (cause: unknown) => void): void {
  let requests = inFlight.get(signal);
  if (!requests) {
    const tracked = new Set<(cause: unknown) => void>();
    requests = tracked;
    inFlight.set(signal, tracked);
    signal.addEventListener(
      'abort',
      () => {
        for (const abort of [...tracked]) abort(abortedError());
      },
      { once: true },
    );
  }
  requests.add(fail);
}

function untrack(signal: AbortSignal, fail: (cause: unknown) => void): void {
  inFlight.get(signal)?.delete(fail);
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
async function decodedBody(
  bytes: Buffer,
  encoding: string,
  status: number,
  maxBytes: number,
): Promise<Buffer> {
  try {
    return await decodeBody(bytes, encoding, maxBytes);
  } catch (error) {
    if (!(error instanceof BodyEncodingError)) throw error;
    const kind = error.reason === 'too_large' ? 'too_large' : 'bad_encoding';
    throw new TransportError(kind, error.message, status, { cause: error });
  }
}

/** The response headers as adapters read them, straight from the parsed fields. */
function headersOf(fields: Map<string, string>): ResponseHeaders {
  return {
    get(name) {
      return fields.get(name.toLowerCase()) ?? null;
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

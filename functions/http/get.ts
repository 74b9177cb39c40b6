import type { ProviderRequest, ProviderResponse } from '../providers/types.js';

/** Why a request produced no readable HTTP answer. */
export type TransportFailureKind = 'timeout' | 'network' | 'too_large' | 'not_utf8';

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

/**
 * GETs a provider URL. The error messages never contain the URL: Streampixel's `userStats` carries its key there.
 */
export async function httpGet(request: ProviderRequest, options: GetOptions): Promise<ProviderResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response: Response;
  try {
    response = await fetch(request.url, { headers: request.headers, signal, redirect: 'error' });
  } catch (cause) {
    throw transportErrorOf(cause, timeout, options.timeoutMs, 0);
  }
  try {
    const bytes = await readCapped(response, options.maxBytes ?? DEFAULT_MAX_BODY_BYTES);
    return { status: response.status, headers: response.headers, body: decodeUtf8(bytes, response.status) };
  } catch (cause) {
    if (cause instanceof TransportError) throw cause;
    throw transportErrorOf(cause, timeout, options.timeoutMs, response.status);
  }
}

function transportErrorOf(
  cause: unknown,
  timeout: AbortSignal,
  timeoutMs: number,
  status: number,
): TransportError {
  if (timeout.aborted) {
    return new TransportError('timeout', `no complete answer within ${timeoutMs} ms`, status, { cause });
  }
  const code = networkCodeOf(cause);
  return new TransportError('network', `connection failed (${code})`, status, { cause });
}

/**
 * undici hides the socket error in `cause`: its code (ECONNRESET, ECONNREFUSED…) is the useful part, or else
 * the innermost message (fetch refuses some ports outright: "bad port"). Neither carries the URL.
 */
function networkCodeOf(error: unknown): string {
  let current: unknown = error;
  let innermost = 'unknown error';
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    if (current instanceof Error && depth > 0 && current.message !== '') innermost = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error && error.name === 'AbortError' ? 'aborted' : innermost;
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body.cancel();
    throw new TransportError('too_large', `body of ${declared} bytes exceeds ${maxBytes}`, response.status);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      // Stop reading: the rest of a runaway body is not worth the memory or the time.
      throw new TransportError('too_large', `body exceeds ${maxBytes} bytes`, response.status);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array, status: number): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch (cause) {
    throw new TransportError('not_utf8', 'body is not valid UTF-8', status, { cause });
  }
}

import * as z from 'zod';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../time/units.js';
import type { Outcome } from './outcome.js';
import type { Failure, ParseResult, ProviderResponse, ResponseHeaders, Sample } from './types.js';

const MAX_MESSAGE_LENGTH = 160;

/**
 * The one list that turns an HTTP status into an outcome and a retry decision.
 * 400 means our request lacked something the provider needs: a configuration problem, not worth retrying.
 */
export function outcomeOfStatus(status: number): { outcome: Outcome; retryable: boolean } {
  if (status === 401 || status === 403) return { outcome: 'auth', retryable: false };
  if (status === 404) return { outcome: 'not_found', retryable: false };
  // A 429 is never retried inside a sample: that is the tight loop fair-use throttling punishes.
  if (status === 429) return { outcome: 'rate_limited', retryable: false };
  if (status === 400) return { outcome: 'config', retryable: false };
  if (status >= 500) return { outcome: 'upstream', retryable: true };
  if (status >= 400) return { outcome: 'upstream', retryable: false };
  return { outcome: 'bad_response', retryable: false };
}

/**
 * Collapses white space and cuts a provider's message to a length fit for a field value. Only for text already
 * scrubbed: a credential with two spaces, or one straddling the cut, would no longer be recognised.
 */
export function shortMessage(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= MAX_MESSAGE_LENGTH) return flat;
  // Cut between whole characters: half a surrogate pair is not text.
  const characters = Array.from(flat.slice(0, MAX_MESSAGE_LENGTH));
  if (characters.join('').length > MAX_MESSAGE_LENGTH - 1) characters.pop();
  return `${characters.join('')}…`;
}

const RETRY_IN_WORDS = /try again in (\d+) (second|minute|hour)s?/i;
/** A provider's hint is believed up to an hour: a longer (or absurd) one would silence a target for good. */
export const MAX_RETRY_AFTER_MS = HOUR_MS;
const WORD_MS = { second: SECOND_MS, minute: MINUTE_MS, hour: HOUR_MS } as const;

/**
 * How long a provider asked us to wait: `Retry-After` (seconds or an HTTP date) first, then a sentence
 * such as Streampixel's "Try again in 2 minutes.", which is its only hint when the header is missing.
 */
export function retryAfterMs(
  headers: ResponseHeaders,
  message: string,
  now = Date.now(),
): number | undefined {
  const wait = hintedWaitMs(headers, message, now);
  return wait === undefined ? undefined : Math.min(wait, MAX_RETRY_AFTER_MS);
}

function hintedWaitMs(headers: ResponseHeaders, message: string, now: number): number | undefined {
  const header = headers.get('retry-after')?.trim();
  if (header) {
    if (/^\d+$/.test(header)) return Number(header) * 1_000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const words = RETRY_IN_WORDS.exec(message);
  if (words) {
    const unit = (words[2] as string).toLowerCase() as keyof typeof WORD_MS;
    return Number(words[1]) * WORD_MS[unit];
  }
  return undefined;
}

/**
 * The one place that turns a missing or unreadable answer into an outcome and a retry decision: timeouts and
 * broken connections may pass, an oversized or undecodable body will not.
 */
export function failureOfTransport(error: {
  kind: 'timeout' | 'network' | 'too_large' | 'not_utf8' | 'bad_encoding';
  httpStatus: number;
  message: string;
}): Failure {
  const { message } = error;
  switch (error.kind) {
    case 'timeout':
      return { outcome: 'timeout', httpStatus: error.httpStatus, message, retryable: true };
    case 'network':
      return { outcome: 'upstream', httpStatus: 0, message, retryable: true };
    default:
      return { outcome: 'bad_response', httpStatus: error.httpStatus, message, retryable: false };
  }
}

/** A failure of a response that arrived but cannot be read as the documented shape. */
export function badResponse(status: number, message: string): Failure {
  return { outcome: 'bad_response', httpStatus: status, message, retryable: false };
}

/** A failure of a non-2xx answer, with the provider's own words where it gave any. */
export function failureFromStatus(response: ProviderResponse, message: string): Failure {
  const { outcome, retryable } = outcomeOfStatus(response.status);
  const failure: Failure = {
    outcome,
    httpStatus: response.status,
    message: `HTTP ${response.status}: ${message}`,
    retryable,
  };
  const wait = retryAfterMs(response.headers, message);
  if (wait !== undefined) failure.retryAfterMs = wait;
  return failure;
}

/** Reads a JSON body, or says why it is not one (a proxy's HTML page, a truncated body). */
export function parseJson(body: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    const start = body.trimStart().slice(0, 1);
    const reason =
      start === '<'
        ? 'body is HTML, not JSON'
        : body.trim() === ''
          ? 'body is empty'
          : start === '{' || start === '['
            ? 'body is truncated or malformed JSON'
            : 'body is not JSON';
    return { ok: false, reason };
  }
}

/** The words of a JSON error body: `message`, IMKit's `RM`/`error.code`, Metered's `error`. */
export function errorMessageOf(body: string): string {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed.reason;
  const value = parsed.value as Record<string, unknown> | null;
  if (value && typeof value === 'object') {
    const nested = value.error as Record<string, unknown> | string | undefined;
    const parts = [
      value.message,
      value.RM,
      typeof nested === 'string' ? nested : nested?.code,
      typeof nested === 'object' ? nested?.message : undefined,
    ].filter((part): part is string => typeof part === 'string' && part !== '');
    if (parts.length > 0) return parts.join(': ');
  }
  return 'no error message in body';
}

/** A count of users or messages: a non-negative integer that survives the trip through a double. */
export const countSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Describes the first way a body missed its schema, by path, without echoing the body. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected shape';
  const path = issue.path.length > 0 ? issue.path.join('.') : 'body';
  return `${path}: ${issue.message}`;
}

/** A 2xx JSON body that matches `schema`, or the classified failure of anything else. */
export function readBody<T extends z.ZodType>(
  response: ProviderResponse,
  schema: T,
): { ok: true; body: z.output<T> } | { ok: false; failure: Failure } {
  if (response.status < 200 || response.status > 299) {
    return { ok: false, failure: failureFromStatus(response, errorMessageOf(response.body)) };
  }
  const json = parseJson(response.body);
  if (!json.ok) return { ok: false, failure: badResponse(response.status, json.reason) };
  const checked = schema.safeParse(json.value);
  if (!checked.success) {
    return { ok: false, failure: badResponse(response.status, describeIssues(checked.error)) };
  }
  return { ok: true, body: checked.data };
}

/**
 * The common shape of every adapter's `parse`: non-2xx becomes a classified failure, a 2xx body must be
 * JSON matching `schema`, and `toSample` maps it (or reports a provider-level failure such as IMKit's RC).
 */
export function parseWith<T extends z.ZodType>(
  response: ProviderResponse,
  schema: T,
  toSample: (body: z.output<T>) => Sample | Failure,
): ParseResult {
  const read = readBody(response, schema);
  if (!read.ok) return read;
  const mapped = toSample(read.body);
  return 'outcome' in mapped ? { ok: false, failure: mapped } : { ok: true, sample: mapped };
}

/** Joins a base URL (which may carry a path, e.g. a proxy prefix) and an endpoint path. */
export function joinUrl(baseUrl: string, path: string): URL {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new URL(path.replace(/^\//, ''), base);
}

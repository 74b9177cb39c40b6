import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  badResponse,
  countSchema,
  errorMessageOf,
  failureFromStatus,
  joinUrl,
  outcomeOfStatus,
  parseJson,
  parseWith,
  retryAfterMs,
  shortMessage,
} from '../../../functions/providers/failures.js';
import { OUTCOMES } from '../../../functions/providers/outcome.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function response(status: number, body: string, headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers), body };
}

describe('outcomeOfStatus', () => {
  const table: [number, string, boolean][] = [
    [400, 'config', false],
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'not_found', false],
    [405, 'upstream', false],
    [408, 'upstream', false],
    [409, 'upstream', false],
    [422, 'upstream', false],
    // Never retried inside a sample: a tighter loop is exactly what fair-use throttling punishes.
    [429, 'rate_limited', false],
    [500, 'upstream', true],
    [502, 'upstream', true],
    [503, 'upstream', true],
    [504, 'upstream', true],
    [599, 'upstream', true],
    [200, 'bad_response', false],
    [204, 'bad_response', false],
    [301, 'bad_response', false],
    [304, 'bad_response', false],
  ];

  for (const [status, outcome, retryable] of table) {
    it(`${status} → ${outcome}${retryable ? ', retryable' : ''}`, () => {
      expect(outcomeOfStatus(status)).toEqual({ outcome, retryable });
    });
  }

  it('only ever answers outcomes of the data contract', () => {
    for (let status = 100; status < 600; status++) {
      expect(OUTCOMES).toContain(outcomeOfStatus(status).outcome);
    }
  });
});

describe('retryAfterMs', () => {
  it('reads Retry-After in seconds', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '120' }), '', NOW)).toBe(120_000);
    expect(retryAfterMs(new Headers({ 'Retry-After': ' 7 ' }), '', NOW)).toBe(7_000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0' }), '', NOW)).toBe(0);
  });

  it('reads Retry-After as an HTTP date, relative to now', () => {
    const headers = new Headers({ 'retry-after': new Date(NOW + 90_000).toUTCString() });
    expect(retryAfterMs(headers, '', NOW)).toBe(90_000);
  });

  it('never answers a negative wait for an HTTP date in the past', () => {
    const headers = new Headers({ 'retry-after': new Date(NOW - 90_000).toUTCString() });
    expect(retryAfterMs(headers, '', NOW)).toBe(0);
  });

  it("reads Streampixel's sentence when the header is missing", () => {
    const headers = new Headers();
    expect(retryAfterMs(headers, 'Rate limit exceeded. Try again in 2 minutes.', NOW)).toBe(120_000);
    expect(retryAfterMs(headers, 'Try again in 1 minute.', NOW)).toBe(60_000);
    expect(retryAfterMs(headers, 'try again in 30 seconds', NOW)).toBe(30_000);
    expect(retryAfterMs(headers, 'Try again in 1 hour.', NOW)).toBe(3_600_000);
  });

  it('prefers the header over the sentence', () => {
    const headers = new Headers({ 'retry-after': '30' });
    expect(retryAfterMs(headers, 'Rate limit exceeded. Try again in 2 minutes.', NOW)).toBe(30_000);
  });

  it('falls back to the sentence when the header is unreadable', () => {
    const headers = new Headers({ 'retry-after': 'soon' });
    expect(retryAfterMs(headers, 'Try again in 2 minutes.', NOW)).toBe(120_000);
  });

  it('answers undefined when nothing says how long to wait', () => {
    expect(retryAfterMs(new Headers(), 'Rate limit exceeded.', NOW)).toBeUndefined();
    expect(retryAfterMs(new Headers(), 'Try again later.', NOW)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), '', NOW)).toBeUndefined();
  });
});

describe('errorMessageOf', () => {
  it("reads Streampixel's {message}", () => {
    expect(errorMessageOf('{"message":"Invalid User"}')).toBe('Invalid User');
  });

  it("reads IMKit's RM, error.code and error.message", () => {
    const body =
      '{"RC":401,"RM":"Unauthorized","error":{"code":"INVALID_API_KEY","message":"Invalid or missing API key"}}';
    expect(errorMessageOf(body)).toBe('Unauthorized: INVALID_API_KEY: Invalid or missing API key');
  });

  it("reads IMKit's bare envelope", () => {
    expect(errorMessageOf('{"RC":404,"RM":"Not Found"}')).toBe('Not Found');
  });

  it("reads Metered's {error} string", () => {
    expect(errorMessageOf('{"error":"unauthorized"}')).toBe('unauthorized');
    expect(errorMessageOf('{"error":"internal_error"}')).toBe('internal_error');
  });

  it('joins a message and an error code', () => {
    expect(errorMessageOf('{"error":"unauthorized","message":"sk_ missing"}')).toBe(
      'sk_ missing: unauthorized',
    );
  });

  it('says why a body is not JSON instead of echoing it', () => {
    expect(errorMessageOf('<html><body>Bad Gateway</body></html>')).toBe('body is HTML, not JSON');
    expect(errorMessageOf('  \n<!DOCTYPE html>')).toBe('body is HTML, not JSON');
    expect(errorMessageOf('')).toBe('body is empty');
    expect(errorMessageOf('   ')).toBe('body is empty');
    expect(errorMessageOf('{"message": "Inval')).toBe('body is truncated or malformed JSON');
    expect(errorMessageOf('Bad Gateway')).toBe('body is not JSON');
  });

  it('says so when a JSON body carries no words', () => {
    for (const body of [
      '{}',
      'null',
      '[]',
      '42',
      '"text"',
      '{"message":""}',
      '{"message":42}',
      '{"error":{}}',
    ]) {
      expect(errorMessageOf(body), body).toBe('no error message in body');
    }
  });
});

describe('parseJson', () => {
  it('reads JSON, including a bare null', () => {
    expect(parseJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJson('null')).toEqual({ ok: true, value: null });
  });

  it('turns 1e400 into Infinity, which the count schema then refuses', () => {
    const parsed = parseJson('1e400');
    expect(parsed).toEqual({ ok: true, value: Number.POSITIVE_INFINITY });
    expect(countSchema.safeParse(Number.POSITIVE_INFINITY).success).toBe(false);
  });
});

describe('countSchema', () => {
  it('accepts non-negative safe integers only', () => {
    for (const good of [0, 1, 1523, Number.MAX_SAFE_INTEGER])
      expect(countSchema.safeParse(good).success).toBe(true);
    for (const bad of [-1, 2.5, 2 ** 60, Number.NaN, '7', null]) {
      expect(countSchema.safeParse(bad).success, String(bad)).toBe(false);
    }
  });
});

describe('shortMessage', () => {
  it('collapses white space', () => {
    expect(shortMessage('  a\n\tb   c ')).toBe('a b c');
  });

  it('cuts a long message to 160 characters, ending with an ellipsis', () => {
    const cut = shortMessage('x'.repeat(500));
    expect(cut).toHaveLength(160);
    expect(cut.endsWith('…')).toBe(true);
    expect(shortMessage('y'.repeat(160))).toBe('y'.repeat(160));
  });
});

describe('failureFromStatus and badResponse', () => {
  it('prefixes the status and carries the retry decision and the wait', () => {
    const failure = failureFromStatus(
      response(429, '', { 'retry-after': '120' }),
      'Rate limit exceeded. Try again in 2 minutes.',
    );
    expect(failure).toEqual({
      outcome: 'rate_limited',
      httpStatus: 429,
      message: 'HTTP 429: Rate limit exceeded. Try again in 2 minutes.',
      retryable: false,
      retryAfterMs: 120_000,
    });
  });

  it('leaves retryAfterMs out when there is no hint', () => {
    const failure = failureFromStatus(response(500, ''), 'Internal server error');
    expect(failure).toEqual({
      outcome: 'upstream',
      httpStatus: 500,
      message: 'HTTP 500: Internal server error',
      retryable: true,
    });
    expect('retryAfterMs' in failure).toBe(false);
  });

  it('makes a bad response a final failure', () => {
    expect(badResponse(200, 'body is empty')).toEqual({
      outcome: 'bad_response',
      httpStatus: 200,
      message: 'body is empty',
      retryable: false,
    });
  });
});

describe('parseWith', () => {
  const schema = z.object({ n: countSchema });
  const toSample = (body: { n: number }) => ({ ints: { live: body.n }, strings: {} });

  it('maps a 2xx body of the documented shape to a sample', () => {
    expect(parseWith(response(200, '{"n":3}'), schema, toSample)).toEqual({
      ok: true,
      sample: { ints: { live: 3 }, strings: {} },
    });
  });

  it('classifies a non-2xx answer before looking at its body', () => {
    const parsed = parseWith(response(503, '{"n":3}'), schema, toSample);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.failure.outcome).toBe('upstream');
  });

  it('names the path of the first schema miss without echoing the body', () => {
    const parsed = parseWith(response(200, '{"n":-4,"secret":"do-not-echo"}'), schema, toSample);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.failure.outcome).toBe('bad_response');
    expect(parsed.failure.message).toMatch(/^n: /);
    expect(parsed.failure.message).not.toContain('do-not-echo');
  });

  it('passes a provider-level failure from toSample through', () => {
    const failure = { outcome: 'upstream' as const, httpStatus: 200, message: 'RC 500', retryable: true };
    expect(parseWith(response(200, '{"n":1}'), schema, () => failure)).toEqual({ ok: false, failure });
  });
});

describe('joinUrl', () => {
  it('keeps the path prefix of a base, with or without a trailing slash', () => {
    expect(joinUrl('http://127.0.0.1:9/proxy/', 'v1/usage').href).toBe('http://127.0.0.1:9/proxy/v1/usage');
    expect(joinUrl('http://127.0.0.1:9/proxy', 'v1/usage').href).toBe('http://127.0.0.1:9/proxy/v1/usage');
    expect(joinUrl('http://127.0.0.1:9/proxy', '/v1/usage').href).toBe('http://127.0.0.1:9/proxy/v1/usage');
  });

  it('joins onto a bare host', () => {
    expect(joinUrl('https://rms.metered.ca', 'v1/usage').href).toBe('https://rms.metered.ca/v1/usage');
    expect(joinUrl('https://rms.metered.ca/', '/v1/usage').href).toBe('https://rms.metered.ca/v1/usage');
  });
});

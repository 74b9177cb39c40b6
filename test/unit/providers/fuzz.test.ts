import { createServer, type Server, type ServerResponse } from 'node:http';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../../devtools/ports.js';
import { DEFAULT_MAX_BODY_BYTES, httpGet, TransportError } from '../../../functions/http/get.js';
import { failureOfTransport, shortMessage } from '../../../functions/providers/failures.js';
import { OUTCOMES } from '../../../functions/providers/outcome.js';
import { ADAPTERS as REGISTERED } from '../../../functions/providers/registry.js';
import type { AnyAdapter, ParseResult, ProviderResponse } from '../../../functions/providers/types.js';
import { goldenTarget } from '../../support/golden-target.js';

/**
 * Property tests of the untrusted edge: whatever a provider (or a proxy in front of it) answers, an adapter's
 * `parse` classifies it without throwing, never invents a value, and keeps its message short; and `httpGet`
 * refuses bodies that are not UTF-8 or that would not fit in memory.
 */

/** Runs per property: enough to hit the odd corner, few enough to keep the file at a couple of seconds. */
const RUNS = 200;
/** What `shortMessage` cuts to; the `error` field of `collector_run` must stay short. */
const MAX_MESSAGE = 160;
// Held as the run holds them, so that every adapter reads the same golden target type.
const ADAPTERS: readonly AnyAdapter[] = REGISTERED;
const OUTCOME_SET: ReadonlySet<string> = new Set(OUTCOMES);

// ---------------------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------------------

/** Any status a server can send, with 2xx over-represented so that the body parsers are reached often. */
const statusArb = fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer({ min: 200, max: 299 }));

/** Printable ASCII: what a `Headers` value may hold without the constructor throwing. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});

/** `Retry-After` in every form a server sends, and some it should not: huge, dated, garbage. */
const retryAfterArb = fc.oneof(
  fc.nat({ max: 86_400 }).map(String),
  fc.stringMatching(/^\d{1,12}$/),
  fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
  headerText,
);

const headersArb = fc
  .record(
    {
      'retry-after': retryAfterArb,
      'content-type': fc.constantFrom('application/json', 'text/html; charset=utf-8', 'text/plain'),
    },
    { requiredKeys: [] },
  )
  .map((record) => new Headers(record));

/** Turns anything into some text, as a misbehaving server might render it. */
function textOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '[unserialisable]';
  }
}

/**
 * Raw JSON text for a value where a count belongs: the valid, and every way a number goes wrong (negative,
 * fractional, beyond 2^53, `1e400` which JSON.parse turns into Infinity, a number in a string, `NaN`, nesting).
 */
const nastyLeaf: fc.Arbitrary<string> = fc.oneof(
  fc.nat().map(String),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.double().map((value) => String(value)),
  fc.nat().map((value) => JSON.stringify(String(value))),
  fc.string({ maxLength: 20 }).map((text) => JSON.stringify(text)),
  fc.constantFrom(
    '1e400',
    '-1e400',
    '-0',
    '0.0',
    '1.5',
    '1e3',
    '1e21',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '123456789012345678901234567890',
    'NaN',
    'Infinity',
    '-Infinity',
    'null',
    'true',
    '""',
    '"12"',
    '[]',
    '{}',
    '[1]',
    '{"count": 3}',
  ),
  fc.jsonValue({ maxDepth: 2 }).map(textOf),
);

/** The documented success shapes, key by key (a nested record is a nested object). */
interface Shape {
  [key: string]: 'leaf' | Shape;
}

const SHAPES: readonly Shape[] = [
  { liveUser: 'leaf', queueUser: 'leaf' },
  { RC: 'leaf', RM: 'leaf', result: { count: 'leaf' } },
  {
    appId: 'leaf',
    periodStartUnix: 'leaf',
    periodEndUnix: 'leaf',
    concurrentNow: 'leaf',
    peakConcurrent: 'leaf',
    messagesUsed: 'leaf',
    overageMessages: 'leaf',
    overageConnections: 'leaf',
    plan: { name: 'leaf', maxConcurrentConnections: 'leaf', maxMessagesPerPeriod: 'leaf' },
  },
  { message: 'leaf' },
  { RC: 'leaf', RM: 'leaf', error: { code: 'leaf', message: 'leaf' } },
  { error: 'leaf' },
];

/** JSON text of an object shaped almost right: the right keys (some missing) with random values. */
function almostArb(shape: Shape): fc.Arbitrary<string> {
  const entries = Object.entries(shape).map(([key, child]) =>
    fc
      .tuple(
        // Mostly present: a missing key is one failure among many, not the common case.
        fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
        child === 'leaf' ? nastyLeaf : fc.oneof(almostArb(child), nastyLeaf),
      )
      .map(([keep, value]) => (keep ? `${JSON.stringify(key)}: ${value}` : undefined)),
  );
  return fc.tuple(...entries).map((members) => `{${members.filter((m) => m !== undefined).join(', ')}}`);
}

const almostRightBody = fc.oneof(...SHAPES.map(almostArb));

/** Bodies of every kind: random JSON, almost-right objects, random text, HTML, truncated JSON. */
const bodyArb = fc.oneof(
  fc.json(),
  fc.jsonValue().map(textOf),
  fc.anything().map(textOf),
  almostRightBody,
  almostRightBody.chain((text) => fc.nat({ max: text.length }).map((cut) => text.slice(0, cut))),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ minLength: 200, maxLength: 3000 }),
  fc.string().map((text) => `<html><body><h1>502 Bad Gateway</h1>${text}</body></html>`),
);

const responseArb: fc.Arbitrary<ProviderResponse> = fc.record({
  status: statusArb,
  headers: headersArb,
  body: bodyArb,
});

// ---------------------------------------------------------------------------------------------------------
// The contract of a parse result
// ---------------------------------------------------------------------------------------------------------

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Throws (via expect) unless `result` keeps the adapter contract for `response`. */
function checkContract(adapter: AnyAdapter, response: ProviderResponse, result: ParseResult): void {
  if (result.ok) {
    expect(response.status, 'a success from a non-2xx answer').toBeGreaterThanOrEqual(200);
    expect(response.status, 'a success from a non-2xx answer').toBeLessThanOrEqual(299);
    const { sample } = result;
    expect(Object.keys(sample).every((key) => ['ints', 'strings', 'project'].includes(key))).toBe(true);
    expect(Object.keys(sample.ints).length, `${adapter.endpoint}: a success without a count`).toBeGreaterThan(
      0,
    );
    for (const [field, value] of Object.entries(sample.ints)) {
      expect(Number.isSafeInteger(value) && value >= 0, `${field}=${value} is not a safe count`).toBe(true);
    }
    for (const value of Object.values(sample.strings)) expect(typeof value).toBe('string');
    if (sample.project !== undefined) expect(typeof sample.project).toBe('string');
    return;
  }
  const { failure } = result;
  expect(OUTCOME_SET.has(failure.outcome), `unknown outcome ${failure.outcome}`).toBe(true);
  expect(failure.httpStatus).toBe(response.status);
  expect(typeof failure.retryable).toBe('boolean');
  expect(typeof failure.message).toBe('string');
  expect(failure.message.trim()).not.toBe('');
  expect(failure.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
  if (response.body.length > MAX_MESSAGE) expect(failure.message.includes(response.body)).toBe(false);
  // A body that is not JSON (an HTML page, a truncated answer) is described, never echoed.
  if (!isJson(response.body) && response.body.length >= 24) {
    expect(failure.message.includes(response.body.slice(0, 24))).toBe(false);
  }
  if (failure.retryAfterMs !== undefined) {
    expect(typeof failure.retryAfterMs).toBe('number');
    expect(failure.retryAfterMs).toBeGreaterThanOrEqual(0);
  }
}

/** A UTF-16 string with a half of a surrogate pair: invalid Unicode, turned into U+FFFD or refused downstream. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe.each(ADAPTERS.map((adapter) => [adapter.endpoint, adapter] as const))('%s parse', (_, adapter) => {
  it('never throws, and any answer becomes a well-formed success or failure', () => {
    fc.assert(
      fc.property(responseArb, (response) => {
        checkContract(adapter, response, adapter.parse(response, goldenTarget(adapter)));
      }),
      { numRuns: RUNS },
    );
  });

  it('classifies objects shaped almost right under 2xx without inventing a value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 299 }),
        headersArb,
        almostRightBody,
        (status, headers, body) => {
          const response = { status, headers, body };
          const result = adapter.parse(response, goldenTarget(adapter));
          checkContract(adapter, response, result);
          if (!result.ok) return;
          // Every integer of a success was in the body as that very number.
          const numbers = new Set(
            [...body.matchAll(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)].map((match) => Number(match[0])),
          );
          for (const value of Object.values(result.sample.ints)) expect(numbers.has(value)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses a success for any status outside 2xx, whatever the body', () => {
    const notOk = fc.oneof(fc.integer({ min: 100, max: 199 }), fc.integer({ min: 300, max: 599 }));
    fc.assert(
      fc.property(notOk, headersArb, almostRightBody, (status, headers, body) => {
        const result = adapter.parse({ status, headers, body }, goldenTarget(adapter));
        expect(result.ok).toBe(false);
        checkContract(adapter, { status, headers, body }, result);
      }),
      { numRuns: RUNS },
    );
  });

  // Reported: functions/providers/failures.ts shortMessage slices UTF-16 units, so a cut through an emoji
  // leaves half a surrogate pair in the `error` field. The run cuts the message after scrubbing it.
  it('cuts long provider messages without splitting a character', () => {
    // A JSON error body whose message is long and full of astral characters (emoji), in every provider's form.
    const longMessage = fc.string({ unit: 'grapheme', minLength: 120, maxLength: 400 });
    const errorBody = fc
      .tuple(longMessage, fc.constantFrom('message', 'RM', 'error'))
      .map(([message, key]) => JSON.stringify({ RC: 500, [key]: message }));
    fc.assert(
      fc.property(fc.constantFrom(200, 429, 500, 503), errorBody, (status, body) => {
        const result = adapter.parse({ status, headers: new Headers(), body }, goldenTarget(adapter));
        if (result.ok) return;
        const error = shortMessage(result.failure.message);
        expect(error.length).toBeLessThanOrEqual(MAX_MESSAGE);
        expect(LONE_SURROGATE.test(error), error).toBe(false);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});

describe('the documented success shapes with random valid values', () => {
  const count = fc.nat({ max: Number.MAX_SAFE_INTEGER });
  const cases: Array<[string, fc.Arbitrary<{ body: unknown; ints: Record<string, number> }>]> = [
    [
      'streampixel',
      fc.record({ liveUser: count, queueUser: count }).map((body) => ({
        body,
        ints: { live: body.liveUser, queued: body.queueUser },
      })),
    ],
    ['imkit', count.map((n) => ({ body: { RC: 0, RM: 'OK', result: { count: n } }, ints: { live: n } }))],
    [
      'metered',
      fc
        .record({
          appId: fc.string({ minLength: 1, maxLength: 30 }),
          periodStartUnix: fc.option(count, { nil: null }),
          periodEndUnix: fc.option(count, { nil: null }),
          concurrentNow: count,
          peakConcurrent: count,
          messagesUsed: count,
          overageMessages: count,
          overageConnections: count,
          plan: fc.record({
            name: fc.option(fc.string(), { nil: null }),
            maxConcurrentConnections: count,
            maxMessagesPerPeriod: count,
          }),
        })
        .map((body) => {
          const ints: Record<string, number> = {
            live: body.concurrentNow,
            period_peak: body.peakConcurrent,
            messages_used: body.messagesUsed,
            overage_messages: body.overageMessages,
            overage_connections: body.overageConnections,
            plan_max_connections: body.plan.maxConcurrentConnections,
            plan_max_messages: body.plan.maxMessagesPerPeriod,
          };
          if (body.periodStartUnix !== null) ints.period_start = body.periodStartUnix;
          if (body.periodEndUnix !== null) ints.period_end = body.periodEndUnix;
          return { body, ints };
        }),
    ],
  ];

  it.each(cases)('%s: every valid body is a success carrying exactly its counts', (provider, arb) => {
    const adapters = ADAPTERS.filter((adapter) => adapter.provider === provider);
    expect(adapters.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 299 }), arb, (status, { body, ints }) => {
        for (const adapter of adapters) {
          const result = adapter.parse(
            { status, headers: new Headers(), body: JSON.stringify(body) },
            goldenTarget(adapter),
          );
          expect(result.ok).toBe(true);
          if (result.ok) expect(result.sample.ints).toEqual(ints);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('Retry-After and "Try again in …" hints', () => {
  // The wait becomes a target's rest: `backoff.set(name, now + retryAfterMs)`, later printed with
  // `new Date(until).toISOString()`. Infinity, or a date past year 275760, throws a RangeError there and the
  // whole run rejects (reported: functions/providers/failures.ts retryAfterMs has no upper bound).
  const huge = fc.oneof(
    fc
      .integer({ min: 13, max: 30 })
      .chain((length) => fc.stringMatching(new RegExp(`^[1-9]\\d{${length - 1}}$`))),
    fc.integer({ min: 309, max: 400 }).map((length) => '9'.repeat(length)),
  );
  const hint = fc.oneof(
    huge.map((n) => ({ headers: new Headers({ 'retry-after': n }), message: 'slow down' })),
    huge.map((n) => ({ headers: new Headers(), message: `Rate limit exceeded. Try again in ${n} hours.` })),
  );

  it('caps a huge hint at a wait any date can hold', () => {
    fc.assert(
      fc.property(hint, ({ headers, message }) => {
        for (const adapter of ADAPTERS) {
          const result = adapter.parse(
            { status: 429, headers, body: JSON.stringify({ message }) },
            goldenTarget(adapter),
          );
          expect(result.ok).toBe(false);
          if (result.ok) return;
          const wait = result.failure.retryAfterMs;
          expect(Number.isFinite(wait)).toBe(true);
          expect(Number.isNaN(new Date(Date.now() + (wait ?? 0)).getTime())).toBe(false);
        }
      }),
      { numRuns: 50, endOnFailure: true },
    );
  });

  it('give a finite, non-negative wait for every ordinary hint', () => {
    const ordinary = fc.oneof(
      fc
        .nat({ max: 10 ** 9 })
        .map((n) => ({ headers: new Headers({ 'retry-after': String(n) }), message: '' })),
      fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(Date.UTC(2200, 0)) }).map((date) => ({
        headers: new Headers({ 'retry-after': date.toUTCString() }),
        message: '',
      })),
      fc
        .tuple(
          fc.nat({ max: 10 ** 6 }),
          fc.constantFrom('second', 'seconds', 'minute', 'minutes', 'hour', 'hours'),
        )
        .map(([n, unit]) => ({ headers: new Headers(), message: `Try again in ${n} ${unit}.` })),
    );
    fc.assert(
      fc.property(ordinary, ({ headers, message }) => {
        for (const adapter of ADAPTERS) {
          const result = adapter.parse(
            { status: 429, headers, body: JSON.stringify({ message }) },
            goldenTarget(adapter),
          );
          if (result.ok) return;
          const wait = result.failure.retryAfterMs;
          if (wait === undefined) return;
          expect(Number.isFinite(wait) && wait >= 0).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// httpGet through a real loopback server
// ---------------------------------------------------------------------------------------------------------

/** What the next request is answered with: the handler of the loopback server. */
let answer: (res: ServerResponse) => void = (res) => res.end();
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((_req, res) => answer(res));
  baseUrl = `${await listenOnLoopback(server)}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function get(maxBytes?: number) {
  return httpGet(
    { url: new URL(baseUrl), headers: { accept: 'application/json' } },
    { timeoutMs: 10_000, ...(maxBytes !== undefined ? { maxBytes } : {}) },
  );
}

/** Independent oracle of UTF-8 validity: a lossless round trip through Node's (replacing) decoder. */
function isUtf8(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes);
  return Buffer.from(buffer.toString('utf8'), 'utf8').equals(buffer);
}

const BOM = '\uFEFF';

/** Statuses that carry a body; `httpGet` hands every one back as it came (it follows no redirect). */
const bodyStatus = fc.oneof(
  fc.constantFrom(200, 201, 202, 203, 206, 301, 302, 307),
  fc.integer({ min: 400, max: 599 }),
);

describe('httpGet with random bytes', () => {
  it('returns valid UTF-8 as text and refuses anything else as not_utf8', async () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }).map((text) => new Uint8Array(Buffer.from(text, 'utf8'))),
      // Valid text with one byte flipped: the invalid sequences that sit in otherwise good bodies.
      fc
        .tuple(
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }),
          fc.nat(),
          fc.integer({ min: 0x80, max: 0xff }),
        )
        .map(([text, at, byte]) => {
          const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
          bytes[at % bytes.length] = byte;
          return bytes;
        }),
    );
    let valid = 0;
    let invalid = 0;
    await fc.assert(
      fc.asyncProperty(bytesArb, bodyStatus, async (bytes, status) => {
        answer = (res) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(Buffer.from(bytes));
        };
        if (isUtf8(bytes)) {
          valid++;
          const response = await get();
          expect(response.status).toBe(status);
          // TextDecoder drops a leading byte order mark, as a JSON parser needs.
          const text = Buffer.from(bytes).toString('utf8');
          expect(response.body).toBe(text.startsWith(BOM) ? text.slice(1) : text);
        } else {
          invalid++;
          const error = await get().then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(error).toBeInstanceOf(TransportError);
          expect((error as TransportError).kind).toBe('not_utf8');
          expect((error as TransportError).httpStatus).toBe(status);
        }
      }),
      { numRuns: RUNS },
    );
    // Both branches must have been exercised, or the property says little.
    expect(valid).toBeGreaterThan(20);
    expect(invalid).toBeGreaterThan(20);
  });

  it('reads a body of exactly the limit and refuses one byte more', async () => {
    const limit = 4096;
    for (const [size, ok] of [
      [limit, true],
      [limit + 1, false],
    ] as const) {
      for (const declared of [true, false]) {
        answer = (res) => {
          res.writeHead(200, declared ? { 'content-length': String(size) } : {});
          res.end(Buffer.alloc(size, 0x61));
        };
        const outcome = await get(limit).then(
          (response) => response.body.length,
          (caught: unknown) => (caught as TransportError).kind,
        );
        expect(outcome, `${size} bytes, content-length ${declared}`).toBe(ok ? size : 'too_large');
      }
    }
  });
});

/** Serves `total` bytes in 64 KiB chunks, honouring back-pressure, and reports how many were written. */
function streamHuge(total: number, declared: boolean): Promise<{ written: number; closedEarly: boolean }> {
  return new Promise((resolve) => {
    answer = (res) => {
      const chunk = Buffer.alloc(64 * 1024, 0x7b);
      let written = 0;
      let closed = false;
      res.on('close', () => {
        closed = true;
        resolve({ written, closedEarly: written < total });
      });
      res.writeHead(200, declared ? { 'content-length': String(total) } : {});
      const pump = (): void => {
        while (!closed && written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!closed) res.end();
      };
      pump();
    };
  });
}

describe('httpGet against a 407', () => {
  // A proxy asking for credentials is an answer like any other: the adapter classifies its status.
  it('hands the status back with its body', async () => {
    answer = (res) => {
      res.writeHead(407, { 'content-type': 'text/html' });
      res.end('<html>proxy authentication required</html>');
    };
    const response = await get();
    expect(response.status).toBe(407);
    expect(response.body).toBe('<html>proxy authentication required</html>');
  });
});

describe('httpGet with bodies over 1 MiB', () => {
  const TOTAL = 256 * 1024 * 1024;

  it.each([
    ['without Content-Length (chunked)', false],
    ['with a Content-Length', true],
  ])('%s: too_large, and the connection is dropped early', async (_, declared) => {
    const served = streamHuge(TOTAL, declared);
    const started = performance.now();
    const heapBefore = process.memoryUsage().heapUsed;
    const error = await get().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).kind).toBe('too_large');
    expect((error as TransportError).httpStatus).toBe(200);
    const { written, closedEarly } = await served;
    // Socket buffers hold a few MiB at most: the client stopped long before the 256 MiB were sent.
    expect(closedEarly).toBe(true);
    expect(written).toBeLessThan(32 * 1024 * 1024);
    expect(written).toBeGreaterThanOrEqual(declared ? 0 : DEFAULT_MAX_BODY_BYTES);
    expect(elapsed).toBeLessThan(5_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('httpGet with a Content-Encoding it did not ask for', () => {
  const body = JSON.stringify({ liveUser: 12, queueUser: 3, note: 'é😀'.repeat(50) });
  const encoders: Array<[string, (input: Buffer) => Buffer]> = [
    ['gzip', (input) => gzipSync(input)],
    ['deflate', (input) => deflateSync(input)],
    ['deflate', (input) => deflateRawSync(input)],
    ['br', (input) => brotliCompressSync(input)],
    ['gzip, br', (input) => brotliCompressSync(gzipSync(input))],
  ];

  it.each(encoders)('reads a %s body as the text it encodes', async (encoding, encode) => {
    answer = (res) => res.writeHead(200, { 'content-encoding': encoding }).end(encode(Buffer.from(body)));
    expect((await get()).body).toBe(body);
  });

  it.each(encoders)(
    'applies the 1 MiB limit to the decoded %s body (a small bomb is too_large)',
    async (encoding, encode) => {
      const bomb = encode(Buffer.alloc(DEFAULT_MAX_BODY_BYTES + 1, 0x20));
      expect(bomb.length).toBeLessThan(DEFAULT_MAX_BODY_BYTES / 10);
      answer = (res) => res.writeHead(200, { 'content-encoding': encoding }).end(bomb);
      const error = await get().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).kind).toBe('too_large');
      expect((error as TransportError).message).toMatch(/exceeds 1048576 bytes once decoded/);
    },
  );

  it('refuses an encoding it cannot read, or a corrupt one, as a bad response naming the encoding', async () => {
    for (const [encoding, bytes] of [
      ['compress', Buffer.from(body)],
      ['gzip', Buffer.from(body)],
    ] as const) {
      answer = (res) => res.writeHead(200, { 'content-encoding': encoding }).end(bytes);
      const error = (await get().catch((caught: unknown) => caught)) as TransportError;
      expect(error.kind, encoding).toBe('bad_encoding');
      expect(error.message).toContain(encoding);
      expect(failureOfTransport(error).outcome).toBe('bad_response');
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ParsedResponse,
  ResponseParseError,
  ResponseParser,
} from '../../../functions/http/response-parser.js';

const LIMIT = 1024 * 1024;

/** Feeds `bytes` to a parser in the given pieces; ends the connection when nothing completed the response. */
function parse(bytes: Buffer, cuts: number[] = [], limit = LIMIT): ParsedResponse {
  const parser = new ResponseParser(limit);
  let from = 0;
  for (const cut of [
    ...cuts.filter((at) => at > 0 && at < bytes.length).sort((a, b) => a - b),
    bytes.length,
  ]) {
    const done = parser.push(bytes.subarray(from, cut));
    from = cut;
    if (done) return done;
  }
  return parser.end();
}

function failure(run: () => unknown): ResponseParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof ResponseParseError) return error;
    throw error;
  }
  throw new Error('expected a ResponseParseError');
}

const text = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');

function chunked(body: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const size of [...sizes, body.length]) {
    const piece = body.subarray(from, from + size);
    if (piece.length === 0) continue;
    parts.push(Buffer.from(`${piece.length.toString(16)};ext=1\r\n`), piece, Buffer.from('\r\n'));
    from += piece.length;
    if (from >= body.length) break;
  }
  return Buffer.concat([...parts, Buffer.from('0\r\nX-Trailer: 1\r\n\r\n')]);
}

describe('ResponseParser', () => {
  it('reads a Content-Length body however the bytes are cut, and keeps the connection', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3_000 }),
        fc.array(fc.nat(3_200), { maxLength: 6 }),
        (body, cuts) => {
          const head = text(
            'HTTP/1.1 200 OK',
            'Content-Type: application/json',
            `Content-Length: ${body.length}`,
            '',
            '',
          );
          const response = parse(Buffer.concat([head, Buffer.from(body)]), cuts);
          expect(response.status).toBe(200);
          expect(Buffer.compare(response.body, Buffer.from(body))).toBe(0);
          expect(response.headers.get('content-type')).toBe('application/json');
          expect(response.reusable).toBe(true);
        },
      ),
    );
  });

  it('reads a chunked body with extensions and trailers however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2_000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 5 }),
        fc.array(fc.nat(2_600), { maxLength: 6 }),
        (body, sizes, cuts) => {
          const head = text('HTTP/1.1 503 Service Unavailable', 'Transfer-Encoding: chunked', '', '');
          const response = parse(Buffer.concat([head, chunked(Buffer.from(body), sizes)]), cuts);
          expect(response.status).toBe(503);
          expect(Buffer.compare(response.body, Buffer.from(body))).toBe(0);
          expect(response.reusable).toBe(true);
        },
      ),
    );
  });

  it('reads a body framed by the connection closing, and does not reuse the connection', () => {
    const response = parse(text('HTTP/1.1 200 OK', '', '{"online":3}'));
    expect(response.body.toString()).toBe('{"online":3}');
    expect(response.reusable).toBe(false);
  });

  it('passes over interim 1xx answers to the final one', () => {
    const response = parse(
      text(
        'HTTP/1.1 100 Continue',
        '',
        'HTTP/1.1 103 Early Hints',
        'Link: </a>',
        '',
        'HTTP/1.1 200 OK',
        'Content-Length: 2',
        '',
        '{}',
      ),
    );
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('{}');
  });

  it('reads no body after 204 and 304, and joins repeated fields', () => {
    const response = parse(text('HTTP/1.1 204 No Content', 'Vary: a', 'vary: b', '', ''));
    expect(response.status).toBe(204);
    expect(response.body.length).toBe(0);
    expect(response.headers.get('vary')).toBe('a, b');
  });

  it('does not reuse a connection the server closes, an HTTP/1.0 one, or one with bytes left over', () => {
    expect(parse(text('HTTP/1.1 200 OK', 'Connection: close', 'Content-Length: 0', '', '')).reusable).toBe(
      false,
    );
    expect(parse(text('HTTP/1.0 200 OK', 'Content-Length: 0', '', '')).reusable).toBe(false);
    expect(
      parse(text('HTTP/1.0 200 OK', 'Connection: keep-alive', 'Content-Length: 0', '', '')).reusable,
    ).toBe(true);
    expect(parse(text('HTTP/1.1 200 OK', 'Content-Length: 1', '', 'ab')).reusable).toBe(false);
  });

  it('refuses a declared or a read body over the limit, with the status it came with', () => {
    const declared = failure(() => parse(text('HTTP/1.1 200 OK', 'Content-Length: 11', '', ''), [], 10));
    expect(declared).toMatchObject({ reason: 'too_large', status: 200 });
    expect(declared.message).toBe('body of 11 bytes exceeds 10');
    const read = failure(() => parse(text('HTTP/1.1 200 OK', '', 'x'.repeat(11)), [], 10));
    expect(read).toMatchObject({ reason: 'too_large', status: 200 });
    const chunks = failure(() =>
      parse(
        Buffer.concat([
          text('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', ''),
          chunked(Buffer.alloc(11), [6]),
        ]),
        [],
        10,
      ),
    );
    expect(chunks).toMatchObject({ reason: 'too_large' });
  });

  it('refuses what is not an HTTP/1.x response, a folded or nameless field, and a bad length or chunk', () => {
    const cases = [
      text('SSH-2.0-OpenSSH_9.6', '', ''),
      text('HTTP/2 200', '', ''),
      text('HTTP/1.1 200 OK', ' folded: value', '', ''),
      text('HTTP/1.1 200 OK', 'Content Length: 1', '', ''),
      text('HTTP/1.1 200 OK', 'Content-Length: 1, 2', '', ''),
      text('HTTP/1.1 200 OK', 'Content-Length: -1', '', ''),
      text('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', 'zz', ''),
      text('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', '2', 'abX', ''),
      text('HTTP/1.1 101 Switching Protocols', '', ''),
    ];
    for (const bytes of cases) expect(failure(() => parse(bytes)).reason).toBe('malformed');
  });

  it('refuses a head over 16 KiB before its end arrives', () => {
    const parser = new ResponseParser(LIMIT);
    parser.push(text('HTTP/1.1 200 OK', ''));
    expect(failure(() => parser.push(Buffer.alloc(17 * 1024, 'a'))).reason).toBe('malformed');
  });

  it('says a response was cut short when the connection ends before or inside it', () => {
    const before = new ResponseParser(LIMIT);
    expect(before.started).toBe(false);
    expect(failure(() => before.end())).toMatchObject({ reason: 'truncated', status: 0 });
    const inside = new ResponseParser(LIMIT);
    inside.push(text('HTTP/1.1 200 OK', 'Content-Length: 10', '', '{"on'));
    expect(inside.started).toBe(true);
    expect(failure(() => inside.end())).toMatchObject({ reason: 'truncated', status: 200 });
  });
});

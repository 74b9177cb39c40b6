/**
 * An HTTP/1.1 response read incrementally from a socket's chunks (RFC 9112): the status line, the header
 * section, and a body framed by `Content-Length`, `chunked` or the connection's close. One response per GET;
 * interim `1xx` answers are passed over.
 */

/** Why the bytes are not an HTTP response we can read. `too_large`: the body passes the caller's limit. */
export class ResponseParseError extends Error {
  override readonly name = 'ResponseParseError';
  constructor(
    readonly reason: 'malformed' | 'too_large' | 'truncated',
    message: string,
    /** The status, when the failure came after the head. */
    readonly status = 0,
  ) {
    super(message);
  }
}

export interface ParsedResponse {
  status: number;
  /** Lower-case names; repeated fields joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
  /** Whether the connection may carry another request: HTTP/1.1 without `close`, the body framed, nothing extra. */
  reusable: boolean;
}

/** Node's own limit on a response's header section. */
const MAX_HEAD_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/;

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'close' };

interface Head {
  status: number;
  headers: Map<string, string>;
  keepAlive: boolean;
  framing: Framing | undefined;
}

type Phase = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'done';

export class ResponseParser {
  private pending: Buffer = Buffer.alloc(0);
  private phase: Phase = 'head';
  private head: Head | undefined;
  private readonly chunks: Buffer[] = [];
  private bodyBytes = 0;
  private chunkRemaining = 0;

  /** `maxBodyBytes`: the body is refused once it passes this (declared or read). */
  constructor(private readonly maxBodyBytes: number) {}

  /** Whether any byte of a response has arrived: a reused connection that closes before it failed to deliver. */
  get started(): boolean {
    return this.phase !== 'head' || this.pending.length > 0;
  }

  /** Takes the next bytes; returns the response once it is complete. Throws `ResponseParseError`. */
  push(chunk: Buffer): ParsedResponse | undefined {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.phase !== 'done') {
      if (!this.step()) return undefined;
    }
    return this.response(this.pending.length === 0);
  }

  /** The connection ended: a close-delimited body is complete, anything else was cut short. */
  end(): ParsedResponse {
    if (this.phase === 'body' && this.head?.framing?.kind === 'close') {
      this.phase = 'done';
      return this.response(false);
    }
    throw new ResponseParseError(
      'truncated',
      this.head ? 'connection closed mid-body' : 'connection closed before a complete response',
      this.head?.status ?? 0,
    );
  }

  /** One step of the state machine; false when it needs more bytes. */
  private step(): boolean {
    switch (this.phase) {
      case 'head':
        return this.readHead();
      case 'body':
        return this.readBody();
      case 'chunk-size':
        return this.readChunkSize();
      case 'chunk-data':
        return this.readChunkData();
      case 'chunk-end':
        return this.readChunkEnd();
      case 'trailers':
        return this.readTrailers();
      default:
        return false;
    }
  }

  private readHead(): boolean {
    const end = this.pending.indexOf(HEAD_END);
    if (end < 0) {
      if (this.pending.length > MAX_HEAD_BYTES) this.malformed('header section over 16 KiB');
      return false;
    }
    if (end > MAX_HEAD_BYTES) this.malformed('header section over 16 KiB');
    const head = parseHead(this.pending.toString('latin1', 0, end));
    this.pending = this.pending.subarray(end + HEAD_END.length);
    // Interim answers (100 Continue, 103 Early Hints) precede the real one.
    if (head.status < 200) {
      if (head.status === 101) this.malformed('unexpected protocol switch');
      return true;
    }
    this.head = head;
    const framing = head.framing;
    if (framing === undefined || (framing.kind === 'length' && framing.remaining === 0)) {
      this.phase = 'done';
    } else if (framing.kind === 'chunked') {
      this.phase = 'chunk-size';
    } else {
      if (framing.kind === 'length' && framing.remaining > this.maxBodyBytes) {
        this.tooLarge(`body of ${framing.remaining} bytes exceeds ${this.maxBodyBytes}`);
      }
      this.phase = 'body';
    }
    return true;
  }

  private readBody(): boolean {
    const framing = this.head?.framing as Framing;
    if (framing.kind === 'length') {
      const take = Math.min(framing.remaining, this.pending.length);
      this.keep(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      framing.remaining -= take;
      if (framing.remaining === 0) this.phase = 'done';
      return this.phase === 'done';
    }
    this.keep(this.pending);
    this.pending = Buffer.alloc(0);
    return false;
  }

  private readChunkSize(): boolean {
    const line = this.line();
    if (line === undefined) return false;
    const match = CHUNK_SIZE.exec(line);
    if (!match) this.malformed('bad chunk size');
    this.chunkRemaining = Number.parseInt(match?.[1] as string, 16);
    if (this.bodyBytes + this.chunkRemaining > this.maxBodyBytes) {
      this.tooLarge(`body exceeds ${this.maxBodyBytes} bytes`);
    }
    this.phase = this.chunkRemaining === 0 ? 'trailers' : 'chunk-data';
    return true;
  }

  private readChunkData(): boolean {
    const take = Math.min(this.chunkRemaining, this.pending.length);
    this.keep(this.pending.subarray(0, take));
    this.pending = this.pending.subarray(take);
    this.chunkRemaining -= take;
    if (this.chunkRemaining > 0) return false;
    this.phase = 'chunk-end';
    return true;
  }

  private readChunkEnd(): boolean {
    const line = this.line();
    if (line === undefined) return false;
    if (line !== '') this.malformed('chunk not followed by CRLF');
    this.phase = 'chunk-size';
    return true;
  }

  private readTrailers(): boolean {
    for (;;) {
      const line = this.line();
      if (line === undefined) return false;
      if (line === '') {
        this.phase = 'done';
        return true;
      }
    }
  }

  /** The next CRLF-terminated line, or undefined until it is complete. */
  private line(): string | undefined {
    const end = this.pending.indexOf(CRLF);
    if (end < 0) {
      if (this.pending.length > MAX_HEAD_BYTES) this.malformed('line over 16 KiB');
      return undefined;
    }
    const text = this.pending.toString('latin1', 0, end);
    this.pending = this.pending.subarray(end + CRLF.length);
    return text;
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.bodyBytes += bytes.length;
    if (this.bodyBytes > this.maxBodyBytes) this.tooLarge(`body exceeds ${this.maxBodyBytes} bytes`);
    this.chunks.push(bytes);
  }

  private response(nothingAfter: boolean): ParsedResponse {
    const head = this.head as Head;
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    return {
      status: head.status,
      headers: head.headers,
      body,
      reusable: head.keepAlive && head.framing?.kind !== 'close' && nothingAfter,
    };
  }

  private malformed(why: string): never {
    throw new ResponseParseError('malformed', `malformed HTTP response: ${why}`, this.head?.status ?? 0);
  }

  private tooLarge(message: string): never {
    throw new ResponseParseError('too_large', message, this.head?.status ?? 0);
  }
}

/** The status line and fields of a head (without its blank line), and the body framing they imply. */
function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) throw new ResponseParseError('malformed', 'malformed HTTP response: bad status line');
  const minor = status[1];
  const code = Number(status[2]);
  const headers = new Map<string, string>();
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] as string;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // Obsolete line folding and names with spaces are refused, as Node's parser refuses them.
    if (!FIELD_NAME.test(name)) {
      throw new ResponseParseError('malformed', 'malformed HTTP response: bad header line', code);
    }
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers.get(key);
    headers.set(key, before === undefined ? value : `${before}, ${value}`);
  }
  const connection = (headers.get('connection') ?? '').toLowerCase();
  const keepAlive =
    minor === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
  return { status: code, headers, keepAlive, framing: framingOf(code, headers) };
}

/** RFC 9112 §6.3: which of the body's three framings applies, or none for a status without a body. */
function framingOf(status: number, headers: Map<string, string>): Framing | undefined {
  if (status < 200 || status === 204 || status === 304) return undefined;
  const coding = headers.get('transfer-encoding');
  if (coding !== undefined) {
    const codings = coding.toLowerCase().split(',');
    return codings[codings.length - 1]?.trim() === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  const length = headers.get('content-length');
  if (length === undefined) return { kind: 'close' };
  const values = new Set(length.split(',').map((value) => value.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
    throw new ResponseParseError('malformed', 'malformed HTTP response: bad Content-Length', status);
  }
  return { kind: 'length', remaining: Number(only) };
}

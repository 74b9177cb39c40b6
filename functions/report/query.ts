import type { InfluxConfig } from '../config/schema.js';
import { concealBasic } from '../influx/open.js';
import { basicAuthOf } from '../influx/writer.js';
import { type InfluxCredentials, parseInfluxCredentials } from '../secrets/credentials.js';
import type { RunSecrets } from '../secrets/run-secrets.js';

/** One row of a statement's answer: its time, its columns, and the tags of its series under `GROUP BY`. */
export interface Row {
  time: number;
  tags: Record<string, string>;
  [column: string]: unknown;
}

/** Runs InfluxQL statements; {@link InfluxReader} in production. */
export interface StatementRunner {
  /** Runs the statements in one request and returns, per statement, its rows over all series. */
  run(statements: readonly string[]): Promise<Row[][]>;
  /** Where the statements run, for messages. */
  readonly description: string;
}

/** InfluxDB could not answer a query: unreachable, refused, or an InfluxQL error. Never carries a credential. */
export class InfluxQueryError extends Error {
  override readonly name = 'InfluxQueryError';
  constructor(
    message: string,
    /** HTTP status, 0 when there was no response. */
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface InfluxReaderOptions {
  /**
   * Milliseconds one `/query` request may take, body included.
   * @default 60000
   */
  timeoutMs?: number;
  /** Hides credentials in InfluxDB's own words before they are cut. @default no change */
  scrub?: (text: string) => string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Rows per chunk of a chunked response. */
const CHUNK_SIZE = 10_000;

/**
 * Runs InfluxQL over `GET /query`, which InfluxDB 1.x serves natively and 2.x (through its DBRP mapping) and 3.x
 * serve as their v1-compatible API. The report asks for aggregates only (functions/report/statements.ts).
 */
export class InfluxReader implements StatementRunner {
  readonly description: string;
  private readonly base: URL;
  private readonly params: Record<string, string>;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly scrub: (text: string) => string;

  constructor(influx: InfluxConfig, credentials: InfluxCredentials, options: InfluxReaderOptions = {}) {
    this.base = new URL('query', influx.url.endsWith('/') ? influx.url : `${influx.url}/`);
    const { db, rp } = databaseOf(influx);
    this.params = { db, ...(rp ? { rp } : {}) };
    this.headers = { accept: 'application/json' };
    if (influx.apiVersion === 2 && credentials.token) {
      this.headers.authorization = `Token ${credentials.token}`;
    } else if (influx.apiVersion === 1 && (credentials.username || credentials.password)) {
      // A header rather than u/p in the URL: URLs end up in proxies' logs.
      this.headers.authorization = `Basic ${basicAuthOf(credentials)}`;
    }
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.scrub = options.scrub ?? ((text) => text);
    this.description = `InfluxDB ${influx.url} (database ${db}${rp ? `, retention policy ${rp}` : ''})`;
  }

  async run(statements: readonly string[]): Promise<Row[][]> {
    if (statements.length === 0) return [];
    return this.query(statements.join(';\n'), statements.length);
  }

  /** Runs one InfluxQL statement and returns its rows, over all series and chunks. */
  async rows(q: string): Promise<Row[]> {
    return (await this.query(q, 1))[0] as Row[];
  }

  private async query(q: string, statements: number): Promise<Row[][]> {
    const url = new URL(this.base);
    for (const [key, value] of Object.entries({
      ...this.params,
      q,
      epoch: 'ms',
      chunked: 'true',
      chunk_size: String(CHUNK_SIZE),
    })) {
      url.searchParams.set(key, value);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (cause) {
      const reason =
        (cause as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : reasonOf(cause);
      throw new InfluxQueryError(`cannot query ${this.description}: ${this.scrub(reason)}`, 0, { cause });
    }
    if (!response.ok) {
      throw new InfluxQueryError(
        `${this.description} answered ${response.status} to a query: ${errorText(this.scrub(text))}`,
        response.status,
      );
    }
    return parseChunks(text, this.description, statements);
  }
}

/** The reader of a config, with its token (or v1 user and password) read from the token secret. */
export async function openInfluxReader(
  influx: InfluxConfig,
  secrets: Pick<RunSecrets, 'get' | 'scrub' | 'conceal'>,
  options?: InfluxReaderOptions,
): Promise<InfluxReader> {
  let credentials: InfluxCredentials = {};
  if (influx.tokenSecret) {
    credentials = parseInfluxCredentials(influx.tokenSecret, await secrets.get(influx.tokenSecret));
  }
  concealBasic(credentials, secrets);
  return new InfluxReader(influx, credentials, { scrub: (text) => secrets.scrub(text), ...options });
}

/** The v1 database and retention policy: a v2 bucket `db/rp` is its DBRP mapping's pair. */
export function databaseOf(influx: InfluxConfig): { db: string; rp?: string } {
  if (influx.apiVersion === 1) {
    return {
      db: influx.database as string,
      ...(influx.retentionPolicy ? { rp: influx.retentionPolicy } : {}),
    };
  }
  const bucket = influx.bucket as string;
  const slash = bucket.indexOf('/');
  return slash < 0 ? { db: bucket } : { db: bucket.slice(0, slash), rp: bucket.slice(slash + 1) };
}

interface ResultChunk {
  results?: {
    statement_id?: number;
    error?: string;
    series?: { tags?: Record<string, string>; columns: string[]; values: unknown[][] }[];
  }[];
  error?: string;
}

/**
 * A chunked answer is one JSON document per line (a statement's rows may span several); an unchunked one is a
 * single line, read the same way. Rows are grouped by statement.
 */
function parseChunks(text: string, description: string, statements: number): Row[][] {
  const rows: Row[][] = Array.from({ length: statements }, () => []);
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let chunk: ResultChunk;
    try {
      chunk = JSON.parse(line) as ResultChunk;
    } catch (cause) {
      throw new InfluxQueryError(`${description} answered a query with something that is not JSON`, 200, {
        cause,
      });
    }
    if (chunk.error) throw new InfluxQueryError(`${description} refused a query: ${chunk.error}`, 200);
    for (const result of chunk.results ?? []) {
      if (result.error) throw new InfluxQueryError(`${description} refused a query: ${result.error}`, 200);
      const into = rows[result.statement_id ?? 0];
      if (into === undefined) continue;
      for (const series of result.series ?? []) {
        const tags = series.tags ?? {};
        for (const values of series.values) {
          const row: Row = { time: 0, tags };
          series.columns.forEach((column, i) => {
            row[column] = values[i];
          });
          into.push(row);
        }
      }
    }
  }
  return rows;
}

function errorText(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const message = json.error ?? json.message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: a proxy's page, say. Its first line is the most telling part.
  }
  const firstLine = body.trim().split('\n')[0] ?? '';
  return firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine || '(empty body)';
}

function reasonOf(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } }).cause;
  return inner?.code ?? inner?.message ?? (cause as Error).message ?? String(cause);
}

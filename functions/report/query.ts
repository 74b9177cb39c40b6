import type { InfluxConfig } from '../config/schema.js';
import { concealBasic } from '../influx/open.js';
import { basicAuthOf } from '../influx/writer.js';
import type { RunSecrets } from '../run/credentials.js';
import { type InfluxCredentials, parseInfluxCredentials } from '../secrets/credentials.js';
import type { ProjectTags, Sample } from './model.js';
import type { Period } from './period.js';

/** Where the samples of a target come from; {@link InfluxReader} in production. */
export interface SampleSource {
  /** Every `concurrency` sample of the target in `[period.from, period.to)`, in time order. */
  samples(target: SampleTarget, period: Period): Promise<Sample[]>;
  /** Where the samples are read from, for messages. */
  readonly description: string;
}

/** The target as far as the query needs it. */
export interface SampleTarget {
  name: string;
  provider: string;
  /** Sample interval in ms: sizes the time windows the query is split into. */
  intervalMs: number;
  /**
   * Points written per sample time at most: a discovering target's `maxProjects` (one point per project).
   * Narrows the time windows so that a request still asks for at most `windowSamples` points.
   * @default 1
   */
  pointsPerTime?: number;
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
  /**
   * Samples one request asks for at most: a period is split into time windows of `interval × windowSamples`
   * (divided by a discovering target's `pointsPerTime`), so that no response grows without bound even on a
   * server that ignores `chunked=true`.
   * @default 50000
   */
  windowSamples?: number;
  /** Hides credentials in InfluxDB's own words before they are cut. @default no change */
  scrub?: (text: string) => string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_WINDOW_SAMPLES = 50_000;
/** Rows per chunk of a chunked response. */
const CHUNK_SIZE = 10_000;

/** The keys of a sample that hold a field's integer. */
type FieldKey = { [K in keyof Sample]-?: Sample[K] extends number | null ? K : never }[keyof Sample];

/** The `concurrency` fields a report reads, per provider, and the sample key each one fills. */
const FIELDS: Record<string, ReadonlyArray<readonly [field: string, key: FieldKey]>> = {
  streampixel: [
    ['live', 'live'],
    ['queued', 'queued'],
  ],
  imkit: [['live', 'live']],
  metered: [
    ['live', 'live'],
    ['plan_max_connections', 'planMaxConnections'],
    ['overage_connections', 'overageConnections'],
    ['overage_messages', 'overageMessages'],
    ['period_peak', 'periodPeak'],
  ],
};

/**
 * Providers whose targets may discover their projects: their samples also read the tags that say which project
 * a point is of (`project`, `project_name`, `region`), for the per-project figures. `::tag`, so that a field of
 * the same name could never be read instead.
 */
const PROJECT_TAG_PROVIDERS: ReadonlySet<string> = new Set(['streampixel']);
const PROJECT_TAGS = ['project', 'project_name', 'region'] as const;

/**
 * Reads raw samples with InfluxQL over `GET /query`, which InfluxDB 1.x serves natively and 2.x (through its DBRP
 * mapping) and 3.x serve as their v1-compatible API. Raw samples rather than server-side aggregates: the
 * report's figures (tie rule, queue minutes, sums over projects) are then computed exactly, in one place.
 */
export class InfluxReader implements SampleSource {
  readonly description: string;
  private readonly base: URL;
  private readonly params: Record<string, string>;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly windowSamples: number;
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
    this.windowSamples = options.windowSamples ?? DEFAULT_WINDOW_SAMPLES;
    this.scrub = options.scrub ?? ((text) => text);
    this.description = `InfluxDB ${influx.url} (database ${db}${rp ? `, retention policy ${rp}` : ''})`;
  }

  async samples(target: SampleTarget, period: Period): Promise<Sample[]> {
    const fields = FIELDS[target.provider] ?? FIELDS.imkit ?? [];
    const tagged = PROJECT_TAG_PROVIDERS.has(target.provider);
    const select = [
      ...fields.map(([field]) => quoteIdent(field)),
      ...(tagged ? PROJECT_TAGS.map((tag) => `${quoteIdent(tag)}::tag`) : []),
    ].join(', ');
    const perTime = Math.max(1, target.pointsPerTime ?? 1);
    const windowMs = target.intervalMs * Math.max(1, Math.floor(this.windowSamples / perTime));
    const samples: Sample[] = [];
    // One tags object per project, shared by its samples: a month of 45 projects is millions of samples.
    const projects = new Map<string, ProjectTags>();
    for (let from = period.from; from < period.to; from += windowMs) {
      const to = Math.min(period.to, from + windowMs);
      const q =
        `SELECT ${select} FROM "concurrency" WHERE "target" = ${quoteString(target.name)} ` +
        `AND time >= ${from}ms AND time < ${to}ms`;
      for (const row of await this.rows(q)) {
        const sample = toSample(row, fields);
        if (!sample) continue;
        if (tagged) {
          const project = projectOf(row, projects);
          if (project) sample.project = project;
        }
        samples.push(sample);
      }
    }
    return samples;
  }

  /** Runs one InfluxQL statement and returns its rows as `{ time, ...columns }`, over all series and chunks. */
  async rows(q: string): Promise<Record<string, unknown>[]> {
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
    return parseChunks(text, this.description);
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
  results?: { error?: string; series?: { columns: string[]; values: unknown[][] }[] }[];
  error?: string;
}

/** A chunked answer is one JSON document per line; an unchunked one is a single line, read the same way. */
function parseChunks(text: string, description: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
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
      for (const series of result.series ?? []) {
        for (const values of series.values) {
          rows.push(Object.fromEntries(series.columns.map((column, i) => [column, values[i]])));
        }
      }
    }
  }
  return rows;
}

/**
 * The project a row is of, when it carries `project_name` (only discovered projects' points do), interned in
 * `known`. A point without a `project` id (not written by this collector) is grouped by its name.
 */
function projectOf(row: Record<string, unknown>, known: Map<string, ProjectTags>): ProjectTags | undefined {
  const name = row.project_name;
  if (typeof name !== 'string' || name === '') return undefined;
  const id = typeof row.project === 'string' && row.project !== '' ? row.project : name;
  const region = typeof row.region === 'string' && row.region !== '' ? row.region : null;
  const key = JSON.stringify([id, name, region]);
  let tags = known.get(key);
  if (tags === undefined) {
    tags = { id, name, region };
    known.set(key, tags);
  }
  return tags;
}

function toSample(
  row: Record<string, unknown>,
  fields: ReadonlyArray<readonly [string, FieldKey]>,
): Sample | undefined {
  const time = row.time;
  const live = row.live;
  // Every `concurrency` point has `live` (docs/data-contract.md); a row without it is not a sample.
  if (typeof time !== 'number' || typeof live !== 'number') return undefined;
  const sample: Sample = {
    time,
    live,
    queued: null,
    planMaxConnections: null,
    overageConnections: null,
    overageMessages: null,
    periodPeak: null,
  };
  for (const [field, key] of fields) {
    const value = row[field];
    if (key !== 'time' && key !== 'live' && typeof value === 'number') sample[key] = value;
  }
  return sample;
}

/** InfluxQL identifier: double quotes, with `"` and `\` escaped. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** InfluxQL string literal: single quotes, with `'` and `\` escaped. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
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

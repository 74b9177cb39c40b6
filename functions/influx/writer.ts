import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError, InfluxDB, setLogger } from '@influxdata/influxdb-client';
import pRetry from 'p-retry';
import type { InfluxConfig } from '../config/schema.js';
import type { InfluxCredentials } from '../secrets/credentials.js';

/** Where a run's points go, as line protocol: InfluxDB, or stdout for `--dry-run`. */
export interface PointSink {
  /** Writes one batch; resolves only once all of it was accepted. Throws `WriteError` otherwise. */
  write(lines: readonly string[], options?: WriteOptions): Promise<void>;
  /** Where the points go, for the run's summary (no credentials). */
  readonly description: string;
}

export interface WriteOptions {
  /** Epoch ms after which no further attempt starts: a run must keep time to spill what could not be written. */
  deadline?: number;
}

/** A batch InfluxDB did not accept, with the retry decision made once, here. */
export class WriteError extends Error {
  /** The points themselves are at fault (malformed, too large): writing them again cannot succeed. */
  get refusesPoints(): boolean {
    return this.httpStatus === 400 || this.httpStatus === 413 || this.httpStatus === 422;
  }

  override readonly name = 'WriteError';
  constructor(
    message: string,
    /** 0 when no HTTP response came back. */
    readonly httpStatus: number,
    /** Whether the same batch may succeed later (InfluxDB down, 5xx, 429) as opposed to being refused (4xx). */
    readonly retryable: boolean,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface InfluxWriterOptions {
  /** Attempts per batch for retryable failures. @default 3 */
  maxAttempts?: number;
  /** First retry delay in ms; doubled each time, with jitter so that shards do not retry in lockstep. @default 500 */
  minRetryDelayMs?: number;
  /** Longest delay between attempts in ms. @default 5000 */
  maxRetryDelayMs?: number;
}

// The client prints every failed attempt to the console; the writer reports failures itself, once, with context.
setLogger({ error: () => {}, warn: () => {} });

/**
 * Writes batches through `@influxdata/influxdb-client`: `/api/v2/write` via its `WriteApi` (InfluxDB 2.x, 3.x,
 * Cloud, Timestream for InfluxDB), or `/write?db=&rp=` via the same transport for InfluxDB 1.x. Retries (with
 * jitter, honouring `Retry-After`) are ours, so that `write` resolves only when the batch landed.
 */
export class InfluxWriter implements PointSink {
  readonly description: string;
  private readonly client: InfluxDB;
  private readonly options: Required<InfluxWriterOptions>;

  constructor(
    private readonly config: InfluxConfig,
    credentials: InfluxCredentials,
    options: InfluxWriterOptions = {},
  ) {
    this.options = { maxAttempts: 3, minRetryDelayMs: 500, maxRetryDelayMs: 5_000, ...options };
    const headers: Record<string, string> = {};
    if (config.apiVersion === 1 && (credentials.username || credentials.password)) {
      const basic = Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString(
        'base64',
      );
      headers.authorization = `Basic ${basic}`;
    }
    this.client = new InfluxDB({
      url: config.url,
      timeout: config.timeout,
      headers,
      ...(config.apiVersion === 2 && credentials.token ? { token: credentials.token } : {}),
    });
    const where = config.apiVersion === 2 ? `bucket ${config.bucket}` : `database ${config.database}`;
    this.description = `InfluxDB ${config.url} (${where})`;
  }

  async write(lines: readonly string[], options: WriteOptions = {}): Promise<void> {
    if (lines.length === 0) return;
    let attempts = 0;
    const writing = pRetry(
      async () => {
        attempts++;
        await this.send(lines);
      },
      {
        retries: this.options.maxAttempts - 1,
        minTimeout: this.options.minRetryDelayMs,
        maxTimeout: this.options.maxRetryDelayMs,
        randomize: true,
        ...(options.deadline ? { maxRetryTime: Math.max(0, options.deadline - Date.now()) } : {}),
        shouldRetry: ({ error }) => isRetryable(error),
        onFailedAttempt: async ({ error, retriesLeft }) => {
          const wait = retryAfterMs(error);
          if (retriesLeft > 0 && wait > 0 && isRetryable(error))
            await sleep(Math.min(wait, this.options.maxRetryDelayMs));
        },
      },
    );
    try {
      await (options.deadline ? beforeDeadline(writing, options.deadline) : writing);
    } catch (error) {
      throw writeErrorOf(error, attempts);
    }
  }

  private async send(lines: readonly string[]): Promise<void> {
    if (this.config.apiVersion === 2) {
      // A WriteApi per attempt: its own retry buffer stays empty, so `close()` settles with this attempt's result.
      const writeApi = this.client.getWriteApi(this.config.org ?? '', this.config.bucket, 's', {
        batchSize: lines.length + 1,
        flushInterval: 0,
        maxRetries: 0,
        gzipThreshold: 1_000,
      });
      writeApi.writeRecords([...lines]);
      await writeApi.close();
      return;
    }
    const query = new URLSearchParams({ db: this.config.database, precision: 's' });
    if (this.config.retentionPolicy) query.set('rp', this.config.retentionPolicy);
    await this.client.transport.request(`/write?${query}`, lines.join('\n'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      gzipThreshold: 1_000,
    });
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof HttpError) return error.statusCode === 408 || error.statusCode >= 429;
  // No HTTP answer at all: InfluxDB down, a reset, a socket timeout.
  return true;
}

function retryAfterMs(error: unknown): number {
  return error instanceof HttpError ? error.retryAfter() * 1_000 : 0;
}

class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/**
 * A stalled InfluxDB must not eat the time the run keeps for spilling: past the deadline the attempt is given up
 * (it may still land later; the spilled copy then overwrites the same points on replay).
 */
async function beforeDeadline(writing: Promise<void>, deadline: number): Promise<void> {
  writing.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineError('no answer from InfluxDB before the run had to move on')),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    await Promise.race([writing, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function writeErrorOf(error: unknown, attempts: number): WriteError {
  if (error instanceof HttpError) {
    const message = `InfluxDB answered HTTP ${error.statusCode}: ${serverMessage(error)}`;
    return new WriteError(message, error.statusCode, isRetryable(error), attempts, { cause: error });
  }
  const code = (error as { code?: string }).code;
  const what =
    error instanceof DeadlineError ? error.message : (code ?? (error as Error).message ?? String(error));
  return new WriteError(`InfluxDB not reachable: ${what}`, 0, true, attempts, { cause: error });
}

/** InfluxDB 1.x says `{"error": …}`, 2.x `{"code","message"}`. */
function serverMessage(error: HttpError): string {
  try {
    const json = JSON.parse(error.body ?? '') as { error?: string; message?: string };
    return json.message ?? json.error ?? error.message;
  } catch {
    return (error.body ?? error.message).slice(0, 300);
  }
}

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
  /**
   * Epoch ms at which the attempt in flight is destroyed and no further one starts: a run must keep time to spill
   * what could not be written.
   */
  deadline?: number;
  /** Ends the write at once (the collector is stopping); the batch is then spilled. */
  signal?: AbortSignal;
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
  /**
   * Hides credentials in InfluxDB's own words before they are cut or kept (a 401 body may echo the token, a
   * v1 error the Basic header). @default no change
   */
  scrub?: (text: string) => string;
}

// The client prints every failed attempt to the console; the writer reports failures itself, once, with context.
setLogger({ error: () => {}, warn: () => {} });

/**
 * Writes batches through `@influxdata/influxdb-client`'s transport (its auth, gzip and error bodies): `/api/v2/write`
 * (InfluxDB 2.x, 3.x, Cloud, Timestream for InfluxDB) or `/write?db=&rp=` (1.x). Not its `WriteApi`: that cannot
 * be aborted, and a request that is given up must be destroyed. Retries (with jitter, honouring `Retry-After`)
 * are ours, so that `write` resolves only when the batch landed.
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
    this.options = {
      maxAttempts: 3,
      minRetryDelayMs: 500,
      maxRetryDelayMs: 5_000,
      scrub: (text) => text,
      ...options,
    };
    const headers: Record<string, string> = {};
    if (config.apiVersion === 1 && (credentials.username || credentials.password)) {
      headers.authorization = `Basic ${basicAuthOf(credentials)}`;
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
    const stop = stopSignalOf(options);
    try {
      await pRetry(
        async () => {
          attempts++;
          await this.send(lines, stop);
        },
        {
          retries: this.options.maxAttempts - 1,
          minTimeout: this.options.minRetryDelayMs,
          maxTimeout: this.options.maxRetryDelayMs,
          randomize: true,
          ...(stop ? { signal: stop } : {}),
          ...(options.deadline ? { maxRetryTime: Math.max(0, options.deadline - Date.now()) } : {}),
          shouldRetry: ({ error }) => !stop?.aborted && isRetryable(error),
          onFailedAttempt: async ({ error, retriesLeft }) => {
            const wait = retryAfterMs(error);
            if (retriesLeft > 0 && wait > 0 && isRetryable(error)) {
              await sleep(
                Math.min(wait, this.options.maxRetryDelayMs),
                undefined,
                stop ? { signal: stop } : {},
              ).catch(() => undefined);
            }
          },
        },
      );
    } catch (error) {
      const stopped = stop?.aborted ? new DeadlineError(stopReason(options)) : error;
      throw writeErrorOf(stopped, attempts, this.options.scrub);
    }
  }

  /**
   * One attempt, destroyed (not merely given up) after the write timeout or when the run stops: an open socket to
   * an InfluxDB that never answers would keep the process alive.
   */
  private async send(lines: readonly string[], stop: AbortSignal | undefined): Promise<void> {
    const timeout = AbortSignal.timeout(this.config.timeout);
    const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
    try {
      await this.client.transport.request(this.writePath(), lines.join('\n'), {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        gzipThreshold: 1_000,
        signal,
      });
    } catch (error) {
      if (timeout.aborted && !stop?.aborted) {
        throw new DeadlineError(`no answer within ${this.config.timeout} ms`, { cause: error });
      }
      throw error;
    }
  }

  /** `/api/v2/write` (InfluxDB 2.x, 3.x, Cloud, Timestream) or InfluxDB 1.x's `/write`, precision `s`. */
  private writePath(): string {
    const { config } = this;
    if (config.apiVersion === 2) {
      const query = new URLSearchParams({
        org: config.org ?? '',
        bucket: config.bucket,
        precision: 's',
      });
      return `/api/v2/write?${query}`;
    }
    const query = new URLSearchParams({ db: config.database, precision: 's' });
    if (config.retentionPolicy) query.set('rp', config.retentionPolicy);
    return `/write?${query}`;
  }
}

/** What ends every attempt of a write early: its deadline, and the caller's stop (SIGTERM). */
function stopSignalOf(options: WriteOptions): AbortSignal | undefined {
  const signals: AbortSignal[] = [];
  // AbortSignal.timeout throws on a fractional delay, and deadlines are computed (a share of a run's time).
  if (options.deadline !== undefined)
    signals.push(AbortSignal.timeout(Math.max(0, Math.ceil(options.deadline - Date.now()))));
  if (options.signal) signals.push(options.signal);
  return signals.length > 0 ? AbortSignal.any(signals) : undefined;
}

function stopReason(options: WriteOptions): string {
  return options.signal?.aborted
    ? 'the write was cut short: the collector is stopping'
    : 'no answer from InfluxDB before the run had to move on';
}

/** The base64 `user:password` of a Basic `authorization` header. */
export function basicAuthOf(credentials: InfluxCredentials): string {
  return Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64');
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

function writeErrorOf(error: unknown, attempts: number, scrub: (text: string) => string): WriteError {
  if (error instanceof HttpError) {
    const message = `InfluxDB answered HTTP ${error.statusCode}: ${serverMessage(error, scrub)}`;
    return new WriteError(message, error.statusCode, isRetryable(error), attempts, { cause: error });
  }
  const code = (error as { code?: string }).code;
  const what =
    error instanceof DeadlineError ? error.message : (code ?? (error as Error).message ?? String(error));
  return new WriteError(`InfluxDB not reachable: ${what}`, 0, true, attempts, { cause: error });
}

/** InfluxDB 1.x says `{"error": …}`, 2.x `{"code","message"}`; scrubbed before it is cut. */
function serverMessage(error: HttpError, scrub: (text: string) => string): string {
  try {
    const json = JSON.parse(error.body ?? '') as { error?: string; message?: string };
    return scrub(json.message ?? json.error ?? error.message);
  } catch {
    return scrub(error.body ?? error.message).slice(0, 300);
  }
}

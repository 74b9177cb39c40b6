import { setTimeout as sleep } from 'node:timers/promises';
import type { Target } from '../config/schema.js';
import type { AccountLimit } from '../http/account-limit.js';
import { httpGet, TransportError } from '../http/get.js';
import type { SampleRecord } from '../points/build.js';
import { failureOfTransport, shortMessage } from '../providers/failures.js';
import { adapterFor } from '../providers/registry.js';
import {
  type AnyAdapter,
  credentialsSchemaOf,
  type Failure,
  type ProviderRequest,
  type Sample,
} from '../providers/types.js';
import type { PlannedSample } from '../schedule/plan.js';
import { parseCredentials } from '../secrets/credentials.js';
import type { RunSecrets } from '../secrets/run-secrets.js';
import { SecretError } from '../secrets/source.js';
import { MINUTE_MS } from '../time/units.js';

/** How long a target rests after a 429 that said nothing about when to come back. */
export const DEFAULT_RATE_LIMIT_BACKOFF_MS = MINUTE_MS;

/** What a sample needs from its run. */
export interface SampleContext {
  secrets: RunSecrets;
  /** Attempts for retryable failures (timeouts, resets, 5xx); a 401/403 adds one after re-reading the secret. */
  maxAttempts: number;
  /** Epoch ms after which no attempt starts: the run keeps the rest of its time to write. */
  stopAt: number;
  /** Target name → epoch ms before which it is not polled, after a 429. Shared by the run's samples. */
  backoff: Map<string, number>;
  /**
   * Names of targets whose last polled sample ended in a timeout: each of their samples makes one attempt, not
   * `maxAttempts`, until one is answered. Shared by the run's samples; absent, every sample has every attempt.
   */
  timedOut?: Set<string>;
  now: () => number;
  /**
   * A scheduled run (not `--once`): a sample whose window `[at, at + interval)` closed before the run reached
   * it is `missed`, not polled.
   */
  windowed?: boolean;
  /** Runs a request inside its provider account's cap on requests in flight. */
  limitAccount?: AccountLimit;
  /** First retry delay in ms, doubled per attempt with jitter. @default 250 */
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** The HTTP edge: a seam for unit tests of the run. @default httpGet */
  get?: typeof httpGet;
}

/**
 * Polls one target for one scheduled sample, retrying what may be retried; never throws. `reachedAt` is when the
 * run got to the sample's slot (queueing behind the concurrency bound after that does not make it late).
 */
export async function takeSample(
  planned: PlannedSample,
  context: SampleContext,
  reachedAt = context.now(),
): Promise<SampleRecord> {
  const { target, at } = planned;
  const adapter = adapterFor(target.endpoint);
  const started = context.now();
  let attempts = 0;
  // One object literal of one shape for every record: the run makes one per sample.
  const record = (outcome: Failure | Sample): SampleRecord => {
    const failed = 'outcome' in outcome;
    return {
      target,
      adapter,
      at,
      outcome: failed ? outcome.outcome : 'ok',
      project: adapter.project(target),
      httpStatus: failed ? outcome.httpStatus : 200,
      attempts,
      durationMs: context.now() - started,
      // A sample that was never polled is as late as the run was when it reached the slot.
      latenessMs: (attempts > 0 ? started : reachedAt) - at,
      error: failed ? shortMessage(context.secrets.scrub(outcome.message)) : '',
      sample: failed ? undefined : outcome,
    };
  };

  if (context.windowed && windowClosed(planned, reachedAt)) {
    return record({
      outcome: 'missed',
      httpStatus: 0,
      message: missedMessage(planned, reachedAt),
      retryable: false,
    });
  }

  const notBefore = context.backoff.get(target.name);
  if (notBefore !== undefined && context.now() < notBefore) {
    const message = `not polled: backing off after HTTP 429 until ${new Date(notBefore).toISOString()}`;
    return record({ outcome: 'rate_limited', httpStatus: 0, message, retryable: false });
  }

  let secretString: string;
  let prepared: Prepared;
  try {
    secretString = await context.secrets.get(target.secret);
    prepared = preparedFor(adapter, target, secretString);
  } catch (error) {
    return record(configFailure(error));
  }

  const attempt = async (): Promise<Sample | Failure> => {
    if (context.now() >= context.stopAt) {
      return {
        outcome: 'timeout',
        httpStatus: 0,
        message: 'run deadline reached before polling',
        retryable: false,
      };
    }
    if (context.signal?.aborted) {
      return {
        outcome: 'timeout',
        httpStatus: 0,
        message: 'not polled: the run was stopped',
        retryable: false,
      };
    }
    attempts++;
    const { request, account } = prepared;
    const fetch = () => fetchOnce(adapter, target, request, context);
    return context.limitAccount ? context.limitAccount(account, fetch) : fetch();
  };

  // The key may have been rotated since it was cached: after an `auth`, one fresh read and one more try.
  const attemptWithFreshKey = async (): Promise<Sample | Failure> => {
    const result = await attempt();
    if (!('outcome' in result) || result.outcome !== 'auth') return result;
    const fresh = await context.secrets.refresh(target.secret, secretString).catch(() => undefined);
    if (fresh === undefined) return result;
    secretString = fresh;
    prepared = preparedFor(adapter, target, fresh);
    return attempt();
  };

  // A server that let the last sample's attempts run into their timeouts is probed once, not retried: every
  // retry of it holds a request slot, and the run, for a whole timeout more.
  const maxAttempts = context.timedOut?.has(target.name) ? 1 : context.maxAttempts;
  let result: Sample | Failure;
  try {
    for (let attemptNo = 1; ; attemptNo++) {
      result = await attemptWithFreshKey();
      if (!('outcome' in result)) break;
      if (!result.retryable || attemptNo >= maxAttempts || context.signal?.aborted) break;
      const wait = result.retryAfterMs ?? retryDelayOf(attemptNo, context.retryDelayMs ?? 250);
      // A retry that could not start before sampling stops is not worth the wait.
      if (context.now() + wait >= context.stopAt) break;
      await sleep(wait, undefined, context.signal ? { signal: context.signal } : {}).catch(() => undefined);
      // Stopped during the pause: the sample keeps the failure it had.
      if (context.signal?.aborted) break;
    }
  } catch (error) {
    // A rotated secret that no longer parses is a config failure like any other.
    result = configFailure(error);
  }
  const failure = 'outcome' in result ? result : undefined;
  if (failure?.outcome === 'rate_limited') {
    context.backoff.set(target.name, context.now() + (failure.retryAfterMs ?? DEFAULT_RATE_LIMIT_BACKOFF_MS));
  }
  if (attempts > 0 && failure?.outcome === 'timeout') context.timedOut?.add(target.name);
  else if (attempts > 0) context.timedOut?.delete(target.name);
  return record(result);
}

/** Longest pause between two attempts of a sample, in ms. */
const MAX_RETRY_DELAY_MS = 4_000;

/**
 * The pause after attempt `attemptNo`: `firstMs` doubled per attempt, times a random factor from 1 to 2 so that
 * targets failing together do not retry in lockstep, at most {@link MAX_RETRY_DELAY_MS}.
 */
export function retryDelayOf(attemptNo: number, firstMs: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, firstMs * 2 ** (attemptNo - 1) * (1 + Math.random()));
}

/**
 * Whether a sample's window `[at, at + interval)` had closed when the run reached it. A late run thus takes only
 * the slot whose window contains now, never a burst of older slots (which a provider's floor would answer with 429),
 * and no reading is stamped with a time outside the interval it describes.
 */
export function windowClosed({ target, at }: PlannedSample, reachedAt: number): boolean {
  return reachedAt >= at + target.interval;
}

function missedMessage({ target, at }: PlannedSample, reachedAt: number): string {
  const late = ((reachedAt - at) / 1000).toFixed(1);
  return `missed: the run reached this sample ${late} s after its scheduled time, after its ${target.interval / 1000} s window had closed`;
}

/** A target's request and provider account, as its credentials make them. */
interface Prepared {
  secretString: string;
  request: ProviderRequest;
  account: string | undefined;
}

/**
 * The request of each target, kept while its secret is unchanged: adapters are pure, so the same target and the
 * same secret make the same request, and parsing the secret and building the URL need not run per sample.
 */
const preparedRequests = new WeakMap<Target, Prepared>();

function preparedFor(adapter: AnyAdapter, target: Target, secretString: string): Prepared {
  const known = preparedRequests.get(target);
  if (known?.secretString === secretString) return known;
  const credentials = credentialsOf(adapter, target, secretString);
  const prepared: Prepared = {
    secretString,
    request: adapter.request(target, credentials, target.baseUrl ?? adapter.defaultBaseUrl),
    account: adapter.accountOf?.(credentials),
  };
  preparedRequests.set(target, prepared);
  return prepared;
}

/**
 * Credentials parsed per schema and secret string: many targets share one secret (every project of an account),
 * and a discovered project is a new target each run. Cleared beyond a few secrets, so rotated values do not pile up.
 */
const parsedCredentials = new WeakMap<object, Map<string, unknown>>();
const MAX_PARSED_PER_SCHEMA = 32;

function credentialsOf(adapter: AnyAdapter, target: Target, secretString: string): unknown {
  const schema = credentialsSchemaOf(adapter, target);
  let parsed = parsedCredentials.get(schema);
  if (!parsed) {
    parsed = new Map();
    parsedCredentials.set(schema, parsed);
  }
  if (parsed.has(secretString)) return parsed.get(secretString);
  const credentials = parseCredentials(target.secret, secretString, schema);
  if (parsed.size >= MAX_PARSED_PER_SCHEMA) parsed.clear();
  parsed.set(secretString, credentials);
  return credentials;
}

async function fetchOnce(
  adapter: AnyAdapter,
  target: Target,
  request: ProviderRequest,
  { signal, get = httpGet }: Pick<SampleContext, 'signal' | 'get'>,
): Promise<Sample | Failure> {
  try {
    const response = await get(request, { timeoutMs: target.timeout, ...(signal ? { signal } : {}) });
    const parsed = adapter.parse(response, target);
    return parsed.ok ? parsed.sample : parsed.failure;
  } catch (error) {
    if (error instanceof TransportError) return failureOfTransport(error);
    throw error;
  }
}

function configFailure(error: unknown): Failure {
  if (error instanceof SecretError) {
    return { outcome: 'config', httpStatus: 0, message: error.message, retryable: false };
  }
  return unexpectedFailure(error);
}

/** A bug or an unforeseen exception stays this sample's failure instead of ending the run. */
function unexpectedFailure(error: unknown): Failure {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { outcome: 'bad_response', httpStatus: 0, message, retryable: false };
}

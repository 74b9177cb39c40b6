import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
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

/** A failed attempt, carried through p-retry to the retry decision. */
class AttemptFailedError extends Error {
  override readonly name = 'AttemptFailedError';
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
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
  const record = (outcome: Failure | Sample): SampleRecord => {
    const base = {
      target,
      adapter,
      at,
      attempts,
      durationMs: context.now() - started,
      // A sample that was never polled is as late as the run was when it reached the slot.
      latenessMs: (attempts > 0 ? started : reachedAt) - at,
      project: adapter.project(target),
    };
    if ('outcome' in outcome) {
      const error = shortMessage(context.secrets.scrub(outcome.message));
      return { ...base, outcome: outcome.outcome, httpStatus: outcome.httpStatus, error };
    }
    return { ...base, outcome: 'ok', httpStatus: 200, error: '', sample: outcome };
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

  try {
    const sample = await pRetry(
      async () => {
        let result = await attempt();
        if ('outcome' in result && result.outcome === 'auth') {
          // The key may have been rotated since it was cached: one fresh read, one more try, then `auth`.
          const fresh = await context.secrets.refresh(target.secret, secretString).catch(() => undefined);
          if (fresh !== undefined) {
            secretString = fresh;
            prepared = preparedFor(adapter, target, fresh);
            result = await attempt();
          }
        }
        if ('outcome' in result) throw new AttemptFailedError(result);
        return result;
      },
      {
        retries: context.maxAttempts - 1,
        minTimeout: context.retryDelayMs ?? 250,
        maxTimeout: 4_000,
        randomize: true,
        maxRetryTime: Math.max(0, context.stopAt - context.now()),
        shouldRetry: ({ error }) =>
          error instanceof AttemptFailedError && error.failure.retryable && !context.signal?.aborted,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          const wait = error instanceof AttemptFailedError ? error.failure.retryAfterMs : undefined;
          if (wait && retriesLeft > 0 && error instanceof AttemptFailedError && error.failure.retryable) {
            await sleep(Math.min(wait, Math.max(0, context.stopAt - context.now())));
          }
        },
      },
    );
    return record(sample);
  } catch (error) {
    // A rotated secret that no longer parses is a config failure like any other.
    const failure = error instanceof AttemptFailedError ? error.failure : configFailure(error);
    if (failure.outcome === 'rate_limited') {
      context.backoff.set(
        target.name,
        context.now() + (failure.retryAfterMs ?? DEFAULT_RATE_LIMIT_BACKOFF_MS),
      );
    }
    return record(failure);
  }
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
  const credentials = parseCredentials(target.secret, secretString, credentialsSchemaOf(adapter, target));
  const prepared: Prepared = {
    secretString,
    request: adapter.request(target, credentials, target.baseUrl ?? adapter.defaultBaseUrl),
    account: adapter.accountOf?.(credentials),
  };
  preparedRequests.set(target, prepared);
  return prepared;
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

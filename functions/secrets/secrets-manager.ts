import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { awsClientDeadlines } from '../http/aws.js';
import { SecretError, type SecretSource } from './source.js';

export interface SecretsManagerSourceOptions {
  /**
   * Seconds a secret stays cached across warm invocations. A rotated key is still picked up at once:
   * the run re-reads a secret with `fresh` after a 401/403.
   * @default 300
   */
  maxAgeSeconds?: number;
  /** Milliseconds one request may wait for its answer before its socket is destroyed. @default 5000 */
  requestTimeoutMs?: number;
}

/**
 * Secrets Manager through Powertools' parameters utility (cache with a max age, shared by warm invocations).
 * The SDK client honours `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL`, so a local stand-in works.
 */
export class SecretsManagerSource implements SecretSource {
  private readonly provider: SecretsProvider;
  private readonly maxAge: number;

  constructor(options: SecretsManagerSourceOptions = {}) {
    this.maxAge = options.maxAgeSeconds ?? 300;
    this.provider = new SecretsProvider({ clientConfig: awsClientDeadlines(options.requestTimeoutMs) });
  }

  async get(name: string, options: { fresh?: boolean } = {}): Promise<string> {
    let value: string | Uint8Array | undefined;
    try {
      value = await this.provider.get(name, { maxAge: this.maxAge, forceFetch: options.fresh ?? false });
    } catch (cause) {
      throw new SecretError(name, `cannot be read from Secrets Manager (${awsErrorName(cause)})`, { cause });
    }
    if (typeof value !== 'string')
      throw new SecretError(name, 'has no SecretString (binary secrets are not supported)');
    return value;
  }
}

/** Powertools wraps the SDK's error; its name (ResourceNotFoundException, AccessDeniedException…) is what helps. */
function awsErrorName(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current; depth++) {
    const name = (current as { name?: unknown }).name;
    if (typeof name === 'string' && name !== 'Error' && name !== 'GetParameterError') return name;
    current = (current as { cause?: unknown }).cause;
  }
  return 'unknown error';
}

import type * as z from 'zod';
import { SecretError } from './source.js';

/**
 * Reads a provider's credentials out of a secret's JSON. Errors name the secret and the key that is
 * missing or of the wrong type; they never repeat a value.
 */
export function parseCredentials<T extends z.ZodType>(
  secretName: string,
  secretString: string,
  schema: T,
): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch (cause) {
    throw new SecretError(secretName, 'SecretString is not JSON', { cause });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SecretError(secretName, 'SecretString is not a JSON object');
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(value)';
    const present =
      issue.path.length > 0 && (json as Record<string, unknown>)[String(issue.path[0])] !== undefined;
    return present ? `key "${key}" must be a non-empty string` : `key "${key}" is missing`;
  });
  throw new SecretError(secretName, problems.join('; '));
}

/** The InfluxDB credentials: a v2 token, or v1 username/password (both optional for an open server). */
export interface InfluxCredentials {
  token?: string;
  username?: string;
  password?: string;
}

/** A token secret may be JSON (`{"token"}` / `{"username","password"}`) or the bare token string. */
export function parseInfluxCredentials(secretName: string, secretString: string): InfluxCredentials {
  const trimmed = secretString.trim();
  if (!trimmed.startsWith('{')) return trimmed === '' ? {} : { token: trimmed };
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(trimmed);
  } catch (cause) {
    throw new SecretError(secretName, 'SecretString starts like JSON but is not JSON', { cause });
  }
  const credentials: InfluxCredentials = {};
  for (const key of ['token', 'username', 'password'] as const) {
    const value = json[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new SecretError(secretName, `key "${key}" must be a string`);
    credentials[key] = value;
  }
  // `{}` is an InfluxDB without authentication; other keys alone are a secret filled in wrongly.
  if (Object.keys(json).length > 0 && credentials.token === undefined && credentials.username === undefined) {
    throw new SecretError(
      secretName,
      'holds neither "token" (InfluxDB 2) nor "username" and "password" (1.x)',
    );
  }
  return credentials;
}

import type * as z from 'zod';

/** A configuration that cannot run; each line names the bad path and what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(problems.join('\n'), options);
  }
}

/** `targets[2].interval` from `['targets', 2, 'interval']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

/** One sentence per issue, each starting with where it is. */
export function describeConfigIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = formatPath([...(prefix ? [prefix] : []), ...issue.path]) || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
    }
    if (issue.code === 'invalid_key') {
      return `${path}: key is invalid (${issue.issues.map((inner) => inner.message).join('; ')})`;
    }
    return `${path}: ${issue.message}`;
  });
}

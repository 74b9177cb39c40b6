import { readFile } from 'node:fs/promises';
import { ConfigError, describeConfigIssues } from './errors.js';
import { type Config, configSchema } from './schema.js';

/** Validates a parsed config object; throws a `ConfigError` listing every problem by path. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(describeConfigIssues(result.error));
  return result.data as Config;
}

/** Reads and validates a config file; every error names the file. */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause);
    throw new ConfigError([`${path}: cannot read the config file (${reason})`], { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError([`${path}: not valid JSON (${(cause as Error).message})`], { cause });
  }
  try {
    return parseConfig(json);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError(
        error.problems.map((problem) => `${path}: ${problem}`),
        { cause: error },
      );
    }
    throw error;
  }
}

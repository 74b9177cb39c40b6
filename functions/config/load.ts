import { readFile } from 'node:fs/promises';
import { ConfigError, describeConfigIssues } from './errors.js';
import { parseJsonText } from './json-text.js';
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
  const json = parseJsonText(text);
  if (!json.ok) {
    const { line, column, reason } = json.problem;
    throw new ConfigError([`${path}: not valid JSON at line ${line}, column ${column}: ${reason}`]);
  }
  try {
    return parseConfig(json.value);
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

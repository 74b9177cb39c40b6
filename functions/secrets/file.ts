import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.js';
import { parseJsonText } from '../config/json-text.js';
import { SecretError, type SecretSource } from './source.js';

/**
 * Secrets from a local JSON file mapping secret name → value (an object, or a string), for runs without AWS.
 * Objects are handed out as JSON text, exactly as Secrets Manager hands out a `SecretString`.
 */
export class FileSecretSource implements SecretSource {
  private constructor(
    private readonly path: string,
    private readonly secrets: ReadonlyMap<string, string>,
  ) {}

  static async load(path: string): Promise<FileSecretSource> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable';
      throw new ConfigError([`${path}: cannot read the secrets file (${reason})`], { cause });
    }
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      // The parser's reason may quote the file's content, which is secret: say only where.
      const { line, column } = parsed.problem;
      throw new ConfigError([
        `${path}: the secrets file is not valid JSON at line ${line}, column ${column}`,
      ]);
    }
    const json = parsed.value;
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new ConfigError([`${path}: expected an object mapping secret names to values`]);
    }
    const entries = Object.entries(json).map(([name, value]): [string, string] => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]);
    return new FileSecretSource(path, new Map(entries));
  }

  async get(name: string): Promise<string> {
    const value = this.secrets.get(name);
    if (value === undefined) throw new SecretError(name, `is not in ${this.path}`);
    return value;
  }
}

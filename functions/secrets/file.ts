import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.js';
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
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (cause) {
      // The parser's message may quote the file's content, which is secret: say only what kind of failure.
      const reason =
        (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable JSON';
      throw new ConfigError([`${path}: cannot read the secrets file (${reason})`], { cause });
    }
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

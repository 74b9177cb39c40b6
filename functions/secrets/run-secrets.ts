import { secretValuesOf } from './redact.js';
import type { SecretSource } from './source.js';

/**
 * The secrets of one run: each read once however many targets share it, and re-read (bypassing every cache)
 * at most once, after the provider refused the key it held. Remembers every value it handed out, for redaction.
 */
export class RunSecrets {
  private readonly reads = new Map<string, Promise<string>>();
  private readonly refreshed = new Set<string>();
  private readonly values = new Set<string>();

  constructor(private readonly source: SecretSource) {}

  get(name: string): Promise<string> {
    let read = this.reads.get(name);
    if (!read) {
      read = this.remember(this.source.get(name));
      this.reads.set(name, read);
    }
    return read;
  }

  /**
   * After a provider refused `used`: reads the secret again, bypassing every cache, once per run (targets
   * sharing the secret share that read). Returns the newer value, or `undefined` when it is still `used`.
   */
  async refresh(name: string, used: string): Promise<string | undefined> {
    if (!this.refreshed.has(name)) {
      this.refreshed.add(name);
      this.reads.set(name, this.remember(this.source.get(name, { fresh: true })));
    }
    const current = await this.get(name);
    return current === used ? undefined : current;
  }

  /** Every credential value read so far. */
  get known(): ReadonlySet<string> {
    return this.values;
  }

  private async remember(read: Promise<string>): Promise<string> {
    const value = await read;
    for (const secret of secretValuesOf(value)) this.values.add(secret);
    return value;
  }
}

import { Scrubber } from './redact.js';
import type { SecretSource } from './source.js';

/**
 * The secrets of one run: each read once however many targets share it, and re-read (bypassing every cache)
 * at most once, after the provider refused the key it held. Every value it handed out
 * is known to its scrubber.
 */
export class RunSecrets {
  private readonly reads = new Map<string, Promise<string>>();
  private readonly refreshed = new Set<string>();
  private readonly scrubber = new Scrubber();

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

  /** The text with every credential read so far (and every value `conceal`ed) hidden: see `Scrubber`. */
  scrub(text: string): string {
    return this.scrubber.scrub(text);
  }

  /** Hides a value derived from a credential, such as the base64 `user:password` of a Basic header. */
  conceal(value: string): void {
    this.scrubber.add(value);
  }

  private async remember(read: Promise<string>): Promise<string> {
    const value = await read;
    this.scrubber.addSecret(value);
    return value;
  }
}

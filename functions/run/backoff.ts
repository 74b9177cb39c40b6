import { createHash } from 'node:crypto';
import type { SpillStore } from '../spill/store.js';
import type { RunLog } from './collect.js';

/** The state scope of a shard: stable for the same set of target names, whatever their order. */
export function scopeOf(targetNames: readonly string[]): string {
  const digest = createHash('sha256')
    .update([...targetNames].sort().join('\n'))
    .digest('hex');
  return `shard-${digest.slice(0, 16)}`;
}

/**
 * 429 back-offs, remembered in memory while the process lives and in the spill store across cold starts and
 * cron runs. Each scope (shard) has its own state object, written only when it changed.
 */
export class CarriedBackoff {
  /** Target name → epoch ms before which it is not polled; shared by every scope of this process. */
  readonly resting = new Map<string, number>();
  private readonly loaded = new Map<string, Promise<void>>();
  private readonly saved = new Map<string, string>();

  constructor(
    private readonly store: SpillStore | undefined,
    private readonly log: RunLog,
  ) {}

  /** Loads a scope's state once per process; a store that cannot be read only costs the memory of earlier 429s. */
  load(scope: string): Promise<void> {
    let loading = this.loaded.get(scope);
    if (!loading) {
      loading = (async () => {
        const state = await this.store?.loadState(scope).catch(() => undefined);
        for (const [target, until] of Object.entries(state?.backoff ?? {})) {
          this.resting.set(target, Math.max(until, this.resting.get(target) ?? 0));
        }
        this.saved.set(scope, JSON.stringify(state?.backoff ?? {}));
      })();
      this.loaded.set(scope, loading);
    }
    return loading;
  }

  /** Saves the back-offs of these targets that are still running, if they changed since the last save. */
  async save(scope: string, targetNames: readonly string[], now = Date.now()): Promise<void> {
    const backoff = Object.fromEntries(
      targetNames
        .map((name) => [name, this.resting.get(name)] as const)
        .filter((entry): entry is readonly [string, number] => entry[1] !== undefined && entry[1] > now),
    );
    const snapshot = JSON.stringify(backoff);
    if (!this.store || this.saved.get(scope) === snapshot) return;
    try {
      await this.store.saveState(scope, { backoff });
      this.saved.set(scope, snapshot);
    } catch (error) {
      this.log.warn('could not save back-off state', { error: String(error) });
    }
  }
}

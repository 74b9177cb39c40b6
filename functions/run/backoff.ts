import { createHash } from 'node:crypto';
import type { RunLog } from '../log/run-log.js';
import { MAX_RETRY_AFTER_MS } from '../providers/failures.js';
import type { SpillStore } from '../spill/store.js';

/** The state scope of a shard: stable for the same set of target names, whatever their order. */
export function scopeOf(targetNames: readonly string[]): string {
  const digest = createHash('sha256')
    .update([...targetNames].sort().join('\n'))
    .digest('hex');
  return `shard-${digest.slice(0, 16)}`;
}

/**
 * What a target's earlier samples taught the runs after them. 429 back-offs, remembered in memory while the
 * process lives and in the spill store across cold starts and cron runs (each scope, a shard, has its own state
 * object, written only when it changed); and which targets last timed out, in memory only.
 */
export class CarriedBackoff {
  /** Target name → epoch ms before which it is not polled; shared by every scope of this process. */
  readonly resting = new Map<string, number>();
  /**
   * Targets whose last sample timed out, probed with one attempt until one answers. In memory only: after a cold
   * start a hanging target costs one sample's full attempts before it is known again.
   */
  readonly timedOut = new Set<string>();
  private readonly loaded = new Map<string, Promise<void>>();
  private readonly saved = new Map<string, string>();

  constructor(
    private readonly store: SpillStore | undefined,
    private readonly log: RunLog,
  ) {}

  /** What a run reads and updates of it: the same objects every run, so each run learns from the last. */
  forRun(): { backoff: Map<string, number>; timedOut: Set<string> } {
    return { backoff: this.resting, timedOut: this.timedOut };
  }

  /** Loads a scope's state once per process; a store that cannot be read only costs the memory of earlier 429s. */
  load(scope: string): Promise<void> {
    let loading = this.loaded.get(scope);
    if (!loading) {
      loading = (async () => {
        const text = await this.store?.readState(scope).catch(() => undefined);
        const backoff = parseBackoff(text);
        for (const [target, until] of Object.entries(backoff)) {
          this.resting.set(target, Math.max(until, this.resting.get(target) ?? 0));
        }
        this.saved.set(scope, JSON.stringify(backoff));
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
      await this.store.writeState(scope, snapshot);
      this.saved.set(scope, snapshot);
    } catch (error) {
      this.log.warn('could not save back-off state', { error: String(error) });
    }
  }
}

/** Reads saved back-offs defensively: a damaged state document must not stop a run, nor silence a target. */
function parseBackoff(text: string | undefined, now = Date.now()): Record<string, number> {
  try {
    const json = JSON.parse(text ?? '{}') as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(json).filter(
        (entry): entry is [string, number] =>
          typeof entry[1] === 'number' && entry[1] > now && entry[1] <= now + MAX_RETRY_AFTER_MS,
      ),
    );
  } catch {
    return {};
  }
}

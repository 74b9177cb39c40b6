import type { PointSink, WriteOptions } from '../../functions/influx/writer.js';
import type { RunLog } from '../../functions/log/run-log.js';
import type { ProviderRequest, ProviderResponse } from '../../functions/providers/types.js';
import { SecretError, type SecretSource } from '../../functions/secrets/source.js';
import type { RefusedLines, SpillStore } from '../../functions/spill/store.js';

/** In-memory fakes of the run's I/O interfaces, for unit tests of the run's logic. */

/** A clock that moves only when told to. */
export function manualClock(start = Date.UTC(2026, 0, 1)): { now: () => number; advance(ms: number): void } {
  let time = start;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
  };
}

/** Keeps every batch it accepts; `fail` decides, per call, whether (and how) a write fails instead. */
export class MemorySink implements PointSink {
  readonly description = 'memory';
  readonly written: string[][] = [];
  readonly calls: { lines: readonly string[]; options?: WriteOptions }[] = [];
  fail: (lines: readonly string[]) => Error | undefined = () => undefined;

  async write(lines: readonly string[], options?: WriteOptions): Promise<void> {
    this.calls.push(options ? { lines, options } : { lines });
    const error = this.fail(lines);
    if (error) throw error;
    this.written.push([...lines]);
  }

  get lines(): string[] {
    return this.written.flat();
  }
}

/** A spill store in a map, keys sorted as the real ones (by scheduled time, then by a counter). */
export class MemorySpill implements SpillStore {
  readonly description = 'memory spill';
  readonly batches = new Map<string, string[]>();
  readonly rejected: { lines: string[]; message: string; at: number }[] = [];
  readonly state = new Map<string, string>();
  failPut = false;
  failState = false;
  private counter = 0;

  async put(lines: readonly string[], at: number): Promise<string> {
    if (this.failPut) throw new Error('spill store unavailable');
    const key = `${String(at).padStart(15, '0')}-${String(this.counter++).padStart(4, '0')}`;
    this.batches.set(key, [...lines]);
    return key;
  }
  async list(): Promise<string[]> {
    return [...this.batches.keys()].sort();
  }
  async read(key: string): Promise<string[]> {
    return [...(this.batches.get(key) ?? [])];
  }
  async delete(key: string): Promise<void> {
    this.batches.delete(key);
  }
  async reject(refused: readonly RefusedLines[], at: number): Promise<string> {
    for (const { lines, message } of refused) this.rejected.push({ lines: [...lines], message, at });
    return `rejected/${this.rejected.length}`;
  }
  async readState(name: string): Promise<string | undefined> {
    if (this.failState) throw new Error('state unreadable');
    return this.state.get(name);
  }
  async writeState(name: string, text: string): Promise<void> {
    if (this.failState) throw new Error('state unwritable');
    this.state.set(name, text);
  }
}

/** Secrets in a map; `set` rotates one, `reads` counts every read (fresh ones apart). */
export class MemorySecrets implements SecretSource {
  readonly reads: { name: string; fresh: boolean }[] = [];
  private readonly values: Map<string, string>;

  constructor(values: Record<string, unknown>) {
    this.values = new Map(
      Object.entries(values).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
  }
  set(name: string, value: unknown): void {
    this.values.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  async get(name: string, options?: { fresh?: boolean }): Promise<string> {
    this.reads.push({ name, fresh: options?.fresh === true });
    const value = this.values.get(name);
    if (value === undefined) throw new SecretError(name, 'no such secret');
    return value;
  }
}

/** A stand-in for the HTTP edge: answers each request with what `answer` returns, and keeps the requests. */
export function fakeGet(
  answer: (request: ProviderRequest, index: number) => Partial<ProviderResponse> & { body: string },
) {
  const requests: ProviderRequest[] = [];
  const get = async (request: ProviderRequest): Promise<ProviderResponse> => {
    requests.push(request);
    const response = answer(request, requests.length - 1);
    return { status: 200, headers: new Headers(), ...response };
  };
  return Object.assign(get, { requests });
}

/** A run log that keeps its lines as objects. */
export function recordingLog(): RunLog & {
  entries: { level: string; message: string; attributes: Record<string, unknown> }[];
} {
  const entries: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    entries.push({ level, message, attributes });
  };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

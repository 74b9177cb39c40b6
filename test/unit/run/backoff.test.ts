import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS } from '../../../functions/providers/failures.js';
import { CarriedBackoff, scopeOf } from '../../../functions/run/backoff.js';
import { MemorySpill, recordingLog } from '../../support/fakes.js';

describe('scopeOf', () => {
  it('names a shard by its set of targets, whatever their order', () => {
    expect(scopeOf(['b', 'a', 'c'])).toBe(scopeOf(['c', 'b', 'a']));
    expect(scopeOf(['a', 'b'])).not.toBe(scopeOf(['a', 'b', 'c']));
    expect(scopeOf(['a'])).toMatch(/^shard-[0-9a-f]{16}$/);
  });
});

describe('CarriedBackoff', () => {
  it('carries a 429 rest across processes through the store', async () => {
    const store = new MemorySpill();
    const now = Date.now();
    const first = new CarriedBackoff(store, recordingLog());
    await first.load('s1');
    first.resting.set('t1', now + 60_000);
    await first.save('s1', ['t1', 't2'], now);

    const next = new CarriedBackoff(store, recordingLog());
    await next.load('s1');
    expect(next.resting.get('t1')).toBe(now + 60_000);
    expect(next.resting.has('t2')).toBe(false);
  });

  it('saves only the targets of the scope whose rest is still running, and only when it changed', async () => {
    const store = new MemorySpill();
    const now = Date.now();
    const backoff = new CarriedBackoff(store, recordingLog());
    await backoff.load('s1');
    backoff.resting.set('t1', now + 60_000);
    backoff.resting.set('t2', now - 1);
    backoff.resting.set('other-shard', now + 60_000);
    await backoff.save('s1', ['t1', 't2'], now);
    expect(JSON.parse(store.state.get('s1') as string)).toEqual({ t1: now + 60_000 });

    const writes: string[] = [];
    const writeState = store.writeState.bind(store);
    store.writeState = async (name, text) => {
      writes.push(name);
      await writeState(name, text);
    };
    await backoff.save('s1', ['t1', 't2'], now);
    expect(writes).toEqual([]);
  });

  it('drops expired, absurd and damaged saved rests: a bad document must not silence a target', async () => {
    const store = new MemorySpill();
    const now = Date.now();
    store.state.set(
      's1',
      JSON.stringify({
        past: now - 1,
        ok: now + 30_000,
        absurd: now + MAX_RETRY_AFTER_MS + 60_000,
        text: 'x',
      }),
    );
    store.state.set('s2', '{not json');
    const backoff = new CarriedBackoff(store, recordingLog());
    await backoff.load('s1');
    await backoff.load('s2');
    expect([...backoff.resting.keys()]).toEqual(['ok']);
  });

  it('keeps the later of a remembered and a loaded rest, and loads a scope once', async () => {
    const store = new MemorySpill();
    const now = Date.now();
    store.state.set('s1', JSON.stringify({ t1: now + 10_000 }));
    const backoff = new CarriedBackoff(store, recordingLog());
    backoff.resting.set('t1', now + 50_000);
    await backoff.load('s1');
    expect(backoff.resting.get('t1')).toBe(now + 50_000);
    store.state.set('s1', JSON.stringify({ t2: now + 10_000 }));
    await backoff.load('s1');
    expect(backoff.resting.has('t2')).toBe(false);
  });

  it('runs on when the store cannot be read or written, saying so once per failed save', async () => {
    const store = new MemorySpill();
    store.failState = true;
    const log = recordingLog();
    const backoff = new CarriedBackoff(store, log);
    await backoff.load('s1');
    backoff.resting.set('t1', Date.now() + 60_000);
    await backoff.save('s1', ['t1']);
    expect(log.entries).toEqual([
      {
        level: 'warn',
        message: 'could not save back-off state',
        attributes: { error: 'Error: state unwritable' },
      },
    ]);
  });
});

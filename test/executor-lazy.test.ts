/**
 * loop.runInExecutor before the default pool is loaded (executor-calls.ts: the pool's module is
 * loaded by import() on the first call that needs it). This file imports neither the package entry
 * nor executor.ts, so under vitest (one module graph per file) its first call finds the pool not
 * loaded; in a bundled host another file may have loaded it first, and every case holds either way.
 * Real workers, both cores.
 */
import { describe, expect, it } from 'vitest';
import { newEventLoop } from '../bindings/events.js';
import { CancelledError, RuntimeError } from '../bindings/errors.js';

const CORES = ['wasm', 'js'] as const;

describe.each(CORES)('runInExecutor while the default pool loads (%s core)', (core) => {
  it('calls made at once each get a Future at once, and each runs with its own arguments', async () => {
    const loop = newEventLoop({ core });
    const futs = [1, 2, 3, 4].map((i) => loop.runInExecutor(null, (x: number) => x * 10, i));
    for (const f of futs) expect(f.done()).toBe(false);
    const results: number[] = [];
    for (const f of futs) results.push(await loop.runUntilComplete(f));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(loop._promiseBridges).toBe(0);
    await loop.shutdownDefaultExecutor();
    loop.close();
  });

  it('what the pool refuses is refused at the call site, before anything loads or runs', () => {
    const loop = newEventLoop({ core });
    expect(() => loop.runInExecutor(null, Math.max)).toThrow(TypeError); // native: no source to ship
    expect(() => loop.runInExecutor(null, 'triple')).toThrow(/no module to find it in/);
    expect(() => loop.runInExecutor(null, '')).toThrow(TypeError);
    expect(() => loop.runInExecutor(null, 42 as never)).toThrow(TypeError);
    expect(() => loop.runInExecutor({} as never, () => 1)).toThrow(/submit\(fn, args\)/);
    loop.close();
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(RuntimeError); // closed
  });

  it('a Future cancelled before its call started is cancelled, settles nothing later, and later calls still run', async () => {
    const loop = newEventLoop({ core });
    const first = loop.runInExecutor(null, () => 'first');
    expect(first.cancel()).toBe(true);
    const second = loop.runInExecutor(null, () => 'second');
    expect(await loop.runUntilComplete(second)).toBe('second');
    expect(first.cancelled()).toBe(true);
    expect(() => first.result()).toThrow(CancelledError);
    expect(loop._promiseBridges).toBe(0); // the cancelled call's bridge settled too: nothing waits on it
    await loop.shutdownDefaultExecutor();
    loop.close();
  });

  it('after shutdownDefaultExecutor a call is refused at the call site', async () => {
    const loop = newEventLoop({ core });
    expect(await loop.runUntilComplete(loop.runInExecutor(null, () => 7))).toBe(7);
    await loop.shutdownDefaultExecutor();
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(new RuntimeError('Executor shutdown has been called'));
    loop.close();
  });
});

/**
 * What every host I/O check needs, with no host import (so checks run in Node, Deno, Bun and a
 * browser page): run a main coroutine on a real-clock loop bounded in time, compare, encode.
 */
import type * as Index from '../../bindings/index.js';

/** Runs `main(loop)` on a new monotonic loop; after `limit` seconds cancels it (and stops the loop if cancellation cannot reach it); closes the loop. */
export async function onLoop<T>(wl: typeof Index, core: 'wasm' | 'js', main: (loop: Index.EventLoop) => Promise<T> | Generator<unknown, T, any>, limit = 15): Promise<T> {
  const loop = wl.newEventLoop({ core });
  const task = loop.createTask(() => main(loop));
  const guard = loop.callLater(limit, () => {
    task.cancel(`took longer than ${limit} s`);
    loop.callLater(1, () => loop.stop());
  });
  try {
    return (await loop.runUntilComplete(task)) as T;
  } finally {
    guard.cancel();
    loop.close();
  }
}

/** Throws unless `actual` and `expected` have the same JSON form. */
export function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/// <reference types="node" />
/**
 * loop.addSignalHandler / removeSignalHandler over process signal events. A handler runs as a
 * loop callback (callSoon) in the context current when it was added. One handler per signal per
 * loop, as asyncio; closing the loop removes its handlers, so the host's default action (exit on
 * SIGINT) comes back.
 */
import * as os from 'node:os';
import process from 'node:process';
import { isMainThread } from 'node:worker_threads';
import { RuntimeError, describe } from '../../errors.js';
import { copyContext } from '../../context.js';
import { checkCallable } from '../../callables.js';
import type { EventLoop } from '../../loop.js';
import { ARGS_ARRAY } from '../../handles.js';

type Listener = () => void;
const byLoop = new WeakMap<EventLoop, Map<string, Listener>>();
const signals = os.constants.signals as Record<string, number>;

/** The signal's name ('SIGINT') from a name or a number; RangeError/TypeError otherwise. */
function signalName(sig: unknown): string {
  if (typeof sig === 'string') {
    if (!(sig in signals)) throw new RangeError(`invalid signal ${JSON.stringify(sig)}`);
    return sig;
  }
  if (typeof sig === 'number' && Number.isInteger(sig)) {
    for (const [name, num] of Object.entries(signals)) if (num === sig) return name;
    throw new RangeError(`invalid signal number ${sig}`);
  }
  throw new TypeError(`sig must be a signal name or number, got ${describe(sig)}`);
}

export function addSignalHandler(loop: EventLoop, sig: string | number, callback: (...args: any[]) => unknown, args: unknown[]): void {
  checkCallable(callback, 'addSignalHandler');
  if (loop.isClosed()) throw new RuntimeError('Event loop is closed');
  const name = signalName(sig);
  if (name === 'SIGKILL' || name === 'SIGSTOP') throw new RuntimeError(`sig ${signals[name]} cannot be caught`);
  if (!isMainThread) throw new RuntimeError('addSignalHandler() works in the main thread only (signals are delivered to it)');
  let map = byLoop.get(loop);
  if (!map) {
    map = new Map();
    byLoop.set(loop, map);
    const onClose = ((loop._extra.onClose as Listener[] | undefined) ??= []);
    const m = map;
    onClose.push(() => {
      for (const [n, l] of m) process.removeListener(n, l);
      m.clear();
    });
  }
  const old = map.get(name);
  if (old) process.removeListener(name, old);
  const ctx = copyContext();
  const listener: Listener = () => {
    if (!loop.isClosed()) loop._soonAlways(callback, args, ARGS_ARRAY, ctx);
  };
  map.set(name, listener);
  process.on(name as NodeJS.Signals, listener);
}

export function removeSignalHandler(loop: EventLoop, sig: string | number): boolean {
  const name = signalName(sig);
  const map = byLoop.get(loop);
  const l = map?.get(name);
  if (!l) return false;
  map!.delete(name);
  process.removeListener(name, l);
  return true;
}

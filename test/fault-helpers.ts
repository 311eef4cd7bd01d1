/**
 * The fault-injection sweep (test/fault-injection*.test.ts): a program runs once to count its core
 * allocations, then once per k with the k-th refused (core.failAfter), and the loop's state is
 * checked after each run.
 */
import { expect } from 'vitest';
import { ExceptionGroup, Future, Task, allTasks, newEventLoop, sleep, type EventLoop } from '../bindings/index.js';
import { MEMORY_EXHAUSTED } from '../bindings/core/types.js';
import type { CoreName } from './helpers.js';

export interface SweepOptions {
  /** 'virtual' (default) or 'monotonic' (programs that wait on the host: sockets, signals). */
  clock?: 'virtual' | 'monotonic';
  /** Seconds of loop time after which a run counts as hung (default 1e6 on the virtual clock). */
  hang?: number;
  /** 'async' (default: runUntilComplete) or 'sync' (runUntilCompleteSync, for generator programs). */
  runner?: 'async' | 'sync';
}

export const INJECTED = `${MEMORY_EXHAUSTED}: refused by failAfter() (fault injection)`;
const COUNT = 2 ** 30;

/** Whether `e` is the injected refusal, or an error that carries it (an ExceptionGroup, a cause). */
function carriesRefusal(e: unknown, depth = 0): boolean {
  if (depth > 8 || e === null || typeof e !== 'object') return false;
  if (e instanceof RangeError && e.message === INJECTED) return true;
  if (e instanceof ExceptionGroup) return e.exceptions.some((x) => carriesRefusal(x, depth + 1));
  return carriesRefusal((e as { cause?: unknown }).cause, depth + 1);
}

export type Program = (loop: EventLoop, made: Future<unknown>[]) => unknown;

export interface Outcome {
  k: number;
  how: 'ok' | 'refused' | 'create refused' | string;
}

/**
 * Runs `program` as the main task of a fresh virtual loop with the k-th allocation refused (k 0:
 * none), then asyncio.run's shutdown (the leftover tasks cancelled and awaited), and checks the
 * state. Returns what happened and how many allocations were made.
 */
async function runOnce(core: CoreName, program: Program, expected: unknown, k: number, opts: SweepOptions): Promise<{ outcome: Outcome; allocations: number }> {
  const loop = newEventLoop({ core, clock: opts.clock ?? 'virtual' });
  const hang = opts.hang ?? 1e6;
  const runUntil = <T>(f: Future<T>): Promise<T> => (opts.runner === 'sync' ? Promise.resolve().then(() => loop.runUntilCompleteSync(f)) : loop.runUntilComplete(f));
  const tasks: Task<unknown>[] = [];
  loop.setTaskFactory((l, coro, opts) => {
    const t = new Task(coro, { ...opts, loop: l as EventLoop });
    tasks.push(t as Task<unknown>);
    return t;
  });
  const reports: unknown[] = [];
  loop.setExceptionHandler((_l, ctx) => void reports.push(ctx.exception ?? ctx.message));
  let hung = false;
  const guard = () => {
    hung = true;
    loop.stop();
    loop.callLater(hang, guard); // the shutdown below is guarded too
  };
  loop.callLater(hang, guard);
  const made: Future<unknown>[] = []; // futures the program makes: none may end done with callbacks held
  loop._core.failAfter(k === 0 ? COUNT : k);
  let how = '';
  let main: Task<unknown> | null = null;
  try {
    main = loop.createTask(() => program(loop, made)) as Task<unknown>;
  } catch (e) {
    if (!carriesRefusal(e)) throw e;
    how = 'create refused';
  }
  if (main !== null) {
    try {
      const v = await runUntil(main);
      expect(v).toEqual(expected);
      how = 'ok';
    } catch (e) {
      how = hung ? 'hung' : carriesRefusal(e) ? 'refused' : `failed: ${String(e)}`;
    }
  }
  // asyncio.run's shutdown: cancel what is left, run until it is done
  const left = [...allTasks(loop)];
  for (const t of left) t.cancel();
  if (left.length > 0) {
    const all = loop.createFuture<void>();
    let n = left.length;
    for (const t of left) t.addDoneCallback(() => void (--n === 0 && all.setResult()));
    await runUntil(all).catch((e: unknown) => void (how = `shutdown failed: ${String(e)}`));
  }
  const remaining = k === 0 ? COUNT - loop._core.failAfter(0) : loop._core.failAfter(0);
  const where = `k=${k} (${how})`;
  expect(hung, `${where}: the run hung`).toBe(false);
  expect(allTasks(loop).size, `${where}: tasks left in allTasks()`).toBe(0);
  for (const t of tasks) {
    expect(t.done(), `${where}: ${t} never finished`).toBe(true);
    expect(t._callbacks, `${where}: ${t} is done with callbacks never scheduled`).toBe(null);
  }
  for (const f of made) if (f.done()) expect(f._callbacks, `${where}: ${f} is done with callbacks never scheduled`).toBe(null);
  expect((loop as unknown as { _overflow: unknown[] })._overflow.length, `${where}: work still waits for a slot`).toBe(0);
  for (const r of reports) expect(carriesRefusal(r) || String(r).includes('Cancelled'), `${where}: reported ${String(r)}`).toBe(true);
  // still usable
  if (k !== 0) {
    // on the monotonic clock the host batches its events as it likes, so a run may allocate fewer
    // times than the counting run: then it was refused nothing, and must simply succeed
    if (opts.clock === 'monotonic' && remaining !== 0) expect(how, `${where}: not refused, yet`).toBe('ok');
    else expect(remaining, `${where}: the k-th allocation never happened`).toBe(0);
  }
  expect(await runUntil(loop.createTask(() => sleep(0.001, 'usable')))).toBe('usable');
  loop.close();
  return { outcome: { k, how: how }, allocations: remaining };
}

/** Every k from 1 to the program's allocations + 1; returns how each ended. */
export async function sweep(core: CoreName, program: Program, expected: unknown, opts: SweepOptions = {}): Promise<Outcome[]> {
  const { outcome, allocations } = await runOnce(core, program, expected, 0, opts);
  expect(outcome.how).toBe('ok');
  expect(allocations).toBeGreaterThan(3);
  const outcomes: Outcome[] = [];
  for (let k = 1; k <= allocations; k++) outcomes.push((await runOnce(core, program, expected, k, opts)).outcome);
  return outcomes;
}


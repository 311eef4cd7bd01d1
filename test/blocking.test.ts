/**
 * API.md §3: the blocking runners, on both cores.
 * @needs blocking — runForeverSync and runUntilCompleteSync sleep in Atomics.wait
 */
// proves: §3.3
import { describe, expect, it } from 'vitest';
import { RuntimeError, newEventLoop, sleep, wait } from '../bindings/index.js';
import { CORES, fullCoreLoop, vloop } from './helpers.js';

describe.each(CORES)('blocking runners (%s core)', (core) => {
  it('runForeverSync and runUntilCompleteSync block until done', () => {
    const loop = vloop(core);
    const fut = loop.createFuture<string>();
    const seen: number[] = [];
    loop.callLater(2, () => seen.push(loop.time()));
    loop.callLater(5, () => fut.setResult('done'));
    expect(loop.runUntilCompleteSync(fut)).toBe('done');
    expect(seen).toEqual([2]);
    loop.callLater(1, () => loop.stop());
    loop.runForeverSync();
    expect(loop.time()).toBe(6);
    loop.close();
  });

  it('one idle policy, two drivers: the same program sees the same virtual times and order under runForever and runForeverSync', async () => {
    // jumps, a timer within clockResolution of another (no second jump), advance() from a
    // callback, a cancelled timer at the head of the timers
    const program = (loop: ReturnType<typeof vloop>): string[] => {
      const seen: string[] = [];
      const note = (what: string) => () => seen.push(`${what}@${loop.time()}`);
      loop.callLater(3, note('t3'));
      loop.callLater(1, note('t1'));
      loop.callLater(1 + loop.clockResolution / 2, note('t1+half-resolution'));
      loop.callLater(0.5, note('cancelled')).cancel();
      loop.callLater(2, () => {
        note('t2')();
        loop.advance(4); // by hand: t3 is past; next iteration, after the ready ring (§2.10), at 6
        loop.callSoon(note('soon-after-advance'));
      });
      loop.callLater(10, () => {
        note('t10')();
        loop.stop();
      });
      return seen;
    };
    const a = vloop(core);
    const seenAsync = program(a);
    await a.runForever();
    const b = vloop(core);
    const seenSync = program(b);
    b.runForeverSync();
    expect(seenAsync).toEqual(['t1@1', `t1+half-resolution@1`, 't2@2', 'soon-after-advance@6', 't3@6', 't10@10']);
    expect(seenSync).toEqual(seenAsync);
    expect(b.time()).toBe(a.time());
    a.close();
    b.close();
  });

  it('stop() before runForeverSync makes it run exactly one iteration', () => {
    const loop = vloop(core);
    const seen: string[] = [];
    loop.callSoon(() => {
      seen.push('first');
      loop.callSoon(() => seen.push('second'));
    });
    loop.stop();
    loop.runForeverSync();
    expect(seen).toEqual(['first']);
    expect(loop.isRunning()).toBe(false);
    loop.stop();
    loop.runForeverSync();
    expect(seen).toEqual(['first', 'second']);
    loop.close();
  });

  it('runUntilCompleteSync throws the future exception, and a RuntimeError when the loop stops first', () => {
    const loop = vloop(core);
    const failing = loop.createFuture();
    const err = new Error('nope');
    loop.callLater(1, () => failing.setException(err));
    expect(() => loop.runUntilCompleteSync(failing)).toThrow(err);
    const never = loop.createFuture();
    loop.callLater(1, () => loop.stop());
    expect(() => loop.runUntilCompleteSync(never)).toThrow(new RuntimeError('Event loop stopped before Future completed.'));
    expect(loop.time()).toBe(2);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('a generator coroutine advances while it blocks; promise reactions wait until it returns', async () => {
    const loop = vloop(core);
    let reacted = false;
    void Promise.resolve().then(() => (reacted = true));
    const seen: boolean[] = [];
    function* main() {
      seen.push(reacted);
      yield* sleep(1);
      seen.push(reacted);
      yield* sleep(2);
      return loop.time();
    }
    expect(loop.runUntilCompleteSync(loop.createTask(main()))).toBe(3);
    expect(seen).toEqual([false, false]);
    await Promise.resolve();
    expect(reacted).toBe(true);
    loop.close();
  });

  it('runUntilCompleteSync refuses a promise and an async function at the call site, with nothing scheduled', () => {
    const loop = vloop(core);
    const refusal = new TypeError(
      'runUntilCompleteSync() cannot wait for a promise or an async function: promises do not advance while it blocks the thread; use runUntilComplete(), or a generator coroutine',
    );
    expect(() => loop.runUntilCompleteSync(Promise.resolve(1))).toThrow(refusal);
    expect(() => loop.runUntilCompleteSync({ then() {} } as PromiseLike<void>)).toThrow(refusal);
    expect(() => loop.runUntilCompleteSync((async () => 1) as never)).toThrow(refusal);
    expect(loop._core.readyCount() + loop._core.timerCount()).toBe(0);
    expect(loop.isRunning()).toBe(false);
    expect(loop.runUntilCompleteSync((function* () { yield* sleep(1); return 'a generator is fine'; })())).toBe('a generator is fine');
    loop.close();
  });

  it('a blocking runner that nothing could ever wake throws instead of hanging, and the loop still works', async () => {
    const loop = vloop(core);
    const forever = (why: string, method = 'runForeverSync') =>
      new RuntimeError(`${method}() would block this thread forever: ${why}, and no other thread holds the loop's port(); use the promise-based runner`);
    const ran: number[] = [];
    loop.callLater(1, () => ran.push(loop.time()));
    expect(() => loop.runForeverSync()).toThrow(forever('nothing is scheduled'));
    expect(ran).toEqual([1]); // everything scheduled ran first
    expect(loop.isRunning()).toBe(false);
    // a task waiting on a promise cannot finish while the thread blocks
    const task = loop.createTask((async () => await new Promise(() => {}))());
    expect(() => loop.runUntilCompleteSync(task)).toThrow(
      forever('what it waits for waits on a promise, and promises do not advance while the thread is blocked', 'runUntilCompleteSync'),
    );
    task.cancel();
    loop.callSoon(() => ran.push(-1));
    loop.callSoon(() => loop.stop());
    loop.runForeverSync();
    expect(ran).toEqual([1, -1]);
    loop.close();
  });

  it('runForeverSync on a real clock sleeps until the next timer', () => {
    const loop = newEventLoop({ core });
    const t0 = loop.time();
    let at = 0;
    loop.callLater(0.05, () => {
      at = loop.time();
      loop.stop();
    });
    loop.runForeverSync();
    expect(at - t0).toBeGreaterThanOrEqual(0.05 - loop.clockResolution);
    expect(at - t0).toBeLessThan(2);
    loop.close();
  });

  it('submissions that arrive while the core is full wait for a slot, then run (inbox.test.ts has the promise-based runner)', () => {
    const { loop, seen, reports, r } = fullCoreLoop(core);
    r.callSoonThreadsafe('f', 'a');
    loop.runForeverSync();
    expect(seen).toEqual(['t1@1', 'a@1', 't2@2', 't3@3', 't4@4']);
    expect(reports).toHaveLength(1);
    loop.close();
  });
});

describe.each(CORES)('handing toolkit coroutines to a blocking runner (%s core; issue #14, defect 25)', (core) => {
  it('runUntilCompleteSync(wait(tasks)) runs the toolkit coroutine as a task (it is a generator, not promise work)', () => {
    const loop = vloop(core);
    const tasks = [1, 2].map((k) =>
      loop.createTask(function* () {
        yield* sleep(k);
        return k;
      }),
    );
    const [done, pending] = loop.runUntilCompleteSync(wait(tasks));
    expect([...done].map((t) => t.result()).sort()).toEqual([1, 2]);
    expect(pending.size).toBe(0);
    expect(loop.time()).toBe(2);
    loop.close();
  });

  it('runUntilCompleteSync(sleep(1)) before the loop runs: the sleep binds to the runner and its timer starts then', () => {
    const loop = vloop(core);
    loop.advance(5);
    const s = sleep(1, 'woke'); // no loop runs here: unbound
    expect(s.done()).toBe(false);
    expect(loop.runUntilCompleteSync(s)).toBe('woke');
    expect(loop.time()).toBe(6);
    expect(s.getLoop()).toBe(loop);
    // the same with the promise-based runner, and a sleep awaited by a task of another loop binds there
    const other = vloop(core);
    const late = sleep(2, 'late');
    expect(other.runUntilCompleteSync(other.createTask(function* () {
      return yield* late;
    }))).toBe('late');
    expect(late.getLoop()).toBe(other);
    // bound, it belongs to that loop: another runner refuses it as asyncio does (ValueError)
    expect(() => loop.runUntilCompleteSync(late)).toThrow(RangeError);
    loop.close();
    other.close();
  });

  it('an unbound sleep used where no loop runs throws RuntimeError and binds to nothing', async () => {
    const s = sleep(1);
    expect(() => s.getLoop()).toThrow(/no running event loop: sleep\(\)/);
    await expect((async () => await s)()).rejects.toBeInstanceOf(RuntimeError);
    expect(s.done()).toBe(false);
    expect(s.cancel()).toBe(true); // nothing was scheduled, nothing to bind
  });
});

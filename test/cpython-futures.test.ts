/**
 * CPython's Lib/test/test_asyncio/test_futures.py, the cases that apply to wasmloop's Future,
 * each named after its original (BaseFutureTests, BaseFutureDoneCallbackTests). Not ported: the
 * C-implementation and refcount cases, concurrent.futures wrapping (wasmloop has none), driving a
 * future's iterator outside a task (refused: futures.test.ts), and the traceback-logger cases,
 * which need a forced collection (futures-gc.test.ts). Reprs are wasmloop's: strings and error
 * messages quoted as JSON, callbacks by name. Both cores, virtual clock.
 */
// proves: §6.1
import { describe, expect, it } from 'vitest';
import { CancelledError, Future, InvalidStateError, RuntimeError, isFuture, newEventLoop, setEventLoop, type EventLoop } from '../bindings/index.js';
import type { FutureLoop } from '../bindings/futures.js';
import { CORES, iterations, vloop } from './helpers.js';

function fakefunc(f: unknown): unknown {
  return f;
}
function firstCb(): void {}
/** a frame of the test's own for the source-traceback checks */
function madeByTheTest(loop: EventLoop): Future<unknown> {
  return loop.createFuture();
}
function lastCb(): void {}

describe.each(CORES)('test_futures (%s core)', (core) => {
  const withLoop = (fn: (loop: EventLoop) => unknown) => async () => {
    const loop = vloop(core);
    try {
      await fn(loop);
    } finally {
      loop.close();
    }
  };

  it(
    'test_futures.BaseFutureTests.test_isfuture',
    withLoop((loop) => {
      class MyFuture {}
      expect(isFuture(MyFuture)).toBe(false);
      expect(isFuture(1)).toBe(false);
      const f = loop.createFuture();
      expect(isFuture(f)).toBe(true);
      expect(isFuture(Future)).toBe(false);
      f.cancel();
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_initial_state',
    withLoop((loop) => {
      const f = new Future({ loop });
      expect(f.cancelled()).toBe(false);
      expect(f.done()).toBe(false);
      f.cancel();
      expect(f.cancelled()).toBe(true);
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_constructor_use_running_loop',
    withLoop(async (loop) => {
      let f: Future<unknown> | null = null;
      await loop.runUntilComplete(
        loop.createTask(function* () {
          f = new Future();
        }),
      );
      expect((f as Future<unknown> | null)?.getLoop()).toBe(loop);
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_constructor_use_global_loop',
    withLoop((loop) => {
      setEventLoop(loop);
      try {
        const f = new Future();
        expect(f.getLoop()).toBe(loop);
      } finally {
        setEventLoop(null);
      }
    }),
  );

  it('test_futures.BaseFutureTests.test_constructor_positional', () => {
    expect(() => new Future(42 as never)).toThrow(TypeError);
  });

  it(
    'test_futures.BaseFutureTests.test_future_cancel_message_getter',
    withLoop(async (loop) => {
      const f = loop.createFuture();
      expect(f._cancelMessage).toBe(undefined);
      f.cancel('my message');
      await expect(loop.runUntilComplete(f)).rejects.toBeInstanceOf(CancelledError);
      expect(f._cancelMessage).toBe('my message');
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_future_cancel_message_setter',
    withLoop(async (loop) => {
      const f = loop.createFuture();
      f.cancel('my message');
      f._cancelMessage = 'my new message';
      expect(f._cancelMessage).toBe('my new message');
      // the new value is what the CancelledError carries
      await expect(loop.runUntilComplete(f)).rejects.toThrow('my new message');
      expect(f._cancelMessage).toBe('my new message');
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_cancel',
    withLoop((loop) => {
      const f = loop.createFuture();
      expect(f.cancel()).toBe(true);
      expect(f.cancelled()).toBe(true);
      expect(f.done()).toBe(true);
      expect(() => f.result()).toThrow(CancelledError);
      expect(() => f.exception()).toThrow(CancelledError);
      expect(() => f.setResult(null)).toThrow(InvalidStateError);
      expect(() => f.setException(new Error())).toThrow(InvalidStateError);
      expect(f.cancel()).toBe(false);
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_result',
    withLoop((loop) => {
      const f = loop.createFuture<number>();
      expect(() => f.result()).toThrow(InvalidStateError);
      f.setResult(42);
      expect(f.cancelled()).toBe(false);
      expect(f.done()).toBe(true);
      expect(f.result()).toBe(42);
      expect(f.exception()).toBe(null);
      expect(() => f.setResult(0)).toThrow(InvalidStateError);
      expect(() => f.setException(new Error())).toThrow(InvalidStateError);
      expect(f.cancel()).toBe(false);
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_exception',
    withLoop((loop) => {
      const exc = new RuntimeError();
      const f = loop.createFuture();
      expect(() => f.exception()).toThrow(InvalidStateError);
      f.setException(exc);
      expect(f.cancelled()).toBe(false);
      expect(f.done()).toBe(true);
      expect(() => f.result()).toThrow(RuntimeError);
      expect(f.exception()).toBe(exc);
      expect(() => f.setResult(0)).toThrow(InvalidStateError);
      expect(() => f.setException(new Error())).toThrow(InvalidStateError);
      expect(f.cancel()).toBe(false);
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_exception_class',
    withLoop((loop) => {
      const f = loop.createFuture();
      f.setException(RuntimeError);
      expect(f.exception()).toBeInstanceOf(RuntimeError);
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_future_repr',
    withLoop((loop) => {
      loop.setDebug(true);
      const fPendingDebug = madeByTheTest(loop);
      expect(String(fPendingDebug)).toMatch(/^<Future pending( created at .*)?>$/);
      expect(fPendingDebug._sourceTraceback).toMatch(/createFuture[^\n]*\n\s+at /); // the frames that made it
      fPendingDebug.cancel();
      loop.setDebug(false);
      const fPending = loop.createFuture();
      expect(String(fPending)).toBe('<Future pending>');
      fPending.cancel();
      const fCancelled = loop.createFuture();
      fCancelled.cancel();
      expect(String(fCancelled)).toBe('<Future cancelled>');
      const fResult = loop.createFuture<number>();
      fResult.setResult(4);
      expect(String(fResult)).toBe('<Future finished result=4>');
      expect(fResult.result()).toBe(4);
      const exc = new RuntimeError();
      const fException = loop.createFuture();
      fException.setException(exc);
      expect(String(fException)).toBe('<Future finished exception=RuntimeError("")>');
      expect(fException.exception()).toBe(exc);
      const fOne = loop.createFuture();
      fOne.addDoneCallback(fakefunc);
      expect(String(fOne)).toBe('<Future pending cb=[fakefunc]>');
      fOne.cancel();
      expect(String(fOne)).toBe('<Future cancelled>');
      const fTwo = loop.createFuture();
      fTwo.addDoneCallback(firstCb);
      fTwo.addDoneCallback(lastCb);
      expect(String(fTwo)).toBe('<Future pending cb=[firstCb, lastCb]>');
      fTwo.cancel();
      const fMany = loop.createFuture();
      fMany.addDoneCallback(firstCb);
      for (let i = 0; i < 8; i++) fMany.addDoneCallback(fakefunc);
      fMany.addDoneCallback(lastCb);
      expect(String(fMany)).toBe('<Future pending cb=[firstCb, <8 more>, lastCb]>');
      fMany.cancel();
      expect(String(fMany)).toBe('<Future cancelled>');
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_future_source_traceback',
    withLoop((loop) => {
      loop.setDebug(true);
      const future = madeByTheTest(loop);
      expect(typeof future._sourceTraceback).toBe('string');
      expect(future._sourceTraceback).toMatch(/createFuture[^\n]*\n\s+at /); // the frames that made it (engines may inline the caller's name away)
      future.cancel();
    }),
  );

  it(
    'test_futures.BaseFutureTests.test_future_stop_iteration_args: the iterator of a done future returns its result',
    withLoop((loop) => {
      const fut = loop.createFuture<[number, number]>();
      fut.setResult([1, 2]);
      const fi = fut[Symbol.iterator]();
      expect(fi.next()).toEqual({ done: true, value: [1, 2] });
    }),
  );
});

describe.each(CORES)('test_futures done callbacks (%s core)', (core) => {
  const makeCallback = (bag: unknown[], thing: unknown) =>
    function bagAppender(): void {
      bag.push(thing);
    };
  const setup = () => {
    const loop = vloop(core);
    return { loop, f: loop.createFuture<string>(), bag: [] as unknown[] };
  };

  it('test_futures.BaseFutureDoneCallbackTests.test_callbacks_remove_first_callback', async () => {
    const { loop, f, bag } = setup();
    const [cb1, cb2, cb3] = [42, 17, 100].map((x) => makeCallback(bag, x));
    for (const cb of [cb1!, cb2!, cb3!]) f.addDoneCallback(cb);
    f.removeDoneCallback(cb1!);
    f.removeDoneCallback(cb1!);
    expect(bag).toEqual([]);
    f.setResult('foo');
    await iterations(loop, 1);
    expect(bag).toEqual([17, 100]);
    expect(f.result()).toBe('foo');
    loop.close();
  });

  it('test_futures.BaseFutureDoneCallbackTests.test_callbacks_remove_first_and_second_callback', async () => {
    const { loop, f, bag } = setup();
    const [cb1, cb2, cb3] = [42, 17, 100].map((x) => makeCallback(bag, x));
    for (const cb of [cb1!, cb2!, cb3!]) f.addDoneCallback(cb);
    f.removeDoneCallback(cb1!);
    f.removeDoneCallback(cb2!);
    f.removeDoneCallback(cb1!);
    f.setResult('foo');
    await iterations(loop, 1);
    expect(bag).toEqual([100]);
    loop.close();
  });

  it('test_futures.BaseFutureDoneCallbackTests.test_callbacks_remove_third_callback', async () => {
    const { loop, f, bag } = setup();
    const [cb1, cb2, cb3] = [42, 17, 100].map((x) => makeCallback(bag, x));
    for (const cb of [cb1!, cb2!, cb3!]) f.addDoneCallback(cb);
    f.removeDoneCallback(cb3!);
    f.removeDoneCallback(cb3!);
    f.setResult('foo');
    await iterations(loop, 1);
    expect(bag).toEqual([42, 17]);
    loop.close();
  });

  it('test_futures.BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result', async () => {
    const { loop, f, bag } = setup();
    f.addDoneCallback(makeCallback(bag, 42));
    f.addDoneCallback(makeCallback(bag, 17));
    expect(bag).toEqual([]);
    f.setResult('foo');
    await iterations(loop, 1);
    expect(bag).toEqual([42, 17]);
    expect(f.result()).toBe('foo');
    loop.close();
  });

  it('test_futures.BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_exception', async () => {
    const { loop, f, bag } = setup();
    f.addDoneCallback(makeCallback(bag, 100));
    const exc = new RuntimeError();
    f.setException(exc);
    await iterations(loop, 1);
    expect(bag).toEqual([100]);
    expect(f.exception()).toBe(exc);
    loop.close();
  });

  it('test_futures.BaseFutureDoneCallbackTests.test_remove_done_callback', async () => {
    const { loop, f, bag } = setup();
    const [cb1, cb2, cb3] = [1, 2, 3].map((x) => makeCallback(bag, x));
    f.addDoneCallback(cb1!);
    f.addDoneCallback(cb2!);
    expect(f.removeDoneCallback(cb2!)).toBe(1);
    expect(f.removeDoneCallback(cb3!)).toBe(0);
    f.addDoneCallback(cb2!);
    for (let i = 0; i < 5; i++) f.addDoneCallback(cb1!);
    expect(f.removeDoneCallback(cb1!)).toBe(6);
    expect(bag).toEqual([]);
    f.setResult('foo');
    await iterations(loop, 1);
    expect(bag).toEqual([2]);
    expect(f.result()).toBe('foo');
    loop.close();
  });

  it('test_futures.BaseFutureDoneCallbackTests.test_schedule_callbacks_list_mutation_1', async () => {
    const { loop, f } = setup();
    const seen: string[] = [];
    const str = () => void seen.push('str');
    f.addDoneCallback((fut) => void fut.removeDoneCallback(str));
    f.addDoneCallback(str);
    f.addDoneCallback(str);
    f.setResult('1');
    await iterations(loop, 1);
    expect(seen).toEqual(['str', 'str']); // already scheduled when the first one removed them
    loop.close();
  });

  it('test_futures.BaseFutureDoneCallbackTests.test_evil_call_soon_list_mutation', () => {
    // a loop whose callSoon removes callbacks while the future schedules them
    let calledOnFutCallback0 = false;
    const scheduled: unknown[] = [];
    const pad = () => {};
    const int = () => {};
    const str = () => {};
    let fut!: Future<string>;
    // a future schedules its done-callbacks through _soonAlways (never refused), so that is the evil call
    const evilSoon = (cb: unknown) => {
      scheduled.push(cb);
      if (calledOnFutCallback0) {
        fut.removeDoneCallback(int);
        fut.removeDoneCallback(pad);
      } else calledOnFutCallback0 = true;
    };
    const evilLoop: FutureLoop = {
      callSoon: evilSoon,
      _soonAlways: evilSoon,
      callExceptionHandler() {},
      getDebug: () => false,
      _notePromiseActivity() {},
    };
    fut = new Future<string>({ loop: evilLoop });
    expect(fut.getLoop()).toBe(evilLoop);
    fut.addDoneCallback(str);
    fut.addDoneCallback(int);
    fut.addDoneCallback(pad);
    fut.addDoneCallback(pad);
    fut.setResult('boom');
    expect(scheduled).toEqual([str, int, pad, pad]);
    expect(fut._callbacks === null || fut._callbacks.length === 0).toBe(true);
  });

  it('test_futures.BaseFutureDoneCallbackTests.test_remove_done_callbacks_list_clear: removing while the list is read', () => {
    const loop = newEventLoop({ core, clock: 'virtual' });
    const fut = loop.createFuture();
    const str = () => {};
    const id = () => {};
    fut.addDoneCallback(str);
    for (let i = 0; i < 63; i++) fut.addDoneCallback(id);
    expect(fut.removeDoneCallback(id)).toBe(63);
    expect(fut.removeDoneCallback(str)).toBe(1);
    expect(fut._callbacks === null || fut._callbacks.length === 0).toBe(true);
    fut.cancel();
    loop.close();
  });
});

/**
 * wasmloop/pyodide — wasmloop as the event loop of Python's asyncio inside Pyodide.
 *
 * `installPyodideLoop(pyodide, options?)` sets an asyncio event loop policy in that Pyodide
 * instance: `asyncio.new_event_loop()`, `asyncio.get_event_loop()` (a new loop on the main thread
 * when none was set), `asyncio.run()` and `asyncio.Runner` give a `wasmloop.Loop`, an
 * `asyncio.AbstractEventLoop` (a subclass of asyncio's `BaseEventLoop`, so asyncio's own Future,
 * Task, exception handler and async-generator hooks run unchanged) whose callbacks and timers
 * live in a wasmloop loop's core. The loop is written in Python (`PY_SOURCE` below) and calls
 * into the wasmloop loop through Pyodide's FFI with numbers only:
 *
 * - `call_soon` appends to the Python ready deque; the first `call_soon` of an iteration puts one
 *   JS callback in the core's ready queue, which runs the whole batch when its turn comes (one
 *   crossing per iteration for any number of `call_soon`s, asyncio's FIFO order kept: a callback
 *   scheduled while the batch runs starts a new batch for the next iteration);
 * - `call_at`/`call_later` put one core timer per Python timer (one crossing when it fires);
 *   cancelling a `TimerHandle` cancels its core timer.
 *
 * `run_forever()`/`run_until_complete()` block the thread in the wasmloop loop's blocking runner
 * (`runForeverSync`, Atomics.wait between iterations) where the host allows it: Node, Deno, Bun,
 * a Web Worker. In a browser window they raise RuntimeError; there,
 * `loop.run_until_complete_async(aw)` runs the loop on wasmloop's promise-based runner and returns
 * the Future at once, which JavaScript awaits: `await pyodide.runPython('loop.run_until_complete_async(main())')`.
 *
 * This module does not import Pyodide: it takes the instance that `loadPyodide()` gave.
 * @module wasmloop/pyodide
 */
import { newEventLoop } from './events.js';
import type { EventLoop, LoopOptions } from './loop.js';
import type { TimerHandle } from './handles.js';
import { host } from './hosts/index.js';
import { connect, type LoopPort, type RemoteLoop } from './ports.js';

/** The parts of a Pyodide instance (`await loadPyodide()`) this module uses. */
export interface PyodideLike {
  /** Runs Python source, in `options.globals` when given; gives the last expression's value. */
  runPython(code: string, options?: { globals?: unknown }): any;
  /** Converts a JavaScript value to a Python object. */
  toPy(obj: unknown): any;
}

/** Options of `installPyodideLoop()`: the `newEventLoop` options that apply to the loops Python makes. */
export type PyodideLoopOptions = Pick<LoopOptions, 'core' | 'clock' | 'debug' | 'maximumMemory' | 'maxEntries' | 'inboxBytes'>;

/** What the Python loop holds of its wasmloop loop: plain functions over numbers. */
export interface PyodideBridge {
  /** The wasmloop loop under the Python loop. */
  readonly loop: EventLoop;
  /** The wasmloop loop's clock resolution, in seconds. */
  readonly clockResolution: number;
  /** Whether this thread may block (run_forever on the blocking runner). */
  readonly canBlock: boolean;
  /** Why this thread may not block ('' where it may). */
  readonly blockingRefusal: string;
  /**
   * Gives the Python side's entry points: `drain()` runs Python's ready callbacks, `fire(hid)` a
   * Python timer, `call(name, …args)` an exposed function called from another thread, `report()`
   * what the wasmloop loop reports itself (to Python's exception handler).
   */
  bind(drain: () => void, fire: (hid: number) => void, call: (name: string, ...args: unknown[]) => void, report: (message: string, error: unknown) => void): void;
  /** Schedules a drain at the next iteration (Python's call_soon). */
  soon(): void;
  /** Schedules a drain and wakes the loop (Python's call_soon_threadsafe). */
  soonThreadsafe(): void;
  /** Fires Python timer `hid` at loop time `when` (Python's call_at). */
  at(when: number, hid: number): void;
  /** Cancels Python timer `hid`. */
  cancel(hid: number): void;
  /** The loop's time, in seconds. */
  time(): number;
  /** Stops the loop after the current iteration. */
  stop(): void;
  /** Cancels every Python timer and closes the loop. */
  close(): void;
  /** Runs the loop on the blocking runner until stop(). */
  runForeverSync(): void;
  /** The wasmloop loop's port (for `connect()` in another thread). */
  port(): LoopPort;
  /** Exposes `name` to other threads: a call runs `call(name, ...args)` (the Python side's dispatcher); `on` false withdraws it. */
  expose(name: string, on: boolean): void;
  /**
   * Runs the loop on the promise-based runner; once it stopped, `done(error?)` (the Python side's
   * cleanup) gives the run's outcome. Returns the run as an opaque box: a promise handed to
   * Python would become a Future of the loop.
   */
  runForeverAsync(done: (error?: unknown) => unknown): { readonly outcome: Promise<unknown> };
  /** Calls `resolve` (or `reject`) with the outcome of a run runForeverAsync gave. */
  thenRun(run: { readonly outcome: Promise<unknown> }, resolve: (v: unknown) => void, reject?: (e: unknown) => void): void;
}

function makeBridge(opts: PyodideLoopOptions): PyodideBridge {
  // debug mode is Python's (slow callbacks, source tracebacks); the core's own debug checks
  // would time the batch, not the Python callbacks in it
  const loop = newEventLoop({ ...opts, debug: false });
  let drain: (() => void) | null = null;
  let fire: ((hid: number) => void) | null = null;
  let call: ((name: string, ...args: unknown[]) => void) | null = null;
  let report: ((message: string, error: unknown) => void) | null = null;
  // what the wasmloop loop itself reports (a call from another thread to a name not exposed, a
  // Python callback whose error escaped the Python side) goes to the Python loop's handler
  loop.setExceptionHandler((_l, ctx) => void report?.(String(ctx.message ?? 'Unhandled error in the wasmloop loop'), ctx.exception ?? null));
  const timers = new Map<number, TimerHandle>();
  const runDrain = (): void => drain!();
  const runTimer = (hid: number): void => {
    timers.delete(hid);
    fire!(hid);
  };
  return {
    loop,
    clockResolution: loop.clockResolution,
    canBlock: host.canBlock(),
    blockingRefusal: host.canBlock() ? '' : host.blockingRefusal(),
    bind(d, f, c, r) {
      drain = d;
      fire = f;
      call = c;
      report = r;
    },
    soon: () => void loop.callSoon(runDrain),
    soonThreadsafe: () => void loop.callSoonThreadsafe(runDrain),
    at: (when, hid) => void timers.set(hid, loop.callAt(when, runTimer, hid)),
    cancel(hid) {
      timers.get(hid)?.cancel();
      timers.delete(hid);
    },
    time: () => loop.time(),
    stop: () => loop.stop(),
    close() {
      for (const t of timers.values()) t.cancel();
      timers.clear();
      loop.close();
      drain = fire = call = report = null;
    },
    runForeverSync: () => loop.runForeverSync(),
    port: () => loop.port(),
    expose: (name, on) => loop.expose(name, on ? (...args: unknown[]) => call!(name, ...args) : null),
    runForeverAsync: (done) => ({
      outcome: loop.runForever().then(
        () => done(),
        (e: unknown) => done(e),
      ),
    }),
    thenRun: (run, resolve, reject) => void run.outcome.then(resolve, reject),
  };
}

/**
 * Makes wasmloop the event loop of asyncio in `pyodide` (see the module's comment). Options as
 * `newEventLoop`'s: `core`, `clock` (`'virtual'`: a loop that jumps to its next timer whenever
 * nothing is ready, so `call_later(8, loop.stop)` ends at once with a real clock's ordering),
 * `debug` (asyncio's debug mode for every new loop). Importable afterwards as Python's `wasmloop`
 * module (`wasmloop.Loop`, `wasmloop.LoopPolicy`, `wasmloop.new_event_loop()`). Returns a function
 * that puts back what Pyodide had (its policy, `asyncio.run`, its running WebLoop).
 */
export function installPyodideLoop(pyodide: PyodideLike, options: PyodideLoopOptions = {}): () => void {
  const opts: PyodideLoopOptions = { ...options };
  const ns = pyodide.toPy({});
  try {
    const boot = pyodide.runPython(BOOT, { globals: ns });
    try {
      const uninstall = boot(PY_SOURCE, () => makeBridge(opts), !!opts.debug, connectRemote);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        try {
          uninstall();
        } finally {
          uninstall.destroy?.();
        }
      };
    } finally {
      boot.destroy?.();
    }
  } finally {
    ns.destroy?.();
  }
}

/** What Python's `wasmloop.connect(port, timeout)` calls (`timeout` None: wait for room for ever). */
function connectRemote(port: LoopPort, timeout: number | null | undefined): RemoteLoop {
  return connect(port, timeout == null ? {} : { timeout });
}

const BOOT = `
def _boot(src, bridge_factory, debug, connect):
    import sys, types
    m = types.ModuleType('wasmloop', 'asyncio on a wasmloop loop (installed by installPyodideLoop)')
    sys.modules['wasmloop'] = m
    exec(compile(src, '<wasmloop>', 'exec'), m.__dict__)
    return m._install(bridge_factory, debug, connect)
_boot
`;

/** The Python side: the loop class and its policy. */
export const PY_SOURCE = `
import asyncio
import contextvars
import math
import numbers
import sys
import threading
from asyncio import base_events, events, futures, tasks
from asyncio.log import logger
from pyodide.ffi import ConversionError, JsException, JsProxy, create_once_callable, create_proxy, to_js

__all__ = ['Loop', 'LoopPolicy', 'RemoteLoop', 'connect', 'new_event_loop']

_bridge_factory = None
_connect = None
_default_debug = False

_NO_BLOCK = ('{}() cannot block this thread ({}): run this Python code in a Web Worker, '
             'or await loop.run_until_complete_async(aw) from JavaScript, which runs the loop '
             'without blocking')


def _run_until_complete_cb(fut):
    if not fut.cancelled():
        exc = fut.exception()
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            return
    fut.get_loop().stop()


class Loop(base_events.BaseEventLoop):
    """An asyncio event loop whose callbacks and timers run in a wasmloop loop's core."""

    def __init__(self, *, debug=None):
        js = _bridge_factory()
        self._js = js
        self._js_soon = js.soon
        self._js_at = js.at
        self._js_time = js.time
        self._timers = {}            # id(TimerHandle) -> TimerHandle, while in the core
        self._batch_scheduled = False
        self._fatal = None           # a SystemExit/KeyboardInterrupt raised by a callback
        super().__init__()
        self._clock_resolution = js.clockResolution
        self._exposed = {}           # name -> what other threads may call (expose())
        self._proxies = (create_proxy(self._drain), create_proxy(self._fire), create_proxy(self._call_exposed),
                         create_proxy(self._report_js))
        js.bind(*self._proxies)
        self.set_debug(_default_debug if debug is None else debug)

    def __repr__(self):
        return (f'<wasmloop.Loop running={self.is_running()} '
                f'closed={self.is_closed()} debug={self.get_debug()}>')

    @property
    def js_loop(self):
        """The wasmloop EventLoop (a JsProxy) under this loop."""
        return self._js.loop

    # -- time and scheduling --------------------------------------------------------------

    def time(self):
        return self._js_time()

    def _call_soon(self, callback, args, context):
        # checked in every mode (asyncio checks only in debug mode, and a bad callback fails later,
        # in the exception handler): a bad value is refused here, with nothing scheduled
        self._check_callback(callback, 'call_soon')
        _check_context(context)
        handle = events.Handle(callback, args, self, context)
        if handle._source_traceback:
            del handle._source_traceback[-1]
        self._ready.append(handle)
        if not self._batch_scheduled:
            self._batch_scheduled = True
            self._js_soon()
        return handle

    def call_soon_threadsafe(self, callback, *args, context=None):
        self._check_closed()
        self._check_callback(callback, 'call_soon_threadsafe')
        _check_context(context)
        cls = getattr(events, '_ThreadSafeHandle', events.Handle)
        handle = cls(callback, args, self, context)
        if handle._source_traceback:
            del handle._source_traceback[-1]
        self._ready.append(handle)
        if not self._batch_scheduled:
            self._batch_scheduled = True
            self._js.soonThreadsafe()
        return handle

    def call_later(self, delay, callback, *args, context=None):
        if delay is None:
            raise TypeError('delay must not be None')
        if not _is_number(delay):
            raise TypeError(f'call_later() delay must be a number (seconds), got {_describe(delay)}')
        return self.call_at(self.time() + delay, callback, *args, context=context)

    def call_at(self, when, callback, *args, context=None):
        if when is None:
            raise TypeError('when cannot be None')
        if not _is_number(when):
            raise TypeError(f'call_at() when must be a number (seconds), got {_describe(when)}')
        at = float(when)             # OverflowError for an int past float's range
        if math.isnan(at):
            raise ValueError('call_at() when must not be NaN (a call_later() delay of NaN gives it)')
        self._check_closed()
        if self._debug:
            self._check_thread()
        self._check_callback(callback, 'call_at')
        _check_context(context)
        timer = events.TimerHandle(when, callback, args, self, context)
        if timer._source_traceback:
            del timer._source_traceback[-1]
        hid = id(timer)
        self._timers[hid] = timer
        timer._scheduled = True
        self._js_at(at, hid)
        return timer

    def _check_callback(self, callback, method):
        # asyncio's, with a repr that cannot fail (a JavaScript value's may throw)
        if not isinstance(callback, JsProxy) and (asyncio.iscoroutine(callback) or asyncio.iscoroutinefunction(callback)):
            raise TypeError(f'coroutines cannot be used with {method}()')
        if not callable(callback):
            raise TypeError(f'a callable object was expected by {method}(), got {_describe(callback)}')

    def _timer_handle_cancelled(self, handle):
        # the core drops the timer at once; _scheduled stays True, as in asyncio (whose heap
        # drops cancelled timers lazily)
        hid = id(handle)
        if self._timers.pop(hid, None) is handle and not self._closed:
            self._js.cancel(hid)

    # -- other threads ----------------------------------------------------------------------

    def port(self):
        """The loop's port (a JavaScript object): post it to another worker, where
        wasmloop.connect(port) (Python) or connect(port) (JavaScript) submits to this loop."""
        self._check_closed()
        return self._js.port()

    def expose(self, name, fn):
        """Lets other threads call fn by name: remote.call_soon_threadsafe(name, *args) runs
        fn(*args) as a callback of this loop (its errors go to the exception handler). Arguments
        arrive as Python values (structured clones, converted). fn None withdraws the name."""
        if not isinstance(name, str) or not name:
            raise TypeError(f'expose() needs a non-empty str name, got {_describe(name)}')
        if fn is not None:
            self._check_callback(fn, 'expose')
        self._check_closed()
        self._js.expose(name, fn is not None)
        if fn is None:
            self._exposed.pop(name, None)
        else:
            self._exposed[name] = fn

    def _call_exposed(self, name, *args):
        fn = self._exposed.get(name)
        if fn is None:
            return
        if events._get_running_loop() is not self:
            self._claim_running()
        args = tuple(a.to_py() if isinstance(a, JsProxy) else a for a in args)
        try:
            self._run_handle(events.Handle(fn, args, self, None))
        except (SystemExit, KeyboardInterrupt) as exc:
            self._halt(exc)

    # -- what the core calls --------------------------------------------------------------

    def _drain(self):
        """One core callback: every call_soon of the last iteration, in order."""
        self._batch_scheduled = False
        if events._get_running_loop() is not self:
            self._claim_running()
        ready = self._ready
        try:
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    self._run_handle(handle)
        except (SystemExit, KeyboardInterrupt) as exc:
            self._halt(exc)
        finally:
            if ready and not self._batch_scheduled and not self._closed:
                self._batch_scheduled = True
                self._js_soon()

    def _fire(self, hid):
        handle = self._timers.pop(hid, None)
        if handle is None:
            return
        if events._get_running_loop() is not self:
            self._claim_running()
        handle._scheduled = False
        if handle._cancelled:
            return
        try:
            self._run_handle(handle)
        except (SystemExit, KeyboardInterrupt) as exc:
            self._halt(exc)

    def _claim_running(self):
        # Pyodide's WebLoop makes itself the running loop whenever it runs a callback (it does
        # when a JS promise settles while this loop runs without blocking); asyncio's tasks need
        # the loop running them to be the running loop
        if self.is_running():
            events._set_running_loop(self)

    def _run_handle(self, handle):
        try:
            if not self._debug:
                handle._run()
                return
            self._current_handle = handle
            try:
                t0 = self.time()
                handle._run()
                dt = self.time() - t0
                if dt >= self.slow_callback_duration:
                    logger.warning('Executing %s took %.3f seconds',
                                   base_events._format_handle(handle), dt)
            finally:
                self._current_handle = None
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            # the handle's own report of its callback's error failed (a JavaScript callable's
            # repr may throw): reported here, without the handle
            self.call_exception_handler({
                'message': 'Exception in a callback whose repr failed',
                'exception': exc,
            })

    def _report_js(self, message, error):
        context = {'message': message}
        if isinstance(error, BaseException):
            context['exception'] = error
        elif error is not None:
            context['js_error'] = error
        self.call_exception_handler(context)

    def _halt(self, exc):
        # asyncio lets these out of run_forever(); the core must not see them as a callback's error
        if self._fatal is None:
            self._fatal = exc
        self._js.stop()

    # -- running --------------------------------------------------------------------------

    def _check_running(self):
        # Pyodide marks its WebLoop as the running loop for good (and again whenever it runs a
        # callback); it is not running anything here, so it gives way to this loop
        if _is_webloop(events._get_running_loop()):
            events._set_running_loop(None)
        super()._check_running()

    def _check_can_block(self, method):
        if not self._js.canBlock:
            raise RuntimeError(_NO_BLOCK.format(method, self._js.blockingRefusal))

    def run_forever(self):
        self._check_can_block('run_forever')
        self._run_forever_setup()
        try:
            try:
                self._js.runForeverSync()
            except JsException as exc:
                raise RuntimeError(str(exc.message) if hasattr(exc, 'message') else str(exc)) from None
        finally:
            self._run_forever_cleanup()
        fatal, self._fatal = self._fatal, None
        if fatal is not None:
            raise fatal

    def run_until_complete(self, future):
        self._check_closed()
        self._check_running()
        self._check_can_block('run_until_complete')
        return super().run_until_complete(future)

    def run_until_complete_async(self, future):
        """run_until_complete() without blocking the thread, for hosts that forbid it (a browser
        window): starts the loop on wasmloop's promise-based runner and returns at once a thenable
        that JavaScript awaits (await pyodide.runPython('loop.run_until_complete_async(main())')),
        settled once the loop has stopped, with the future's result or its error."""
        self._check_closed()
        self._check_running()
        new_task = not futures.isfuture(future)
        future = tasks.ensure_future(future, loop=self)
        if new_task:
            future._log_destroy_pending = False
        self._run_forever_setup()
        try:
            done = create_once_callable(lambda error=None: self._finish_async_run(future, error))
            run = self._js.runForeverAsync(done)
        except BaseException:
            self._run_forever_cleanup()
            raise
        future.add_done_callback(_run_until_complete_cb)
        return _AsyncRun(self._js, run)

    def _finish_async_run(self, future, error):
        future.remove_done_callback(_run_until_complete_cb)
        self._run_forever_cleanup()
        fatal, self._fatal = self._fatal, None
        if fatal is not None:
            raise fatal
        if error is not None:
            raise RuntimeError(f'the promise-based runner failed: {error}')
        if not future.done():
            raise RuntimeError('Event loop stopped before Future completed.')
        return future.result()

    def stop(self):
        self._stopping = True
        if not self._closed:
            self._js.stop()

    def close(self):
        if self.is_running():
            raise RuntimeError('Cannot close a running event loop')
        if self._closed:
            return
        super().close()
        self._timers.clear()
        self._exposed.clear()
        self._js.close()
        for p in self._proxies:
            p.destroy()
        self._proxies = ()


class LoopPolicy(getattr(events, '_BaseDefaultEventLoopPolicy', None) or events.BaseDefaultEventLoopPolicy):
    """asyncio's default policy with wasmloop loops, and asyncio's classic main-thread rule:
    get_event_loop() on the main thread makes a loop when none was ever set."""

    class _Local(threading.local):
        _loop = None
        _set_called = False

    def __init__(self):
        self._local = self._Local()

    def get_event_loop(self):
        local = self._local
        if (local._loop is None and not local._set_called
                and threading.current_thread() is threading.main_thread()):
            self.set_event_loop(self.new_event_loop())
        if local._loop is None:
            raise RuntimeError('There is no current event loop in thread %r.'
                               % threading.current_thread().name)
        return local._loop

    def set_event_loop(self, loop):
        self._local._set_called = True
        super().set_event_loop(loop)

    def new_event_loop(self):
        return Loop()


def new_event_loop():
    return Loop()


class _AsyncRun:
    """What run_until_complete_async returns: a thenable for JavaScript's await. The promise
    stays on the JavaScript side (one returned into Python would become a Future of this loop)."""

    __slots__ = ('_js', '_run')

    def __init__(self, js, run):
        self._js = js
        self._run = run

    def then(self, resolve, reject=None):
        self._js.thenRun(self._run, resolve, reject)


class RemoteLoop:
    """A loop in another thread, reached through its port: wasmloop.connect(port). It calls the
    functions that loop exposed (loop.expose(name, fn)) by name; arguments cross as structured
    clones (None, bool, int, float, str, bytes, lists, dicts of those; JavaScript values as they
    are). A submission that returned is in the loop's inbox, whatever happens to this thread."""

    __slots__ = ('_remote',)

    def __init__(self, remote):
        self._remote = remote

    def __repr__(self):
        return '<wasmloop.RemoteLoop>'

    def call_soon_threadsafe(self, name, *args):
        """Runs the exposed function name(*args) in the loop, soon; wakes it if it sleeps."""
        if not isinstance(name, str) or not name:
            raise TypeError(f'call_soon_threadsafe() needs the name of an exposed function (a non-empty str), got {_describe(name)}')
        js_args = [_to_js(a, i) for i, a in enumerate(args)]
        try:
            self._remote.callSoonThreadsafe(name, *js_args)
        except JsException as exc:
            raise _from_js(exc) from None

    def stop(self):
        """Stops the loop (as loop.stop() in its own thread)."""
        try:
            self._remote.stop()
        except JsException as exc:
            raise _from_js(exc) from None


def connect(port, *, timeout=None):
    """A RemoteLoop for a port that loop.port() made in another thread. timeout: seconds a
    submission may wait for room in a full inbox (then TimeoutError, nothing submitted); None
    waits as long as it takes."""
    if not isinstance(port, JsProxy):
        raise TypeError(f'connect() needs a port (the JavaScript object loop.port() gave), got {_describe(port)}')
    if timeout is not None:
        if not _is_number(timeout) or math.isnan(timeout) or timeout < 0:
            raise ValueError(f'connect() timeout must be None or a non-negative number of seconds, got {_describe(timeout)}')
        timeout = float(timeout)
    try:
        return RemoteLoop(_connect(port, timeout))
    except JsException as exc:
        raise _from_js(exc) from None


def _is_number(v):
    # a JavaScript value is not looked into (a revoked Proxy throws at any question)
    return not isinstance(v, JsProxy) and isinstance(v, numbers.Real)


def _describe(v):
    try:
        return repr(v)
    except Exception:
        return f'a {type(v).__name__} (its repr failed)'


def _check_context(context):
    if context is not None and not isinstance(context, contextvars.Context):
        raise TypeError(f'context must be a contextvars.Context or None, got {_describe(context)}')


def _to_js(value, i):
    if value is None or isinstance(value, (bool, int, float, str, JsProxy)):
        return value
    try:
        return to_js(value, create_pyproxies=False, dict_converter=_object_from_entries())
    except (ConversionError, TypeError) as exc:
        raise TypeError(f'argument {i} ({type(value).__name__}) cannot cross to another thread: {exc}') from None


def _object_from_entries():
    import js
    return js.Object.fromEntries


_JS_ERRORS = {'TypeError': TypeError, 'RangeError': ValueError, 'DataCloneError': TypeError,
              'RuntimeError': RuntimeError, 'TimeoutError': TimeoutError}


def _from_js(exc):
    name = getattr(exc, 'name', '')
    msg = getattr(exc, 'message', str(exc))
    if name == 'QueueFull':
        return asyncio.QueueFull(msg)
    cls = _JS_ERRORS.get(name)
    return cls(msg) if cls is not None else exc


def _is_webloop(loop):
    return loop is not None and type(loop).__module__ == 'pyodide.webloop'


def _install(bridge_factory, debug, connect):
    global _bridge_factory, _connect, _default_debug
    _bridge_factory = bridge_factory
    _connect = connect
    _default_debug = bool(debug)
    getter = getattr(events, '_get_event_loop_policy', None) or asyncio.get_event_loop_policy
    setter = getattr(events, '_set_event_loop_policy', None) or asyncio.set_event_loop_policy
    current = getter()
    # what Pyodide had before any installPyodideLoop (a reinstall replaces the earlier one)
    previous = getattr(current, '_replaced', None) or (current, asyncio.run, events._get_running_loop())
    policy = LoopPolicy()
    policy._replaced = previous
    setter(policy)
    # Pyodide replaced asyncio.run with one that drives its WebLoop, and made the WebLoop the
    # running loop at start-up: asyncio's own asyncio.run, and no loop running until one runs
    asyncio.run = asyncio.runners.run
    if _is_webloop(events._get_running_loop()):
        events._set_running_loop(None)

    def uninstall():
        policy, run, running = previous
        setter(policy)
        asyncio.run = run
        if _is_webloop(running) and events._get_running_loop() is None:
            events._set_running_loop(running)
    return uninstall
`;

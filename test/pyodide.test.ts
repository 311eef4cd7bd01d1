/**
 * Python's own asyncio on wasmloop inside Pyodide (wasmloop/pyodide): the seed's Python programs
 * unmodified, then CPython's loop-level cases, on both cores; then Python's call_soon_threadsafe
 * from other workers' Pyodides (issue #16 item 4). Pyodide loads once for the file on this thread,
 * and once in each of three producer workers, which load while the other tests run.
 * @needs blocking — the Python loops block this thread in run_forever; the producers wait for room in Atomics.wait
 */
// proves: §8.3
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxTuning } from '../bindings/core/inbox.js';
import { host } from '../bindings/hosts/index.js';
import { installPyodideLoop, type PyodideLike } from '../bindings/pyodide.js';
import fc from 'fast-check';
import { CORES } from './helpers.js';
import { hostile } from './hostile-values.js';

type Pyodide = PyodideLike & { setStdout(o: { batched: (line: string) => void }): void; setStderr(o: { batched: (line: string) => void }): void };

// pyodide is a devDependency; PYODIDE_MODULE points elsewhere (a private install) if need be
const PYODIDE = process.env.PYODIDE_MODULE ?? 'pyodide';
let pyodide: Pyodide;
let out: string[] = [];
let err: string[] = [];

beforeAll(async () => {
  await startProducers();
  const mod = await import(/* @vite-ignore */ PYODIDE);
  pyodide = await mod.loadPyodide();
  pyodide.setStdout({ batched: (line: string) => void out.push(line) });
  pyodide.setStderr({ batched: (line: string) => void err.push(line) });
}, 120_000);

/** Runs `code` as a fresh __main__ on a freshly installed loop; returns what it printed. */
function runPy(code: string, opts: Parameters<typeof installPyodideLoop>[1]): string[] {
  installPyodideLoop(pyodide, opts);
  out = [];
  err = [];
  const ns = pyodide.toPy({ __name__: '__main__' });
  try {
    pyodide.runPython(code, { globals: ns });
  } finally {
    // the seed leaves its loop open with timers pending, as the original does
    pyodide.runPython(`
import asyncio
from asyncio import events
p = events._get_event_loop_policy()
if p._local._loop is not None:
    p._local._loop.close()
`, { globals: pyodide.toPy({}) });
    ns.destroy();
  }
  return out;
}

const seed = (name: string): string => readFileSync(new URL(`../examples/python/${name}.py`, import.meta.url), 'utf8');
const SEEDS = ['print_now_twice', 'trampoline', 'named_trampolines'] as const;
const times = Array.from({ length: 17 }, (_, i) => (i * 0.5).toFixed(3));

/** The seed under CPython (/usr/bin/python3): real clock, so its lines without their times. */
const cpython = new Map<string, Promise<string[]>>();
function underCPython(name: string): Promise<string[]> {
  if (!cpython.has(name))
    cpython.set(name, new Promise((resolve, reject) => {
      execFile('/usr/bin/python3', ['-W', 'ignore', new URL(`../examples/python/${name}.py`, import.meta.url).pathname], (e, stdout) => (e ? reject(e) : resolve(stdout.trimEnd().split('\n'))));
    }));
  return cpython.get(name)!;
}
const untimed = (lines: string[]): string[] => lines.map((l) => l.replace(/ at \d+\.\d{3}$/, ' at'));

describe.each(CORES)('the seed in Python, on wasmloop in Pyodide (%s core)', (core) => {
  const opts = { core, clock: 'virtual' as const };
  beforeAll(() => void SEEDS.forEach(underCPython));

  it('print_now scheduled twice runs twice, in the same iteration, under run_until_complete(asyncio.sleep(3))', () => {
    expect(runPy(seed('print_now_twice'), opts)).toEqual(['print_now at 0.000', 'print_now at 0.000']);
  });

  it('the trampoline stopped by call_later(8, loop.stop) runs exactly 17 times, at 0, 0.5, …, 8.0', () => {
    expect(runPy(seed('trampoline'), opts)).toEqual(times.map((t) => `print_now at ${t}`));
  });

  it('three named trampolines interleave in order until 8 s', () => {
    expect(runPy(seed('named_trampolines'), opts)).toEqual(times.flatMap((t) => ['first', 'second', 'third'].map((n) => `${n} print_now at ${t}`)));
  });

  it.each(SEEDS)('%s prints what CPython prints (its real clock may drift past the last tick at 8 s)', async (name) => {
    const ours = untimed(runPy(seed(name), opts));
    const theirs = untimed(await underCPython(name));
    const round = name === 'named_trampolines' ? 3 : 1;
    expect(theirs.length).toBeGreaterThanOrEqual(ours.length - (name === 'print_now_twice' ? 0 : round));
    expect(ours.slice(0, theirs.length)).toEqual(theirs);
  }, 60_000);
});

/** CPython's loop-level cases (test/fixtures/asyncio_cases.py), each named after its original. */
const CASES_PY = readFileSync(new URL('./fixtures/asyncio_cases.py', import.meta.url), 'utf8');
const caseNames = [...CASES_PY.matchAll(/^@case\('([^']+)'\)$/gm)].map((m) => m[1]!);

describe.each(CORES)("CPython's asyncio cases inside Pyodide on wasmloop (%s core)", (core) => {
  let runCase: (name: string) => void;
  beforeAll(() => {
    installPyodideLoop(pyodide, { core, clock: 'virtual' });
    const ns = pyodide.toPy({ __name__: 'asyncio_cases' });
    pyodide.runPython(CASES_PY, { globals: ns });
    const run = ns.get('run');
    const loopType = pyodide.runPython('import wasmloop; wasmloop.Loop');
    runCase = (name) => run(name, loopType);
  });

  it.each(caseNames)('%s', (name) => runCase(name));
});

describe('the same cases under CPython', () => {
  it('pass on CPython 3.11 (/usr/bin/python3) with its own loop, one line per case', async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/python3', ['-W', 'ignore', new URL('./fixtures/asyncio_cases.py', import.meta.url).pathname], (e, so) => (e ? reject(new Error(so + String(e))) : resolve(so))),
    );
    expect(stdout.trimEnd().split('\n')).toEqual(caseNames.map((n) => `ok ${n}`));
  }, 60_000);
});

/** Evaluates Python in a fresh namespace after a fresh install; returns the last expression. */
function py(code: string, opts: Parameters<typeof installPyodideLoop>[1]): any {
  installPyodideLoop(pyodide, opts);
  const ns = pyodide.toPy({ __name__: '__main__' });
  try {
    const r = pyodide.runPython(code, { globals: ns });
    return r && typeof r.toJs === 'function' ? r.toJs() : r;
  } finally {
    ns.destroy();
  }
}

describe.each(CORES)('installPyodideLoop (%s core)', (core) => {
  const opts = { core, clock: 'virtual' as const };

  it('asyncio.new_event_loop(), get_event_loop() on the main thread, asyncio.run() and asyncio.Runner all give a wasmloop.Loop', () => {
    expect(py(`
import asyncio, wasmloop
kinds = []
g = asyncio.get_event_loop(); kinds.append(type(g).__name__)
kinds.append(g is asyncio.get_event_loop())
g.close()
async def main():
    kinds.append(type(asyncio.get_running_loop()).__name__)
asyncio.run(main())
with asyncio.Runner() as r:
    r.run(main())
n = asyncio.new_event_loop(); kinds.append(type(n).__name__); n.close()
kinds`, opts)).toEqual(['Loop', true, 'Loop', 'Loop', 'Loop']);
  });

  it('get_event_loop() makes no loop once set_event_loop() was called (asyncio main-thread rule)', () => {
    expect(py(`
import asyncio
asyncio.set_event_loop(None)
try:
    asyncio.get_event_loop()
    r = 'no error'
except RuntimeError as e:
    r = str(e)
r`, opts)).toBe("There is no current event loop in thread 'MainThread'.");
  });

  it('repr(loop) says what it is, as uvloop does', () => {
    expect(py(`
import asyncio
loop = asyncio.new_event_loop()
seen = []
loop.call_soon(lambda: seen.append(repr(loop)))
loop.call_soon(loop.stop)
loop.run_forever()
seen.append(repr(loop))
loop.set_debug(True)
loop.close()
seen.append(repr(loop))
seen`, opts)).toEqual([
      '<wasmloop.Loop running=True closed=False debug=False>',
      '<wasmloop.Loop running=False closed=False debug=False>',
      '<wasmloop.Loop running=False closed=True debug=True>',
    ]);
  });

  it('a batch of call_soon callbacks crosses into Python once per iteration: one core callback runs 100 Python callbacks in order', () => {
    installPyodideLoop(pyodide, opts);
    const ns = pyodide.toPy({});
    try {
      pyodide.runPython(`
import asyncio
loop = asyncio.new_event_loop()
order = []
for i in range(100):
    loop.call_soon(order.append, i)
loop.call_soon(loop.stop)
`, { globals: ns });
      const jsLoop = pyodide.runPython('loop.js_loop', { globals: ns });
      const sizes: number[] = [];
      let callbacks = 0;
      jsLoop.setObserver({ iteration: (_l: unknown, _t: number, size: number) => void sizes.push(size), callback: () => void callbacks++ });
      pyodide.runPython('loop.run_forever(); loop.close()', { globals: ns });
      expect(sizes).toEqual([1]);
      expect(callbacks).toBe(1);
      expect(pyodide.runPython('order == list(range(100))', { globals: ns })).toBe(true);
    } finally {
      ns.destroy();
    }
  });

  it("the virtual clock: call_later(8, loop.stop) ends at loop time 8 with no real wait, timers in a real clock's order", () => {
    const t0 = Date.now();
    expect(py(`
import asyncio
loop = asyncio.new_event_loop()
fired = []
for d in (3, 1, 2, 1):
    loop.call_later(d, lambda d=d: fired.append((d, loop.time())))
loop.call_later(8, loop.stop)
loop.run_forever()
fired.append(loop.time())
loop.close()
fired`, opts)).toEqual([[1, 1], [1, 1], [2, 2], [3, 3], 8]);
    expect(Date.now() - t0).toBeLessThan(8000); // eight virtual seconds, not eight real ones
  });

  it('installPyodideLoop({ debug: true }) makes loops in asyncio debug mode', () => {
    expect(py('import asyncio\nl = asyncio.new_event_loop()\nd = l.get_debug()\nl.close()\nd', { ...opts, debug: true })).toBe(true);
  });

  it('a run_until_complete whose future nothing can ever complete raises RuntimeError instead of hanging the thread', () => {
    expect(py(`
import asyncio
loop = asyncio.new_event_loop()
try:
    loop.run_until_complete(loop.create_future())
    r = 'returned'
except RuntimeError as e:
    r = str(e)
loop.close()
r`, opts)).toMatch(/would block this thread forever/);
  });

  it('where the thread may not block (a browser window), run_forever and run_until_complete raise RuntimeError naming the way out, and run_until_complete_async runs the loop on the promise-based runner', async () => {
    // the host as a browser window's main thread sees itself
    const { canBlock, blockingRefusal } = host;
    host.canBlock = () => false;
    host.blockingRefusal = () => "Atomics.wait is not allowed on a browser's main thread";
    installPyodideLoop(pyodide, opts);
    const ns = pyodide.toPy({});
    try {
      const errors = pyodide.runPython(`
import asyncio
loop = asyncio.new_event_loop()
errors = []
try:
    loop.run_forever()
except RuntimeError as e:
    errors.append(str(e))
sleeper = asyncio.sleep(1)
try:
    loop.run_until_complete(sleeper)
except RuntimeError as e:
    errors.append(str(e))
sleeper.close()
async def main():
    await asyncio.sleep(2)
    return loop.time()
errors`, { globals: ns }).toJs();
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBe("run_forever() cannot block this thread (Atomics.wait is not allowed on a browser's main thread): run this Python code in a Web Worker, or await loop.run_until_complete_async(aw) from JavaScript, which runs the loop without blocking");
      expect(errors[1]).toMatch(/^run_until_complete\(\) cannot block this thread/);
      const result = await pyodide.runPython('loop.run_until_complete_async(main())', { globals: ns });
      expect(result).toBe(2);
      // the loop has stopped when the awaiting JavaScript resumes
      expect(pyodide.runPython('loop.is_running() or asyncio._get_running_loop() is not None', { globals: ns })).toBe(false);
      // a coroutine may await a JavaScript promise on this runner (it could not while the thread blocks)
      (globalThis as any).wasmloopLater = (v: number) => new Promise((resolve) => setTimeout(() => resolve(v), 1));
      pyodide.runPython('import js\nasync def from_js():\n    return await js.wasmloopLater(7) * 6', { globals: ns });
      expect(await pyodide.runPython('loop.run_until_complete_async(from_js())', { globals: ns })).toBe(42);
      delete (globalThis as any).wasmloopLater;
      // a coroutine's error rejects the await with Pyodide's PythonError
      pyodide.runPython('async def fails():\n    await asyncio.sleep(1)\n    raise ValueError("from Python")', { globals: ns });
      await expect(pyodide.runPython('loop.run_until_complete_async(fails())', { globals: ns })).rejects.toThrow(/ValueError: from Python/);
      pyodide.runPython('loop.close()', { globals: ns });
    } finally {
      host.canBlock = canBlock;
      host.blockingRefusal = blockingRefusal;
      ns.destroy();
    }
  });

  it("the function installPyodideLoop returns puts Pyodide's WebLoop back", () => {
    const uninstall = installPyodideLoop(pyodide, opts);
    const ns = pyodide.toPy({});
    try {
      expect(pyodide.runPython('import asyncio\ntype(asyncio.get_event_loop()).__name__', { globals: ns })).toBe('Loop');
      pyodide.runPython('asyncio.get_event_loop().close()', { globals: ns });
      uninstall();
      expect(pyodide.runPython('type(asyncio.get_event_loop()).__name__', { globals: ns })).toBe('WebLoop');
    } finally {
      ns.destroy();
    }
  });
});

describe.each(CORES)('hostile values from Python (%s core)', (core) => {
  const opts = { core, clock: 'virtual' as const };

  it('None, non-callables, coroutines, bad contexts, NaN, None and non-number delays raise a Python exception at the call site with nothing scheduled; huge and infinite delays are timers that do not fire', () => {
    expect(py(`
import asyncio, math
loop = asyncio.new_event_loop()
async def coro(): pass
bad = [
    ('call_soon(None)', lambda: loop.call_soon(None)),
    ('call_soon(5)', lambda: loop.call_soon(5)),
    ('call_soon(coro)', lambda: loop.call_soon(coro)),
    ("call_soon(print, context='x')", lambda: loop.call_soon(print, context='x')),
    ('call_soon_threadsafe(None)', lambda: loop.call_soon_threadsafe(None)),
    ('call_later(None, print)', lambda: loop.call_later(None, print)),
    ("call_later('1', print)", lambda: loop.call_later('1', print)),
    ('call_later(nan, print)', lambda: loop.call_later(math.nan, print)),
    ('call_later(10**400, print)', lambda: loop.call_later(10**400, print)),
    ('call_later(1, None)', lambda: loop.call_later(1, None)),
    ('call_at(nan, print)', lambda: loop.call_at(math.nan, print)),
    ('call_at([], print)', lambda: loop.call_at([], print)),
    ("expose('', print)", lambda: loop.expose('', print)),
    ("expose('f', 3)", lambda: loop.expose('f', 3)),
]
seen = []
for what, f in bad:
    try:
        f()
        seen.append((what, 'accepted'))
    except Exception as e:
        seen.append((what, type(e).__name__))
nothing = not loop._ready and not loop._timers and not loop._batch_scheduled
fired = []
huge = loop.call_later(1e308, fired.append, 'huge')
inf = loop.call_later(math.inf, fired.append, 'inf')
loop.call_later(5, loop.stop)
loop.run_forever()
pending = len(loop._timers)
huge.cancel(); inf.cancel()
left = len(loop._timers)
loop.close()
[seen, nothing, fired, pending, left, loop.time() >= 5]`, opts)).toEqual([
      [
        ['call_soon(None)', 'TypeError'],
        ['call_soon(5)', 'TypeError'],
        ['call_soon(coro)', 'TypeError'],
        ["call_soon(print, context='x')", 'TypeError'],
        ['call_soon_threadsafe(None)', 'TypeError'],
        ['call_later(None, print)', 'TypeError'],
        ["call_later('1', print)", 'TypeError'],
        ['call_later(nan, print)', 'ValueError'],
        ['call_later(10**400, print)', 'OverflowError'],
        ['call_later(1, None)', 'TypeError'],
        ['call_at(nan, print)', 'ValueError'],
        ['call_at([], print)', 'TypeError'],
        ["expose('', print)", 'TypeError'],
        ["expose('f', 3)", 'TypeError'],
      ],
      true,
      [],
      2,
      0,
      true,
    ]);
  });

  it('hostile JavaScript values as delays and callbacks (fast-check): a Python exception at the call site and nothing scheduled, or a timer the loop runs', () => {
    installPyodideLoop(pyodide, opts);
    const ns = pyodide.toPy({});
    try {
      pyodide.runPython(`
import asyncio
loop = asyncio.new_event_loop()
def try_later(delay, callback):
    before = len(loop._timers)
    try:
        loop.call_later(delay, callback)
    except Exception as e:
        assert len(loop._timers) == before, 'a refused call_later left a timer'
        return type(e).__name__
    assert len(loop._timers) == before + 1
    return 'scheduled'
`, { globals: ns });
      const tryLater = ns.get('try_later');
      fc.assert(
        fc.property(hostile(), hostile(), (d, c) => {
          const r = tryLater(d.value, c.value) as string;
          expect(['TypeError', 'ValueError', 'OverflowError', 'scheduled']).toContain(r);
          const r2 = tryLater(d.value, () => {});
          const numeric = typeof d.value === 'number' || typeof d.value === 'bigint' || typeof d.value === 'boolean';
          if (!numeric) expect(r2).toBe('TypeError');
        }),
        { numRuns: 200 },
      );
      // the loop still runs what was scheduled (hostile callables included: their errors go to the exception handler)
      expect(pyodide.runPython(`
errors = []
loop.set_exception_handler(lambda l, ctx: errors.append(ctx['message']))
js_reported = []
loop.js_loop.setExceptionHandler(lambda l, ctx: js_reported.append(ctx.message))
for h in list(loop._timers.values()):
    if h.when() > loop.time() + 1e6: h.cancel()
loop.call_later(1e6 + 1, loop.stop)
loop.run_forever()
left = len(loop._timers)
loop.close()
[left, len(js_reported)]`, { globals: ns }).toJs()).toEqual([0, 0]);
      tryLater.destroy();
    } finally {
      ns.destroy();
    }
  });

  it('wasmloop.connect() and RemoteLoop.call_soon_threadsafe refuse bad ports, names and arguments with a Python exception, submitting nothing; what they accept arrives, converted, in order', () => {
    installPyodideLoop(pyodide, opts);
    const ns = pyodide.toPy({});
    try {
      const r = pyodide.runPython(`
import asyncio, math, wasmloop
loop = asyncio.new_event_loop()
got = []
reported = []
loop.set_exception_handler(lambda l, ctx: reported.append(ctx['message']))
loop.expose('rec', lambda *a: got.append(a))
remote = wasmloop.connect(loop.port())
refused = []
for what, f in [
    ("connect('port')", lambda: wasmloop.connect('port')),
    ('connect(port, timeout=nan)', lambda: wasmloop.connect(loop.port(), timeout=math.nan)),
    ('connect(port, timeout=-1)', lambda: wasmloop.connect(loop.port(), timeout=-1)),
    ('call_soon_threadsafe(None)', lambda: remote.call_soon_threadsafe(None)),
    ("call_soon_threadsafe('')", lambda: remote.call_soon_threadsafe('')),
    ("call_soon_threadsafe('rec', object())", lambda: remote.call_soon_threadsafe('rec', object())),
    ("call_soon_threadsafe('rec', 1, print)", lambda: remote.call_soon_threadsafe('rec', 1, print)),
]:
    try:
        f()
        refused.append((what, 'accepted'))
    except Exception as e:
        refused.append((what, type(e).__name__))
remote.call_soon_threadsafe('rec', 1, 'two', [3, 4.5], {'k': None}, b'xy', True)
remote.call_soon_threadsafe('nobody', 1)
remote.call_soon_threadsafe('rec', 2)
remote.stop()
loop.run_forever()
loop.close()
[refused, got, repr(remote), reported]`, { globals: ns }).toJs({ dict_converter: Object.fromEntries });
      expect(r[0]).toEqual([
        ["connect('port')", 'TypeError'],
        ['connect(port, timeout=nan)', 'ValueError'],
        ['connect(port, timeout=-1)', 'ValueError'],
        ['call_soon_threadsafe(None)', 'TypeError'],
        ["call_soon_threadsafe('')", 'TypeError'],
        ["call_soon_threadsafe('rec', object())", 'TypeError'],
        ["call_soon_threadsafe('rec', 1, print)", 'TypeError'],
      ]);
      expect(r[1]).toEqual([[1, 'two', [3, 4.5], { k: undefined }, new Uint8Array([120, 121]), true], [2]]);
      expect(r[2]).toBe('<wasmloop.RemoteLoop>');
      // a call to a name not exposed goes to the Python loop's exception handler
      expect(r[3]).toEqual(["callSoonThreadsafe from another thread: no function named 'nobody' is exposed on this loop"]);
    } finally {
      ns.destroy();
    }
  });
});

// ---- threads: Python in other workers' Pyodides submits to a loop blocked in run_forever ----

const ROLE = new URL('./workers/pyodide-producer.mjs', import.meta.url);
/** abandonMs while these tests run (1 s by default): a record a killed producer left uncommitted holds the others back this long. */
const ABANDON_MS = 100;
const KILL_AT = 300; // the flood's producer is terminated once the loop has run this many of its calls
const N = 2000; // the survivor's calls

let dir = '';
const saved = inboxTuning.abandonMs;
const stats = new Int32Array(new SharedArrayBuffer(16));

interface Producer {
  worker: Worker;
  ready: Promise<unknown>;
  done: Promise<unknown>;
  exited: Promise<unknown>;
  failure: unknown;
}
const producers: Producer[] = [];

function spawn(module: string): Producer {
  const worker = new Worker(ROLE, { workerData: { module, stats: stats.buffer } });
  const p: Producer = { worker, ready: null!, done: null!, exited: new Promise((r) => worker.once('exit', r)), failure: null };
  const messages: Array<(m: unknown) => void> = [];
  p.ready = new Promise((r) => messages.push(r));
  p.done = new Promise((r) => messages.push(r));
  worker.on('message', (m) => messages.shift()?.(m));
  worker.on('error', (e) => (p.failure = e));
  producers.push(p);
  return p;
}

let killed: Record<string, Producer>;
let survivor: Producer;

/** Starts the producers (their Pyodides load while the other tests run); `producersReady` once all are up. */
let producersReady: Promise<unknown>;
async function startProducers(): Promise<void> {
  const esbuild = await import('esbuild');
  dir = mkdtempSync(join(tmpdir(), 'wasmloop-pyodide-threads-'));
  const outfile = join(dir, 'wasmloop-pyodide.mjs');
  await esbuild.build({ entryPoints: [new URL('../bindings/pyodide.ts', import.meta.url).pathname], bundle: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'silent' });
  const module = pathToFileURL(outfile).href;
  // one producer to kill per core, one survivor for both: their Pyodides load while this one does
  killed = { wasm: spawn(module), js: spawn(module) };
  survivor = spawn(module);
  producersReady = Promise.all(producers.map((p) => p.ready));
}

afterAll(async () => {
  await Promise.all(producers.map((p) => p.worker.terminate()));
  inboxTuning.abandonMs = saved;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(CORES)('call_soon_threadsafe from Python in another worker (%s core)', (core) => {
  beforeAll(() => {
    inboxTuning.abandonMs = ABANDON_MS;
    return producersReady;
  }, 300_000);

  it(`a producer terminated mid-flood after ${KILL_AT} calls ran: what it committed arrives once, in order; another worker's ${N} calls and its stop() wake the loop blocked in run_forever; the loop runs and closes as usual`, async () => {
    const victim = killed[core]!;
    installPyodideLoop(pyodide, { core });
    const ns = pyodide.toPy({ KILL_AT });
    let killCalled = 0;
    ns.set('kill', (port: unknown) => {
      killCalled++;
      // terminate() stops Node's and Bun's threads at once, Deno's when it next returns to its event loop
      void victim.worker.terminate();
      survivor.worker.postMessage({ port, id: 2, count: N, pad: 200, stop: true, slot: 1 });
    });
    try {
      pyodide.runPython(
        `
import asyncio
loop = asyncio.new_event_loop()
got = {}
problems = []
def rec(id, i, filler):
    n = got.get(id, 0)
    if i != n and len(problems) < 10:
        problems.append(f'producer {id}: got #{i}, expected #{n}')
    got[id] = max(n, i + 1)
    if id == 1 and i == KILL_AT:
        kill(port)
loop.expose('rec', rec)
port = loop.port()
`,
        { globals: ns },
      );
      Atomics.store(stats, 0, 0);
      Atomics.store(stats, 1, 0);
      victim.worker.postMessage({ port: ns.get('port'), id: 1, count: Infinity, pad: 300, stop: false, slot: 0 });
      // blocks until the survivor's stop() arrives (after its N calls, in the inbox's order)
      pyodide.runPython('loop.run_forever()', { globals: ns });
      expect(killCalled).toBe(1);
      expect(pyodide.runPython('got.get(2, 0)', { globals: ns })).toBe(N);
      await victim.exited;
      await survivor.done;
      // what the victim committed before it died and the loop had not yet run (it may have run on
      // a little after kill() and behind the survivor's stop): one more short run takes it in
      pyodide.runPython('loop.run_until_complete(asyncio.sleep(0.25))', { globals: ns });
      const committed = Atomics.load(stats, 0);
      const ran = pyodide.runPython('got[1]', { globals: ns }) as number;
      // the loop ran #KILL_AT, so the victim had returned from that submission at least (its count may lag by the one it was killed after)
      expect(ran).toBeGreaterThan(KILL_AT);
      expect(committed).toBeGreaterThanOrEqual(KILL_AT);
      expect([committed, committed + 1]).toContain(ran);
      expect(pyodide.runPython('problems', { globals: ns }).toJs()).toEqual([]);
      expect(Atomics.load(stats, 1)).toBe(N);
      // the loop is whole: callbacks and timers run, it stops and closes
      expect(
        pyodide.runPython(
          `
seen = []
loop.call_soon(seen.append, 'soon')
loop.call_later(0.01, seen.append, 'later')
loop.call_later(0.02, loop.stop)
loop.run_forever()
loop.close()
seen`,
          { globals: ns },
        ).toJs(),
      ).toEqual(['soon', 'later']);
      expect(victim.failure).toBe(null);
      expect(survivor.failure).toBe(null);
    } finally {
      pyodide.runPython('loop.close() if not loop.is_closed() and not loop.is_running() else None', { globals: ns });
      ns.destroy();
    }
  }, 120_000);
});

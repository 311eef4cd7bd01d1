/**
 * Python's own asyncio on wasmloop inside Pyodide (wasmloop/pyodide): the seed's Python programs
 * unmodified, then CPython's loop-level cases, on both cores. Pyodide loads once for the file.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { host } from '../bindings/hosts/index.js';
import { installPyodideLoop, type PyodideLike } from '../bindings/pyodide.js';
import { CORES } from './helpers.js';

type Pyodide = PyodideLike & { setStdout(o: { batched: (line: string) => void }): void; setStderr(o: { batched: (line: string) => void }): void };

// pyodide is a devDependency; PYODIDE_MODULE points elsewhere (a private install) if need be
const PYODIDE = process.env.PYODIDE_MODULE ?? 'pyodide';
let pyodide: Pyodide;
let out: string[] = [];
let err: string[] = [];

beforeAll(async () => {
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

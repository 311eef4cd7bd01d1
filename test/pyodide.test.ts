/**
 * Python's own asyncio on wasmloop inside Pyodide (wasmloop/pyodide): the seed's Python programs
 * unmodified, then CPython's loop-level cases, on both cores. Pyodide loads once for the file.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
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

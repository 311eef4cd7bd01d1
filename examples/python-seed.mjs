// The seed's Python programs (examples/python/*.py), unmodified, on wasmloop inside Pyodide:
// `npm start` runs them beside the TypeScript versions. Pyodide is a devDependency (its .wasm and
// standard library ship in node_modules/pyodide: nothing is downloaded).
import { readFileSync } from 'node:fs';

export const PYTHON_SEEDS = ['print_now_twice', 'trampoline', 'named_trampolines'];

/**
 * Loads Pyodide once and returns `run(name, { core, clock })` → the lines the program printed.
 * `installPyodideLoop` (wasmloop/pyodide) makes asyncio's loops wasmloop loops; on the virtual
 * clock `loop.call_later(8, loop.stop)` ends at once with the real clock's order.
 */
export async function pythonSeedRunner(installPyodideLoop) {
  const { loadPyodide } = await import('pyodide');
  const pyodide = await loadPyodide();
  let out = [];
  pyodide.setStdout({ batched: (line) => void out.push(line) });
  return (name, opts) => {
    installPyodideLoop(pyodide, opts);
    out = [];
    const ns = pyodide.toPy({ __name__: '__main__' });
    try {
      pyodide.runPython(readFileSync(new URL(`./python/${name}.py`, import.meta.url), 'utf8'), { globals: ns });
    } finally {
      // the seed leaves its loop open with timers pending, as it does under CPython
      pyodide.runPython('from asyncio import events\np = events._get_event_loop_policy()\nif p._local._loop is not None:\n    p._local._loop.close()\n', { globals: pyodide.toPy({}) });
      ns.destroy();
    }
    return out;
  };
}

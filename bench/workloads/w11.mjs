// W11 — Python asyncio code inside Pyodide (issue #16): the trampoline and the fan-out of
// ../python/w11_code.py, the same source run four ways, each timing itself in Python (ns per
// callback): on Pyodide's own WebLoop, on wasmloop's loop inside Pyodide (installPyodideLoop from
// dist/pyodide.js, WASM and JS cores), and on CPython's asyncio and uvloop (../python/w11.py).
// WebLoop cannot block the thread, so JavaScript awaits the coroutine (`await
// pyodide.runPythonAsync('await trampoline(n)')`, Pyodide's own way to drive it); wasmloop's loop
// blocks (`loop.run_until_complete(trampoline(n))` inside runPython: Node's main thread may block).
// Pyodide loads once per bench process (several seconds), on the first run that needs it.
import { existsSync, readFileSync } from 'node:fs';
import { info } from '../lib/goals.mjs';
import { CORES } from '../lib/wasmloop.mjs';

const CODE = readFileSync(new URL('../python/w11_code.py', import.meta.url), 'utf8');
const dist = new URL('../../dist/pyodide.js', import.meta.url);
// pyodide is a devDependency; PYODIDE_MODULE points elsewhere if need be (a name bundlers leave alone)
const PYODIDE = process.env.PYODIDE_MODULE ?? 'pyodide';
let pyodideModule = null;
let missing = null;
try {
  pyodideModule = await import(/* @vite-ignore */ PYODIDE);
} catch (e) {
  missing = `the pyodide package is not installed (${String(e.message).split('\n')[0]})`;
}
const { installPyodideLoop } = existsSync(dist) ? await import(dist.href) : {};
const unavailable = () => missing ?? (typeof installPyodideLoop === 'function' ? null : 'dist/pyodide.js has no installPyodideLoop (npm run build)');

let loading = null;
/** The one Pyodide instance of this process, with w11_code.py's functions in `ns`. */
function pyodide() {
  return (loading ??= (async () => {
    const py = await pyodideModule.loadPyodide();
    const ns = py.toPy({ __name__: 'w11' });
    py.runPython(CODE, { globals: ns });
    return { py, ns };
  })());
}

const number = (v, what) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${what} gave ${v}`);
  return { value: v };
};

function webloopRun(which) {
  return async (n) => {
    const { py, ns } = await pyodide();
    return number(await py.runPythonAsync(`await ${which}(${n})`, { globals: ns }), `WebLoop ${which}`);
  };
}

function wasmloopRun(core, which) {
  return async (n) => {
    const { py, ns } = await pyodide();
    const uninstall = installPyodideLoop(py, { core });
    try {
      return number(
        py.runPython(`
_loop = asyncio.new_event_loop()
try:
    _value = _loop.run_until_complete(${which}(${n}))
finally:
    _loop.close()
_value`, { globals: ns }),
        `wasmloop (${core}) ${which}`,
      );
    } finally {
      uninstall(); // WebLoop is Pyodide's loop again for the WebLoop runs
    }
  };
}

function make(id, which, title) {
  return {
    id,
    title,
    unit: 'ns/callback',
    size: { full: 50_000, quick: 5_000 },
    reference: 'wasm',
    goals: [info('times faster than WebLoop', (r, c) => r.webloop.median / r[c].median)],
    competitors: [
      ...CORES.map((c) => ({ ...c, label: `${c.label} in Pyodide (installPyodideLoop)`, kind: c.name, available: unavailable, run: wasmloopRun(c.name, which) })),
      { name: 'webloop', label: "Pyodide's WebLoop (awaited from JS)", kind: 'library', available: unavailable, run: webloopRun(which) },
      { name: 'asyncio', label: 'CPython asyncio', kind: 'asyncio', python: { script: 'w11.py', impl: 'asyncio', args: () => [which] } },
      { name: 'uvloop', label: 'CPython uvloop', kind: 'uvloop', python: { script: 'w11.py', impl: 'uvloop', args: () => [which] } },
    ],
  };
}

export default [make('W11', 'trampoline', 'Python in Pyodide: trampoline (asyncio code)'), make('W11f', 'fanout', 'Python in Pyodide: fan-out (asyncio code)')];

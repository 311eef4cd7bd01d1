// The playground's Python example, in a Web Worker: Pyodide from the served node_modules, wasmloop
// as asyncio's loop in it (wasmloop/pyodide), and the seed's Python file run unmodified. The
// worker may block, so run_forever blocks it as CPython's does. Posts, as they happen:
//   { kind: 'iteration', time, size }   a loop iteration began (loop time since the start)
//   { kind: 'line', line }              a line the Python code printed
//   { kind: 'done', seconds, lines } / { kind: 'error', message }
import { loadPyodide } from '../node_modules/pyodide/pyodide.mjs';
import { installPyodideLoop } from '../dist/pyodide.js';

const ready = (async () => {
  const pyodide = await loadPyodide({ indexURL: new URL('../node_modules/pyodide/', import.meta.url).href });
  pyodide.setStdout({ batched: (line) => self.postMessage({ kind: 'line', line }) });
  return pyodide;
})();

self.onmessage = async ({ data: { core, clock, file } }) => {
  try {
    const pyodide = await ready;
    const code = await (await fetch(new URL(`../examples/python/${file}`, import.meta.url))).text();
    const t0 = performance.now();
    installPyodideLoop(pyodide, { core, clock });
    // the loop the seed's asyncio.get_event_loop() will return, made first so it can be observed
    const loop = pyodide.runPython('import asyncio\nloop = asyncio.new_event_loop()\nasyncio.set_event_loop(loop)\nloop');
    const origin = loop.time();
    loop.js_loop.setObserver({ iteration: (_l, time, size) => self.postMessage({ kind: 'iteration', time: time - origin, size }) });
    const ns = pyodide.toPy({ __name__: '__main__' });
    try {
      pyodide.runPython(code, { globals: ns });
    } finally {
      // the seed leaves its loop open with timers pending, as the original does
      loop.close();
      loop.destroy();
      ns.destroy();
    }
    self.postMessage({ kind: 'done', seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    self.postMessage({ kind: 'error', message: String(e?.message ?? e) });
  }
};

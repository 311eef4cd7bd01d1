// The worker side of test/pyodide.test.ts: Python in this worker's own Pyodide submits to
// a loop in another thread through wasmloop.connect(port) (Python). wasmloop's source is bundled
// by the test to workerData.module. Posts 'ready' once Pyodide is up; then each message
//   { port, id, count, pad, stop, delayMs, slot }
// makes it wait delayMs, then call remote.call_soon_threadsafe('rec', id, i, filler) for
// i = 0 … count - 1 (count Infinity: until it is terminated), storing i + 1 in stats[slot] after
// each returned (what the test reads there was committed; at most one more may be, the one that
// returned as the thread was killed), then remote.stop() if stop; then posts 'done'.
// Every 64 submissions it returns to its event loop for a moment: Deno's terminate() stops a
// thread only there (see killed-producer.mjs).
import { setImmediate } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

const wl = await import(workerData.module);
const { loadPyodide } = await import('pyodide');
const pyodide = await loadPyodide();
wl.installPyodideLoop(pyodide);
const stats = new Int32Array(workerData.stats);
const ns = pyodide.toPy({});
pyodide.runPython(
  `
import wasmloop
def producer(port):
    remote = wasmloop.connect(port)
    def submit(id, i, filler):
        remote.call_soon_threadsafe('rec', id, i, filler)
    return submit, remote.stop
`,
  { globals: ns },
);
const producer = ns.get('producer');

parentPort.on('message', async ({ port, id, count, pad, stop, delayMs = 0, slot }) => {
  const [submit, stopRemote] = producer(port);
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const filler = 'x'.repeat(pad);
  for (let i = 0; i < count; i++) {
    // records of varying length, so that they straddle the ring's end
    submit(id, i, filler.slice(0, (i * 37) % pad));
    Atomics.store(stats, slot, i + 1);
    if ((i & 63) === 63) await new Promise((r) => setImmediate(r));
  }
  if (stop) stopRemote();
  parentPort.postMessage('done');
});
parentPort.postMessage('ready');

/**
 * Python's call_soon_threadsafe across threads (wasmloop/pyodide, issue #16 item 4): Python in
 * another worker's own Pyodide (test/workers/pyodide-producer.mjs) submits through
 * `wasmloop.connect(loop.port())` to a Python loop blocked in run_forever on this thread, and
 * wakes it; a producer terminated mid-flood leaves the loop whole (what it committed arrives once,
 * in order; later submissions from another worker get through; the loop runs and closes as usual).
 * Pyodide loads once here and once per worker (three, in parallel, for the file).
 * @needs blocking — the Python loop blocks this thread in run_forever; the producers wait for room in Atomics.wait
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxTuning } from '../bindings/core/inbox.js';
import { installPyodideLoop, type PyodideLike } from '../bindings/pyodide.js';
import { CORES } from './helpers.js';

const PYODIDE = process.env.PYODIDE_MODULE ?? 'pyodide';
const ROLE = new URL('./workers/pyodide-producer.mjs', import.meta.url);
/** abandonMs while these tests run (1 s by default): a record a killed producer left uncommitted holds the others back this long. */
const ABANDON_MS = 100;
const KILL_AT = 300; // the flood's producer is terminated once the loop has run this many of its calls
const N = 2000; // the survivor's calls

let pyodide: PyodideLike;
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

beforeAll(async () => {
  const esbuild = await import('esbuild');
  dir = mkdtempSync(join(tmpdir(), 'wasmloop-pyodide-threads-'));
  const outfile = join(dir, 'wasmloop-pyodide.mjs');
  await esbuild.build({ entryPoints: [new URL('../bindings/pyodide.ts', import.meta.url).pathname], bundle: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'silent' });
  const module = pathToFileURL(outfile).href;
  inboxTuning.abandonMs = ABANDON_MS;
  // one producer to kill per core, one survivor for both: their Pyodides load while this one does
  killed = { wasm: spawn(module), js: spawn(module) };
  survivor = spawn(module);
  const mod = await import(/* @vite-ignore */ PYODIDE);
  pyodide = await mod.loadPyodide();
  await Promise.all(producers.map((p) => p.ready));
}, 180_000);

afterAll(async () => {
  await Promise.all(producers.map((p) => p.worker.terminate()));
  inboxTuning.abandonMs = saved;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(CORES)('call_soon_threadsafe from Python in another worker (%s core)', (core) => {
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

// W6 — ping-pong: two tasks pass a value through two Queue(1)s, n round trips, as generator
// tasks (`yield*`) and as async-function tasks. Unit: ns per round trip. Runs once the loop has
// a Queue (wasmloop's `Queue` export); until then the rows say "not built yet".
import { ratioGoal } from '../lib/goals.mjs';
import { CORES, wl } from '../lib/wasmloop.mjs';

const built = () => (typeof wl.Queue === 'function' ? null : 'not built yet: wasmloop has no Queue');

function pingPong(core, style) {
  return async (n) => {
    const loop = wl.newEventLoop({ core });
    let got = 0;
    let t0 = 0;
    // the queues are made inside the running loop, as asyncio's bind to the running loop
    const main =
      style === 'generator'
        ? function* () {
            const a = new wl.Queue(1);
            const b = new wl.Queue(1);
            loop.createTask(
              (function* () {
                for (let i = 0; i < n; i++) yield* b.put(yield* a.get());
              })(),
            );
            t0 = performance.now();
            for (let i = 0; i < n; i++) {
              yield* a.put(i);
              got += (yield* b.get()) === i ? 1 : 0;
            }
          }
        : async function () {
            const a = new wl.Queue(1);
            const b = new wl.Queue(1);
            loop.createTask(
              (async () => {
                for (let i = 0; i < n; i++) await b.put(await a.get());
              })(),
            );
            t0 = performance.now();
            for (let i = 0; i < n; i++) {
              await a.put(i);
              got += (await b.get()) === i ? 1 : 0;
            }
          };
    // main runs as a task in both styles, as asyncio's run_until_complete(main()) runs it (python/w6.py):
    // the generator object becomes a task, and so does the async function passed uncalled (called
    // here, outside the loop, its promise would be no task's, and its awaits would not be its)
    await loop.runUntilComplete(style === 'generator' ? main() : main);
    const value = ((performance.now() - t0) * 1e6) / n;
    loop.close();
    if (got !== n) throw new Error(`${got} of ${n} values came back`);
    return { value };
  };
}

function make(id, title, style, speedup) {
  return {
    id,
    title,
    unit: 'ns/round trip',
    size: { full: 200_000, quick: 50_000 },
    reference: 'wasm',
    notBuilt: built,
    goals: [ratioGoal(`≥ ${speedup} × faster than uvloop`, '>=', speedup, (r, c) => r.uvloop.median / r[c].median)],
    competitors: [
      ...CORES.map((c) => ({ ...c, kind: c.name, run: pingPong(c.name, style) })),
      { name: 'asyncio', label: 'Python asyncio', kind: 'asyncio', python: { script: 'w6.py', impl: 'asyncio' } },
      { name: 'uvloop', label: 'Python uvloop', kind: 'uvloop', python: { script: 'w6.py', impl: 'uvloop' } },
    ],
  };
}

export default [make('W6', 'Queue(1) ping-pong, generator tasks', 'generator', 5), make('W6a', 'Queue(1) ping-pong, async-function tasks', 'async', 2.5)];

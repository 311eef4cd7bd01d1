#!/usr/bin/env node --expose-gc
// W3m, one measurement in a fresh process: the memory n pending timers hold, per timer.
//   node --expose-gc bench/w3m-memory.mjs <wasm|js|setTimeout> <n>   → one JSON line
// wasm/js: n `loop.callLater(1000, noop)` on a new loop of that core, the handles dropped
// (the loop alone keeps its timers); setTimeout: n `setTimeout(noop, 1e6)`, the Timeout objects
// dropped. One duration for all: Node's best case (it keeps one list per distinct duration, ~280 B
// per timer when every duration differs, against ~120 with one). Bytes = growth of V8's heap (heapUsed) + external memory (Node's `external`, which
// includes `arrayBuffers`: the JS core's typed arrays) + the WASM core's WebAssembly memory (a
// shared memory is not counted in `external`: its footprint() growth is added), each after a full GC,
// over the same figures before the first timer. A process of its own per measurement: nothing
// another workload left behind is counted, and setTimeout's timers need no clearing.
import { pathToFileURL } from 'node:url';

const noop = () => {};

function sample() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

export async function measureMemory(impl, n) {
  if (typeof globalThis.gc !== 'function') throw new Error('w3m-memory: run node with --expose-gc');
  let loop = null;
  let coreBytes = () => 0;
  if (impl === 'wasm' || impl === 'js') {
    const wl = await import(new URL('../dist/index.js', import.meta.url).href);
    loop = wl.newEventLoop({ core: impl });
    const core = loop._core;
    // the WASM core's memory is a WebAssembly.Memory, outside `external`; the JS core's typed arrays are inside it
    if (core.memory instanceof WebAssembly.Memory) coreBytes = () => core.footprint();
    loop.callLater(1, noop).cancel(); // the loop's own first-use allocations are not the timers'
  } else if (impl !== 'setTimeout') throw new Error(`w3m-memory: unknown implementation ${impl}`);
  const before = { ...sample(), core: coreBytes() };
  if (loop) for (let i = 0; i < n; i++) loop.callLater(1000, noop);
  else for (let i = 0; i < n; i++) setTimeout(noop, 1e6);
  const after = { ...sample(), core: coreBytes() };
  const heap = after.heap - before.heap;
  const external = after.external - before.external;
  const core = after.core - before.core;
  const held = loop ? loop._core.timerCount() - loop._core.cancelledCount() : n;
  if (held !== n) throw new Error(`the loop holds ${held} of ${n} timers`);
  return { value: (heap + external + core) / n, heapB: heap / n, externalB: external / n, wasmMemoryB: core / n };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await measureMemory(process.argv[2], Number(process.argv[3]));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0); // setTimeout's timers are pending: leave without waiting for them
}

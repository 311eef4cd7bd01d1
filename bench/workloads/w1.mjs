// W1 — trampoline: one callback reschedules itself with callSoon until it has run n times.
// W1 under runForever (each iteration awaits once, so promise reactions run) and W1s under
// runForeverSync (no await between iterations). Unit: ns per callback.
import { ratioGoal } from '../lib/goals.mjs';
import { CORES, has, wl } from '../lib/wasmloop.mjs';

const ns = (t0, n) => ((performance.now() - t0) * 1e6) / n;

function loopRun(core, sync, traced = false) {
  return async (n) => {
    const loop = wl.newEventLoop({ core });
    let left = n;
    const tramp = () => {
      if (--left > 0) loop.callSoon(tramp);
      else loop.stop();
    };
    loop.callSoon(tramp);
    if (traced) loop.startTrace(); // the default ring (2^18 events): it wraps many times over
    const t0 = performance.now();
    if (sync) loop.runForeverSync();
    else await loop.runForever();
    const value = ns(t0, n);
    if (traced) loop.stopTrace();
    loop.close();
    if (left !== 0) throw new Error(`${left} callbacks did not run`);
    return { value };
  };
}

/** A trampoline on a host primitive `schedule(fn)`. */
function hostRun(schedule) {
  return (n) =>
    new Promise((resolve) => {
      let left = n;
      const t0 = performance.now();
      const tramp = () => {
        if (--left > 0) schedule(tramp);
        else resolve({ value: ns(t0, n) });
      };
      schedule(tramp);
    });
}

function messageChannelRun(n) {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    let left = n;
    const t0 = performance.now();
    port1.onmessage = () => {
      if (--left > 0) port2.postMessage(0);
      else {
        port1.close();
        resolve({ value: ns(t0, n) });
      }
    };
    port2.postMessage(0);
  });
}

/** The floor: a tight loop draining a FIFO of closures (what no loop can beat). */
function floorRun(n) {
  let fifo = [];
  let left = n;
  const tramp = () => {
    if (--left > 0) fifo.push(tramp);
  };
  const t0 = performance.now();
  fifo.push(tramp);
  let head = 0;
  while (head < fifo.length) {
    fifo[head++]();
    if (head >= 4096) {
      fifo = fifo.slice(head); // keep the array small, as a ring would
      head = 0;
    }
  }
  return { value: ns(t0, n) };
}

const size = { full: 1_000_000, quick: 200_000 };
const floor = { name: 'floor', label: 'floor: FIFO of closures', kind: 'floor', run: floorRun };

export default [
  {
    id: 'W1',
    title: 'trampoline, runForever',
    unit: 'ns/callback',
    size,
    reference: 'wasm',
    goals: [
      // issue #15: one microtask turn per iteration stays the contract, so a bare queueMicrotask trampoline is the bound
      ratioGoal('≤ 1.15 × a bare queueMicrotask trampoline', '<=', 1.15, (r, c) => r[c].median / r.queueMicrotask.median),
      { text: 'traced ≤ 2 × untraced (startTrace)', check: (r) => r['wasm-traced'].median <= 2 * r.wasm.median && r['js-traced'].median <= 2 * r.js.median },
    ],
    competitors: [
      ...CORES.map((c) => ({ ...c, kind: c.name, run: loopRun(c.name, false) })),
      ...CORES.map((c) => ({ name: `${c.name}-traced`, label: `${c.label}, traced`, kind: c.name, run: loopRun(c.name, false, true) })),
      { name: 'setImmediate', label: 'host setImmediate', kind: 'host', available: () => (has('setImmediate') ? null : 'no setImmediate'), run: hostRun((f) => setImmediate(f)) },
      { name: 'queueMicrotask', label: 'host queueMicrotask', kind: 'host', available: () => (has('queueMicrotask') ? null : 'no queueMicrotask'), run: hostRun((f) => queueMicrotask(f)) },
      { name: 'nextTick', label: 'host process.nextTick', kind: 'host', available: () => (has('nextTick') ? null : 'no process.nextTick'), run: hostRun((f) => process.nextTick(f)) },
      { name: 'MessageChannel', label: 'host MessageChannel', kind: 'host', available: () => (has('MessageChannel') ? null : 'no MessageChannel'), run: messageChannelRun },
      floor,
      { name: 'asyncio', label: 'Python asyncio', kind: 'asyncio', python: { script: 'w1.py', impl: 'asyncio' } },
      { name: 'uvloop', label: 'Python uvloop', kind: 'uvloop', python: { script: 'w1.py', impl: 'uvloop' } },
    ],
  },
  {
    id: 'W1s',
    title: 'trampoline, runForeverSync',
    unit: 'ns/callback',
    size,
    reference: 'wasm',
    goals: [
      ratioGoal('≤ 2.5 × the FIFO floor', '<=', 2.5, (r, c) => r[c].median / r.floor.median),
    ],
    competitors: [...CORES.map((c) => ({ ...c, kind: c.name, run: loopRun(c.name, true) })), floor],
  },
];

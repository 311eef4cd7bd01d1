// W2 — fan-out: schedule n callSoon callbacks, then run until all ran. Unit: ns per callback,
// scheduling and running together.
import { info, ratioGoal } from '../lib/goals.mjs';
import { CORES, has, wl } from '../lib/wasmloop.mjs';

const ns = (t0, n) => ((performance.now() - t0) * 1e6) / n;

function loopRun(core) {
  return async (n) => {
    const loop = wl.newEventLoop({ core });
    let ran = 0;
    const cb = () => {
      if (++ran === n) loop.stop();
    };
    const t0 = performance.now();
    for (let i = 0; i < n; i++) loop.callSoon(cb);
    await loop.runForever();
    const value = ns(t0, n);
    loop.close();
    if (ran !== n) throw new Error(`${n - ran} callbacks did not run`);
    return { value };
  };
}

function hostRun(schedule) {
  return (n) =>
    new Promise((resolve) => {
      let ran = 0;
      const t0 = performance.now();
      const cb = () => {
        if (++ran === n) resolve({ value: ns(t0, n) });
      };
      for (let i = 0; i < n; i++) schedule(cb);
    });
}

function messageChannelRun(n) {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    let ran = 0;
    const t0 = performance.now();
    port1.onmessage = () => {
      if (++ran === n) {
        port1.close();
        resolve({ value: ns(t0, n) });
      }
    };
    for (let i = 0; i < n; i++) port2.postMessage(0);
  });
}

function floorRun(n) {
  let ran = 0;
  const cb = () => void ran++;
  const t0 = performance.now();
  const fifo = [];
  for (let i = 0; i < n; i++) fifo.push(cb);
  for (let i = 0; i < fifo.length; i++) fifo[i]();
  const value = ns(t0, n);
  if (ran !== n) throw new Error('floor lost callbacks');
  return { value };
}

export default {
  id: 'W2',
  title: 'fan-out, schedule + run',
  unit: 'ns/callback',
  size: { full: 1_000_000, quick: 200_000 },
  reference: 'wasm',
  goals: [
    ratioGoal('≤ 1.5 × the floor (push 1M closures, drain)', '<=', 1.5, (r, c) => r[c].median / r.floor.median),
    // the same goal seen from the host: 1.5 × the floor is ≥ 4 × faster than setImmediate on the machine
    info('times faster than setImmediate (the issue: ≥ 4×)', (r, c) => r.setImmediate.median / r[c].median),
  ],
  competitors: [
    ...CORES.map((c) => ({ ...c, kind: c.name, run: loopRun(c.name) })),
    { name: 'setImmediate', label: 'host setImmediate', kind: 'host', available: () => (has('setImmediate') ? null : 'no setImmediate'), run: hostRun((f) => setImmediate(f)) },
    { name: 'queueMicrotask', label: 'host queueMicrotask', kind: 'host', available: () => (has('queueMicrotask') ? null : 'no queueMicrotask'), run: hostRun((f) => queueMicrotask(f)) },
    { name: 'nextTick', label: 'host process.nextTick', kind: 'host', available: () => (has('nextTick') ? null : 'no process.nextTick'), run: hostRun((f) => process.nextTick(f)) },
    { name: 'MessageChannel', label: 'host MessageChannel', kind: 'host', available: () => (has('MessageChannel') ? null : 'no MessageChannel'), run: messageChannelRun },
    { name: 'floor', label: 'floor: FIFO of closures', kind: 'floor', run: floorRun },
    { name: 'asyncio', label: 'Python asyncio', kind: 'asyncio', python: { script: 'w2.py', impl: 'asyncio' } },
    { name: 'uvloop', label: 'Python uvloop', kind: 'uvloop', python: { script: 'w2.py', impl: 'uvloop' } },
  ],
};

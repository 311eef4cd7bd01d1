// W3v — n callLater timers over [0, 500) s on the virtual clock: schedule them all, run until
// the last fired. Unit: ns per timer (schedule + fire). @sinonjs/fake-timers runs the same delays
// (in ms) with clock.runAll(). asyncio and uvloop have no virtual clock: not in this row.
import FakeTimers from '@sinonjs/fake-timers';
import { uniform } from '../lib/rng.mjs';
import { ratioGoal } from '../lib/goals.mjs';
import { CORES, wl } from '../lib/wasmloop.mjs';

const SPAN = 500;

function checkOrder(order, whens, n) {
  for (let k = 1; k < n; k++) if (whens[order[k]] < whens[order[k - 1]]) throw new Error(`timer ${order[k]} fired before ${order[k - 1]}`);
}

function loopRun(core) {
  return async (n) => {
    const delays = uniform(n, SPAN);
    const whens = new Float64Array(n);
    const order = new Uint32Array(n);
    let fired = 0;
    const loop = wl.newEventLoop({ core, clock: 'virtual' });
    const fire = (i) => {
      order[fired++] = i;
      if (fired === n) loop.stop();
    };
    const t0 = performance.now();
    for (let i = 0; i < n; i++) whens[i] = loop.callLater(delays[i], fire, i).when();
    await loop.runForever();
    const value = ((performance.now() - t0) * 1e6) / n;
    loop.close();
    if (fired !== n) throw new Error(`${fired} of ${n} fired`);
    checkOrder(order, whens, n);
    return { value };
  };
}

function fakeTimersRun(n) {
  const delays = uniform(n, SPAN * 1000);
  const order = new Uint32Array(n);
  let fired = 0;
  const clock = FakeTimers.createClock(0, n + 1);
  const fire = (i) => void (order[fired++] = i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) clock.setTimeout(fire, delays[i], i);
  clock.runAll();
  const value = ((performance.now() - t0) * 1e6) / n;
  if (fired !== n) throw new Error(`${fired} of ${n} fired`);
  return { value };
}

export default {
  id: 'W3v',
  title: '1M virtual-clock timers over 500 s',
  unit: 'ns/timer',
  size: { full: 1_000_000, quick: 200_000 },
  reference: 'wasm',
  goals: [
    ratioGoal('≥ 10 × faster than fake-timers', '>=', 10, (r, c) => r['fake-timers'].median / r[c].median),
    // the core does the work here (issue #15): the WASM core ≥ 1.3 × faster than the JS core
    ratioGoal('WASM ≥ 1.3 × faster than JS', '>=', 1.3, (r) => r.js.median / r.wasm.median, ['wasm']),
  ],
  competitors: [
    ...CORES.map((c) => ({ ...c, kind: c.name, run: loopRun(c.name) })),
    { name: 'fake-timers', label: '@sinonjs/fake-timers', kind: 'library', run: fakeTimersRun },
  ],
};

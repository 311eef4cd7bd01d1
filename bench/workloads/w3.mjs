// W3 — n callLater timers, delays uniform in [0, 0.5) s from the fixed-seed generator, on the
// real clock; W3c the same with every other timer cancelled right after scheduling. value: wall
// seconds from the first callLater to the last fire (ideal 0.5); cpu: CPU seconds of the process
// over the same span; inversions: timers that fired after one with a later deadline (to the
// clock's resolution: 1 ms for setTimeout; 0 means the fire order was non-decreasing). Node's
// setTimeout gets the same delays, in milliseconds (fractional, as given).
import { uniform } from '../lib/rng.mjs';
import { ratioGoal } from '../lib/goals.mjs';
import { CORES, wl } from '../lib/wasmloop.mjs';

const SPAN = 0.5;

function cpuSeconds(since) {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/** The checks every implementation shares: counts, order (with `tolerance`), last fire time. */
function tracker(n, cancelHalf, whens, tolerance, onDone) {
  const expected = cancelHalf ? n - (n >> 1) : n;
  const t = { fired: 0, inversions: 0, last: -Infinity, lastFire: 0 };
  t.fire = (i) => {
    if ((cancelHalf && i % 2 === 1) || i >= n) throw new Error(`timer ${i} should not fire`);
    const w = whens[i];
    if (w < t.last - tolerance) t.inversions++;
    if (w > t.last) t.last = w;
    if (++t.fired === expected) {
      t.lastFire = performance.now();
      onDone();
    }
  };
  t.result = (t0, cpu0) => {
    if (t.fired !== expected) throw new Error(`${t.fired} of ${expected} timers fired`);
    return { value: (t.lastFire - t0) / 1000, cpu: cpuSeconds(cpu0), inversions: t.inversions };
  };
  return t;
}

function loopRun(core, cancelHalf) {
  return async (n) => {
    const delays = uniform(n, SPAN);
    const whens = new Float64Array(n);
    const loop = wl.newEventLoop({ core });
    const t = tracker(n, cancelHalf, whens, loop.clockResolution, () => loop.stop());
    const fire = t.fire;
    const handles = cancelHalf ? new Array(n) : null;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const h = loop.callLater(delays[i], fire, i);
      whens[i] = h.when();
      if (handles) handles[i] = h;
    }
    if (handles) for (let i = 1; i < n; i += 2) handles[i].cancel();
    await loop.runForever();
    const r = t.result(t0, cpu0);
    loop.close();
    return r;
  };
}

function setTimeoutRun(cancelHalf) {
  return (n) =>
    new Promise((resolve, reject) => {
      const delays = uniform(n, SPAN * 1000);
      const whens = new Float64Array(n);
      let t0 = 0;
      let cpu0;
      const t = tracker(n, cancelHalf, whens, 1, () => {
        try {
          resolve(t.result(t0, cpu0));
        } catch (e) {
          reject(e);
        }
      });
      const fire = t.fire;
      const timers = cancelHalf ? new Array(n) : null;
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const tm = setTimeout(fire, delays[i], i);
        whens[i] = performance.now() + delays[i];
        if (timers) timers[i] = tm;
      }
      if (timers) for (let i = 1; i < n; i += 2) clearTimeout(timers[i]);
    });
}

function make(id, title, cancelHalf) {
  const py = (impl) => ({ name: impl, label: `Python ${impl}`, kind: impl, python: { script: 'w3.py', impl, args: () => [cancelHalf ? 'cancel' : 'all'] } });
  return {
    id,
    title,
    unit: 's wall',
    size: { full: 200_000, quick: 50_000 },
    warmup: false, // each run waits 0.5 s of real time; scheduling 200k timers warms the code anyway
    reference: 'wasm',
    chart: { value: (r) => (r.extras.cpu * 1e9) / r.n, label: 'CPU ns/timer' },
    goals: [
      ratioGoal('CPU ≤ 0.25 × setTimeout\'s', '<=', 0.25, (r, c) => r[c].extras.cpu / r.setTimeout.extras.cpu),
      ratioGoal(`wall ≤ 1.05 × the ideal ${SPAN} s`, '<=', 1.05, (r, c) => r[c].median / SPAN),
    ],
    competitors: [
      ...CORES.map((c) => ({ ...c, kind: c.name, run: loopRun(c.name, cancelHalf) })),
      { name: 'setTimeout', label: 'host setTimeout', kind: 'host', run: setTimeoutRun(cancelHalf) },
      py('asyncio'),
      py('uvloop'),
    ],
  };
}

export default [make('W3', '200k real-clock timers over 0.5 s', false), make('W3c', 'the same, every other one cancelled', true)];

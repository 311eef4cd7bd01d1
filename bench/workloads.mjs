// The workloads shared by `npm run bench` (Node) and the playground (a browser): portable code,
// given the wasmloop module, returning nanoseconds per callback. See bench/README.md (workload definitions).

/** W1 — trampoline: one callback reschedules itself with callSoon n times, under runForever. */
export async function w1(wl, core, n) {
  const loop = wl.newEventLoop({ core });
  let left = n;
  const tramp = () => {
    if (--left > 0) loop.callSoon(tramp);
    else loop.stop();
  };
  loop.callSoon(tramp);
  const t0 = performance.now();
  await loop.runForever();
  const dt = performance.now() - t0;
  loop.close();
  return (dt * 1e6) / n;
}

/** W2 — fan-out: schedule n callSoon callbacks, then run until all ran. */
export async function w2(wl, core, n) {
  const loop = wl.newEventLoop({ core });
  let ran = 0;
  const cb = () => {
    if (++ran === n) loop.stop();
  };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) loop.callSoon(cb);
  await loop.runForever();
  const dt = performance.now() - t0;
  loop.close();
  return (dt * 1e6) / n;
}

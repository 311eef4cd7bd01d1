// The seed's examples (Łukasz Langa's asyncio walk-through, in wasmloop's camelCase).
// Each takes the wasmloop module and the loop options, and returns what it printed as lines,
// so `npm start` can run them on both cores and the test suite can check them exactly; an
// optional `onLine(line)` hears each line as it is printed (the playground shows them live).

/** print_now scheduled twice with callSoon. */
export async function printNowTwice(wl, opts, onLine) {
  const { out, print } = recorder(onLine);
  const loop = wl.newEventLoop(opts);
  const printNow = () => print(`print_now at ${loop.time().toFixed(3)}`);
  loop.callSoon(printNow);
  loop.callSoon(printNow);
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  loop.close();
  return out;
}

/** One trampoline that reschedules itself every 0.5 s, stopped by callLater(8, stop). */
export async function trampoline(wl, opts, onLine) {
  return trampolines(wl, opts, [''], onLine);
}

/** Three named trampolines, stopped at 8 s. */
export async function namedTrampolines(wl, opts, onLine) {
  return trampolines(wl, opts, ['first', 'second', 'third'], onLine);
}

async function trampolines(wl, opts, names, onLine) {
  const { out, print } = recorder(onLine);
  const loop = wl.newEventLoop(opts);
  const start = loop.time();
  const trampoline = (name) => {
    print(`${name ? name + ' ' : ''}print_now at ${(loop.time() - start).toFixed(3)}`);
    loop.callLater(0.5, trampoline, name);
  };
  for (const name of names) loop.callSoon(trampoline, name);
  loop.callLater(8, loop.stop.bind(loop)); // the seed's loop.call_later(8, loop.stop)
  await loop.runForever();
  loop.close();
  return out;
}

/** The lines printed, and print(line), which also tells onLine. */
function recorder(onLine) {
  const out = [];
  const print = (line) => {
    out.push(line);
    if (onLine) onLine(line);
  };
  return { out, print };
}

export const EXAMPLES = [
  ['print_now twice', printNowTwice],
  ['trampoline, stopped at 8 s', trampoline],
  ['three named trampolines, stopped at 8 s', namedTrampolines],
];

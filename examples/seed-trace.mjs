// The trace `npm start` writes to traces/seed.json: the seed's three named trampolines, traced
// (iterations, each callback, a flow per timer), plus one task the tracing wrapper adds so the
// trace shows a task span too: `stats`, which reads loop.stats() every 2 s of loop time, three
// times, and prints nothing (the seed's lines are unchanged). The playground's browser test
// loads this trace.
import { namedTrampolines } from './seed.mjs';

/** The trace (Trace Event Format JSON object) of the three named trampolines, on `core` and `clock`. */
export async function seedTrace(wl, { core = 'wasm', clock = 'virtual' } = {}) {
  const loops = [];
  const tracing = {
    ...wl,
    newEventLoop(opts) {
      const loop = wl.newEventLoop(opts);
      loop.startTrace();
      loop.createTask(
        async function watch() {
          for (let i = 0; i < 3; i++) {
            await wl.sleep(2);
            loop.stats();
          }
        },
        { name: 'stats' },
      );
      loops.push(loop);
      return loop;
    },
  };
  await namedTrampolines(tracing, { core, clock });
  return loops[0].stopTrace(); // (stopTrace works on a closed loop: the ring outlives it)
}

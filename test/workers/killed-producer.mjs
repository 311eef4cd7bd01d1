// Roles for test/killed-threads.test.ts, run with wasmloop's own source bundled by the test to
// workerData.module.
//   flood:    connects to workerData.port and submits callSoonThreadsafe('rec', id, i, filler) for
//             i = 0, 1, 2, ... until it is terminated (or `count` submissions, then it ends);
//             after each submission returns it stores i + 1 in stats[2 * slot] (so what the test
//             reads there was committed: at most one more may be, the one that returned as the
//             thread was killed). stats[2 * slot + 1] = 1 once connected. Every 64 submissions it
//             returns to its event loop for a moment: Deno's terminate() stops a thread only there
//             (a thread in a synchronous loop runs on for ever after terminate() resolved, 'exit'
//             event included; reproduced with Deno 2), while Node and Bun stop it anywhere.
//   calls:    submits `count` runThreadsafe('echo', i) calls, posts 'submitted' once all are in the
//             inbox, then posts how each settled.
//   watchdog: stats[0] = 1 when started, then waits for stats[1] (done) up to `ms` milliseconds;
//             stats[2] = 1 if it ran out of time.
import { setImmediate } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

const { role, stats: sab, slot = 0 } = workerData;
const stats = new Int32Array(sab);

if (role === 'watchdog') {
  Atomics.store(stats, 0, 1);
  Atomics.notify(stats, 0);
  if (Atomics.wait(stats, 1, 0, workerData.ms) === 'timed-out') Atomics.store(stats, 2, 1);
} else {
  const wl = await import(workerData.module);
  const remote = wl.connect(workerData.port);
  if (role === 'flood') {
    const { id, pad, count = Infinity } = workerData;
    const filler = 'x'.repeat(pad);
    Atomics.store(stats, 2 * slot + 1, 1);
    for (let i = 0; i < count; i++) {
      // records of varying length, so that they straddle the ring's end and copies take a while
      remote.callSoonThreadsafe('rec', id, i, filler.slice(0, (i * 37) % pad));
      Atomics.store(stats, 2 * slot, i + 1);
      if ((i & 63) === 63) await new Promise((r) => setImmediate(r));
    }
  } else if (role === 'calls') {
    const calls = [];
    for (let i = 0; i < workerData.count; i++) calls.push(remote.runThreadsafe('echo', i));
    parentPort.postMessage('submitted');
    const settled = await Promise.allSettled(calls);
    parentPort.postMessage(settled.map((s) => (s.status === 'fulfilled' ? { value: s.value } : { error: `${s.reason?.name}: ${s.reason?.message}` })));
  }
}

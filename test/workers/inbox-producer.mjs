// A producer for test/inbox-stress.test.ts: drives the inbox's producer side (bindings/core/inbox.ts,
// bundled by the test to workerData.module) directly, for `ms` milliseconds after the start signal.
// Record i of producer p: byte 0 = p, bytes 1-4 = i (little-endian), then (i + k) & 255 at byte k;
// its length varies with i, so records of every size straddle the ring's end.
// A spinning producer retries tryReserve; a waiting one uses reserveWaiting (Atomics.wait on the
// head, counted in C_WAITERS). Both count what must never happen: a "full" answer that was
// provably not full (the ring had room at the head that tryReserve itself read), and a wait for
// room that ran out its time while the consumer was draining (a lost wake-up).
// `S` names the words of the shared `stats` array (the test's layout).
import { workerData } from 'node:worker_threads';

const ib = await import(workerData.module);
const { port, stats: sab, S, p, ms, waiting, maxLen, waitMs } = workerData;
const stats = new Int32Array(sab);
const v = ib.inboxViews(port.ctrlBuffer, port.ctrl, port.ringBuffer);
const ctrl = new Int32Array(port.ctrlBuffer);
const cap = v.mask + 1;
const seen = { head: 0 };
const bytes = new Uint8Array(maxLen);
const now = () => performance.now();

Atomics.add(stats, S.READY, 1);
Atomics.notify(stats, S.READY);
while (Atomics.load(stats, S.GO) === 0) Atomics.wait(stats, S.GO, 0);

const end = now() + ms;
let i = 0;
while ((i & 255) !== 0 || now() < end) {
  const len = 5 + ((i * 13) % (maxLen - 4));
  bytes[0] = p;
  bytes[1] = i & 255;
  bytes[2] = (i >>> 8) & 255;
  bytes[3] = (i >>> 16) & 255;
  bytes[4] = i >>> 24;
  for (let k = 5; k < len; k++) bytes[k] = (i + k) & 255;
  const n = ib.recordWords(len);
  let pos;
  if (waiting) {
    pos = ib.reserveWaiting(v, n, seen, now() + waitMs, now);
    if (pos === ib.RESERVE_FULL) {
      Atomics.add(stats, S.TIMEOUTS, 1);
      continue;
    }
  } else {
    for (;;) {
      pos = ib.tryReserve(v, n, seen);
      if (pos !== ib.RESERVE_FULL) break;
      // a true "full" had tail - head + n > cap with the head it read; the tail only grows since
      const tail = Atomics.load(ctrl, port.ctrl + ib.C_TAIL) >>> 1;
      if (((tail - seen.head) & ib.POS_MASK) + n <= cap) Atomics.add(stats, S.SPURIOUS, 1);
    }
  }
  if (pos === ib.RESERVE_CLOSED) throw new Error('the inbox was closed under a producer');
  ib.commit(v, pos, n, bytes, len);
  i++;
}
Atomics.store(stats, S.SENT + p, i);
Atomics.add(stats, S.DONE, 1);

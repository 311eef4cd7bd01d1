// What a test worker does, by role. Portable: no host module here, so the same roles run in Node
// worker threads (test/workers/node-agent.mjs, for test/threads.test.ts) and in Chromium's Web
// Workers (test/workers/web-agent.mjs, for test/browser/threads.test.ts).
// `send(msg)` posts to the test; `wl` is the built package (dist/).

export const roles = {
  /**
   * A traced loop (test/trace-threads.test.ts): 'work' (submitted by the test's traced loop) starts a
   * timer whose callback creates a task that sleeps and then submits 'back' to data.port; posts its
   * port, then its trace once stopped.
   */
  async traced(wl, data, send) {
    const loop = wl.newEventLoop({ core: data.core });
    wl.setEventLoop(loop);
    loop.startTrace();
    const back = wl.connect(data.port);
    loop.expose('work', (n) => {
      loop.callLater(0.001, function workerTimer() {
        loop.createTask(
          async function workerTask() {
            await wl.sleep(0.001);
            // from a callback: an async function's code after an await runs between iterations,
            // outside any callback's slice, where no flow can start
            loop.callSoon(function reply() {
              back.callSoonThreadsafe('back', n);
            });
          },
          { name: 'worker-task' },
        );
      });
    });
    send({ port: loop.port() });
    await loop.runForever();
    send({ trace: loop.stopTrace() });
    loop.close();
  },

  /** Reads another thread's trace ring (data.buffers) until it holds data.n callbacks named data.name; posts that trace. */
  async readRing(wl, data, send) {
    for (let reads = 1; ; reads++) {
      const trace = wl.readTrace(data.buffers);
      const n = trace.traceEvents.filter((e) => e.ph === 'X' && e.name === data.name).length;
      if (n >= data.n) return send({ trace, reads });
      await new Promise((r) => setTimeout(r, 1));
    }
  },

  /** n callSoonThreadsafe submissions of (producer, i) to the port's loop, then 'done'. */
  async produce(wl, data, send) {
    const r = wl.connect(data.port, data.timeout === undefined ? undefined : { timeout: data.timeout });
    let sent = 0;
    try {
      for (let i = 0; i < data.n; i++) {
        r.callSoonThreadsafe(data.name ?? 'sub', data.producer, i);
        sent++;
      }
      send({ done: true, sent });
    } catch (e) {
      send({ done: true, sent, error: { name: e.name, message: e.message } });
    }
  },

  /** A blocking loop in this worker: exposes ping/log, a timer of its own, sleeps in runForeverSync until remote.stop(). */
  blocking(wl, data, send) {
    const loop = wl.newEventLoop({ core: data.core });
    wl.setEventLoop(loop);
    const log = [];
    loop.expose('ping', (x) => {
      log.push(['ping', x]);
      return x * 2;
    });
    loop.expose('log', () => log);
    loop.callLater(data.timer, () => {
      log.push(['timer', data.timer]);
      send({ timer: true }); // observable with no submission in flight
    });
    send({ port: loop.port() });
    loop.runForeverSync();
    send({ done: true, log });
    loop.close();
  },

  /** The per-thread policy as a worker sees it. */
  policy(wl, data, send) {
    const out = {};
    try {
      wl.getEventLoop();
      out.noLoop = null;
    } catch (e) {
      out.noLoop = { name: e.name, message: e.message, isRuntimeError: e instanceof wl.RuntimeError };
    }
    const loop = wl.newEventLoop({ core: data.core, clock: 'virtual' });
    wl.setEventLoop(loop);
    out.setLoopReturned = wl.getEventLoop() === loop;
    const other = wl.newEventLoop({ core: data.core, clock: 'virtual' });
    loop.callSoon(() => {
      try {
        other.runForeverSync();
        out.second = null;
      } catch (e) {
        out.second = e.message;
      }
      out.runningInside = wl.getEventLoop() === loop;
      loop.stop();
    });
    loop.runForeverSync();
    other.close();
    loop.close();
    send(out);
  },

  /** runThreadsafe calls to the port's loop; reports each outcome. */
  async call(wl, data, send) {
    const r = wl.connect(data.port);
    const out = [];
    for (const [name, ...args] of data.calls) {
      try {
        out.push({ ok: true, value: await r.runThreadsafe(name, ...args) });
      } catch (e) {
        out.push({ ok: false, name: e.name, message: e.message, classMatches: e instanceof (wl[e.name] ?? Error) });
      }
    }
    send(out);
  },

  /**
   * A loop in this worker with a small inbox, recording what its 'n' receives. It runs only after
   * the first message, so the inbox fills meanwhile; once stopped through its port it reports.
   */
  async owner(wl, data, send, next) {
    const loop = wl.newEventLoop({ core: data.core, inboxBytes: data.inboxBytes });
    wl.setEventLoop(loop);
    const got = [];
    loop.expose('n', (x) => {
      got.push(x);
      return x;
    });
    send({ port: loop.port() });
    await next();
    await loop.runForever();
    loop.close();
    send({ got });
  },

  /**
   * Ping-pong with a loop that sleeps between pings: submits ping(i), then waits on the shared
   * `ack` word until the loop's ping handler stores i + 1 there, for `ms` milliseconds. An ack
   * slower than `slowMs` counts as a lost wake-up (the loop slept through a submission), and a
   * ping(-1) is sent to wake it. Ends with done(pings) and reports.
   */
  pinger(wl, data, send) {
    const r = wl.connect(data.port);
    const ack = new Int32Array(data.ack);
    const end = performance.now() + data.ms;
    let pings = 0;
    let slow = 0;
    while (performance.now() < end) {
      r.callSoonThreadsafe('ping', pings);
      if (Atomics.wait(ack, 0, pings, data.slowMs) === 'timed-out' && Atomics.load(ack, 0) === pings) {
        slow++;
        r.callSoonThreadsafe('ping', -1); // wakes a loop that slept through ping(pings)
        while (Atomics.load(ack, 0) === pings) Atomics.wait(ack, 0, pings, 10);
      }
      pings++;
    }
    r.callSoonThreadsafe('done', pings);
    send({ pings, slow });
  },

  /** Waits for 'go', then tries to submit to a loop the test closed meanwhile. */
  async closed(wl, data, send, next) {
    const r = wl.connect(data.port);
    send({ ready: true });
    await next();
    const out = { isClosed: r.isClosed() };
    try {
      r.callSoonThreadsafe('x');
      out.call = null;
    } catch (e) {
      out.call = { name: e.name, message: e.message };
    }
    try {
      await r.runThreadsafe('x');
      out.run = null;
    } catch (e) {
      out.run = { name: e.name, message: e.message };
    }
    send(out);
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** n(0), n(1), … by callSoonThreadsafe until the inbox refuses one: how many it took, and the refusal. */
function fill(r) {
  let accepted = 0;
  try {
    for (;;) r.callSoonThreadsafe('n', accepted), accepted++;
  } catch (e) {
    return { accepted, refusal: { name: e.name, message: e.message } };
  }
}

/**
 * Run on a thread that may not block (a browser's main thread), against `owner` workers started
 * by `startOwner()`: a full inbox refuses callSoonThreadsafe at once; runThreadsafe waits for room
 * asynchronously, in order, and none may overtake it; with a timeout, a runThreadsafe still
 * waiting then rejects with TimeoutError and nothing of it arrives. `waiters(port)` reads the
 * inbox's count of producers waiting for room, while the calls wait. Returns what it saw.
 */
export async function fullInboxWithoutBlocking(wl, startOwner, waiters) {
  const out = {};
  // no timeout: the calls wait until the owner drains
  let a = startOwner();
  let { port } = await a.next();
  let r = wl.connect(port);
  const first = fill(r);
  out.accepted = first.accepted;
  out.refusal = first.refusal;
  const k = first.accepted;
  const settled = [];
  const calls = [r.runThreadsafe('n', k), r.runThreadsafe('n', k + 1)];
  for (const c of calls) c.then(() => settled.push('resolved'), () => settled.push('rejected'));
  try {
    r.callSoonThreadsafe('n', -1);
    out.overtake = null;
  } catch (e) {
    out.overtake = { name: e.name, message: e.message };
  }
  await sleep(50);
  out.settledWhileFull = settled.slice();
  out.waitersWhileFull = waiters(port);
  a.send('go');
  out.results = await Promise.all(calls);
  r.stop();
  out.got = (await a.next()).got;
  out.waitersAfter = waiters(port);

  // with a timeout: the waiting call gives up, nothing of it is submitted, later ones go on
  a = startOwner();
  ({ port } = await a.next());
  r = wl.connect(port, { timeout: 0.05 });
  const second = fill(r);
  out.accepted2 = second.accepted;
  try {
    await r.runThreadsafe('n', 'timed out');
    out.timedOut = null;
  } catch (e) {
    out.timedOut = { name: e.name, message: e.message };
  }
  a.send('go');
  out.after = await wl.connect(port).runThreadsafe('n', 'after'); // no timeout: it waits for the drain
  r.stop();
  out.got2 = (await a.next()).got;
  return out;
}

/**
 * The loop's side of the pinger role: exposes ping (acks on a shared word) and done (stops the
 * loop) on `loop`, with a guard timer that stops it after 60 s if done never comes. Returns the
 * pinger's data and `received()`, the count done() reported (-1 before).
 */
export function pingTarget(loop) {
  const ack = new Int32Array(new SharedArrayBuffer(4));
  let pings = -1;
  loop.expose('ping', (i) => {
    if (i < 0) return; // a rescue after a lost wake-up
    Atomics.store(ack, 0, i + 1);
    Atomics.notify(ack, 0);
  });
  const guard = loop.callLater(60, () => loop.stop());
  loop.expose('done', (n) => {
    pings = n;
    guard.cancel();
    loop.stop();
  });
  return { data: { port: loop.port(), ack: ack.buffer, slowMs: 3000 }, received: () => pings, acked: () => Atomics.load(ack, 0) };
}

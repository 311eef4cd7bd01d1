// What a test worker does, by role. Portable: no host module here, so the same roles run in Node
// worker threads (test/workers/node-agent.mjs, for test/threads.test.ts) and in Chromium's Web
// Workers (test/workers/web-agent.mjs, for test/browser/threads.test.ts).
// `send(msg)` posts to the test; `wl` is the built package (dist/).

export const roles = {
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

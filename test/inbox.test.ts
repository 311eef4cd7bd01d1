/**
 * API.md §8 within one thread: ports, expose, remote handles used on the owner's own thread, the
 * full-inbox rules, closing, bad input, and the structured-clone codec the inbox carries.
 * (test/threads.test.ts does the same across real worker threads.)
 * @needs shared — ports live in SharedArrayBuffers (test/hosts.test.ts checks the refusal where there are none)
 */
// proves: §2.4, §2.6, §8.1
import { describe, expect, it } from 'vitest';
import { Context, ContextVar, QueueFull, RuntimeError, connect, newEventLoop, type EventLoop, type RemoteLoop } from '../bindings/index.js';
import { Reader, Writer } from '../bindings/serialize.js';
import { host } from '../bindings/hosts/index.js';
import { CORES, captureConsole, fullCoreLoop, runFor, vloop } from './helpers.js';
import { C_WAKE, sleepMark, wakeOwner } from '../bindings/core/inbox.js';

function roundTrip(v: unknown): unknown {
  const w = new Writer();
  w.value(v);
  const bytes = w.bytes.slice(0, w.pos);
  const r = new Reader();
  r.reset(bytes, new DataView(bytes.buffer), 0);
  const out = r.value();
  expect(r.pos).toBe(w.pos);
  return out;
}

describe('the inbox codec keeps what structured clone keeps', () => {
  const buf = new ArrayBuffer(16);
  new Uint8Array(buf).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  const cases: [string, unknown][] = [
    ['primitives', [undefined, null, true, false, 0, -0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 0.5, NaN, Infinity, -Infinity]],
    ['bigints', [0n, 1n, -1n, 2n ** 100n, -(3n ** 80n)]],
    ['strings', ['', 'a', 'é', '日本語', '\u{1F600}', '\ud800 lone', 'x'.repeat(20_000)]],
    ['holes', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['objects', { a: 1, b: { c: [1, 2, { d: 'e' }] }, ['__proto__']: 5 }],
    ['dates and regexps', [new Date(1234567), /a+b/gi]],
    ['maps and sets', new Map<unknown, unknown>([[1, new Set(['x', 2])], [{ k: 1 }, 'v']])],
    ['buffers and views', [buf, new Uint8Array(buf, 2, 4), new Float64Array(2), new DataView(buf, 4, 8), new BigInt64Array([5n])]],
    ['errors', [new RangeError('r'), Object.assign(new Error('with cause', { cause: 7 }))]],
    ['wrappers', [Object(true), Object(3), Object('s'), Object(9n)]],
  ];
  it.each(cases)('%s', (_, v) => {
    expect(roundTrip(v)).toEqual(structuredClone(v));
  });

  it('keeps -0, holes and the __proto__ key exactly', () => {
    const [z, arr, obj] = roundTrip([-0, [1, , 3], JSON.parse('{"__proto__": 5}')]) as [number, unknown[], object]; // eslint-disable-line no-sparse-arrays
    expect(Object.is(z, -0)).toBe(true);
    expect(1 in arr).toBe(false);
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(Object.keys(obj)).toEqual(['__proto__']);
  });

  it("keeps an array's own non-index properties (a match result's index, input, groups), as structured clone does", () => {
    const m = /(?<word>b+)/.exec('abbc')!;
    const withProps = Object.assign([1, , 3], { x: { y: 2 }, 10: 'index' }); // eslint-disable-line no-sparse-arrays
    const [mOut, pOut] = roundTrip([m, withProps]) as [RegExpExecArray, unknown[] & { x: unknown }];
    for (const [out, v] of [[mOut, m], [pOut, withProps]] as const) {
      const clone = structuredClone(v);
      expect(Object.keys(out)).toEqual(Object.keys(clone));
      for (const k of Object.keys(clone)) expect((out as any)[k]).toEqual((clone as any)[k]);
      expect(out.length).toBe(clone.length);
    }
    expect(mOut.index).toBe(1);
    expect(mOut.input).toBe('abbc');
    expect(mOut.groups).toEqual({ word: 'bb' });
    expect(1 in pOut).toBe(false);
  });

  it('keeps a resizable ArrayBuffer resizable, with its contents and maximum', () => {
    const buf = new (ArrayBuffer as any)(4, { maxByteLength: 64 }) as ArrayBuffer & { resizable: boolean; maxByteLength: number; resize(n: number): void };
    new Uint8Array(buf).set([9, 8, 7, 6]);
    const out = roundTrip(buf) as typeof buf;
    const clone = structuredClone(buf);
    expect([out.resizable, out.maxByteLength, out.byteLength]).toEqual([clone.resizable, clone.maxByteLength, clone.byteLength]);
    expect([...new Uint8Array(out)]).toEqual([9, 8, 7, 6]);
    out.resize(16);
    expect(out.byteLength).toBe(16);
  });

  it('keeps shared and cyclic references, and views sharing one buffer', () => {
    const shared = { s: 1 };
    const cyc: Record<string, unknown> = { shared, again: shared };
    cyc.self = cyc;
    const b = new ArrayBuffer(8);
    const out = roundTrip({ cyc, views: [new Uint8Array(b), new Uint16Array(b)] }) as any;
    expect(out.cyc.self).toBe(out.cyc);
    expect(out.cyc.shared).toBe(out.cyc.again);
    expect(out.views[0].buffer).toBe(out.views[1].buffer);
  });

  it('keeps any error name and rebuilds classes it is given', () => {
    const e = new RuntimeError('x');
    const out = roundTrip(e) as Error;
    expect(out.name).toBe('RuntimeError');
    expect(out.message).toBe('x');
    expect(out.stack).toBe(e.stack);
  });

  it('refuses functions, symbols, SharedArrayBuffers and host objects with a TypeError', () => {
    const w = new Writer();
    expect(() => w.value(() => 1)).toThrow(/could not be cloned/);
    expect(() => w.value(Symbol('s'))).toThrow(/could not be cloned/);
    expect(() => w.value(new SharedArrayBuffer(4))).toThrow(/SharedArrayBuffer cannot travel/);
    expect(() => w.value(new Int32Array(new SharedArrayBuffer(4)))).toThrow(/SharedArrayBuffer cannot travel/);
    expect(() => w.value(new WeakMap())).toThrow(TypeError);
  });
});

/** A virtual-clock loop with a 4 KiB inbox that records what `name` receives, and a handle on it. */
function smallInbox<T>(core: (typeof CORES)[number], name: string): { loop: EventLoop; got: T[]; r: RemoteLoop } {
  const loop = vloop(core, { inboxBytes: 4096 });
  const got: T[] = [];
  loop.expose(name, (x: T) => got.push(x));
  return { loop, got, r: connect(loop.port()) };
}

/** Submits n(0), n(1), … until the inbox refuses one; returns how many it took and the refusal. */
function fill(r: RemoteLoop): { accepted: number; err: unknown } {
  let accepted = 0;
  try {
    for (;;) r.callSoonThreadsafe('n', accepted), accepted++;
  } catch (err) {
    return { accepted, err };
  }
}

async function runUntilIdle(loop: EventLoop, seconds = 1): Promise<void> {
  await runFor(loop, seconds);
}

describe.each(CORES)('loop.callSoonThreadsafe, the same-thread form (%s core)', (core) => {
  it('runs callback(...args) in FIFO order with callSoon, in a given context, and its handle cancels', async () => {
    const loop = vloop(core);
    const v = new ContextVar<string>('v', { default: 'outer' });
    const seen: unknown[] = [];
    const ctx = new Context();
    ctx.run(() => v.set('inner'));
    loop.callSoon(() => seen.push('callSoon'));
    const h = loop.callSoonThreadsafe((a: number, b: string) => seen.push([a, b]), 1, 'two');
    loop.callSoonThreadsafe(() => seen.push(v.get()), ctx);
    loop.callSoonThreadsafe(() => seen.push('cancelled')).cancel();
    await runUntilIdle(loop);
    expect(seen).toEqual(['callSoon', [1, 'two'], 'inner']);
    expect(h.cancelled()).toBe(false);
    loop.close();
  });

  it('wakes the loop sleeping in the host with nothing scheduled (called from a host callback)', async () => {
    const loop = vloop(core);
    let ran = false;
    setTimeout(() => loop.callSoonThreadsafe(() => ((ran = true), loop.stop())), 0);
    await loop.runForever(); // no timer, nothing ready: only the call can end this
    expect(ran).toBe(true);
    loop.close();
  });
});

describe.each(CORES)('ports on the owner thread (%s core)', (core) => {
  it('callSoonThreadsafe through a port runs the exposed function in order, in the next iteration', async () => {
    const loop = vloop(core);
    const seen: unknown[] = [];
    loop.expose('f', (...args: unknown[]) => seen.push(args));
    const r = connect(loop.port());
    loop.callSoon(() => seen.push('local first'));
    r.callSoonThreadsafe('f', 1, 'two', { three: [3] });
    r.callSoonThreadsafe('f');
    await runUntilIdle(loop);
    expect(seen).toEqual(['local first', [1, 'two', { three: [3] }], []]);
    loop.close();
  });

  it('each submission runs in an empty context of its own', async () => {
    const loop = vloop(core);
    const v = new ContextVar<number>('v', { default: 0 });
    const seen: number[] = [];
    loop.expose('bump', () => {
      seen.push(v.get());
      v.set(v.get() + 1);
    });
    const r = connect(loop.port());
    r.callSoonThreadsafe('bump');
    r.callSoonThreadsafe('bump');
    await runUntilIdle(loop);
    expect(seen).toEqual([0, 0]);
    loop.close();
  });

  it('an exposed function that throws, or a missing one, goes to the exception handler and the loop goes on', async () => {
    const loop = vloop(core);
    const ran: string[] = [];
    loop.expose('bad', () => {
      throw new Error('bad one');
    });
    loop.expose('good', () => ran.push('good'));
    const r = connect(loop.port());
    const contexts: any[] = [];
    loop.setExceptionHandler((_l, ctx) => contexts.push(ctx));
    r.callSoonThreadsafe('bad');
    r.callSoonThreadsafe('nope');
    r.callSoonThreadsafe('good');
    await runUntilIdle(loop);
    expect(ran).toEqual(['good']);
    expect(contexts.map((c) => c.message)).toEqual([
      'Exception in callback bad() submitted from another thread',
      "callSoonThreadsafe from another thread: no function named 'nope' is exposed on this loop",
    ]);
    expect(contexts[0].exception.message).toBe('bad one');
    loop.close();
  });

  it('expose(name, null) removes a function; remote.stop() stops the loop', async () => {
    const loop = vloop(core);
    const ran: string[] = [];
    loop.expose('f', () => ran.push('f'));
    loop.expose('f', null);
    const r = connect(loop.port());
    r.callSoonThreadsafe('f');
    r.stop();
    const { errors } = await captureConsole(() => loop.runForever());
    expect(ran).toEqual([]);
    expect(String(errors[0]?.[0])).toMatch(/no function named 'f'/);
    loop.close();
  });

  it('runThreadsafe on the owner thread resolves with the result, and rejects with the error', async () => {
    const loop = vloop(core);
    loop.expose('twice', (x: number) => x * 2);
    loop.expose('boom', () => {
      throw new RuntimeError('boom');
    });
    const r = connect(loop.port());
    const a = r.runThreadsafe('twice', 21);
    const b = r.runThreadsafe('boom');
    const done = Promise.allSettled([a, b]).then(() => loop.stop());
    await loop.runForever();
    await done;
    expect(await a).toBe(42);
    await expect(b).rejects.toThrow(new RuntimeError('boom'));
    await expect(b).rejects.toBeInstanceOf(RuntimeError);
    loop.close();
  });

  it('a full inbox on the owner thread throws QueueFull at once, and every accepted submission runs', async () => {
    const { loop, got, r } = smallInbox<number>(core, 'n');
    const { accepted, err } = fill(r);
    expect(err).toBeInstanceOf(QueueFull);
    expect((err as Error).message).toMatch(/inbox is full \(4096 bytes\) and this thread runs the loop: nothing was submitted/);
    expect(accepted).toBeGreaterThan(50);
    await runUntilIdle(loop);
    expect(got).toEqual(Array.from({ length: accepted }, (_, i) => i));
    r.callSoonThreadsafe('n', -1); // room again
    await runUntilIdle(loop);
    expect(got.at(-1)).toBe(-1);
    loop.close();
  });

  it('records of every size wrap around the ring intact', async () => {
    const { loop, got, r } = smallInbox<string>(core, 's');
    const sent: string[] = [];
    let seed = 7;
    for (let k = 0; k < 600; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const x = String.fromCharCode(97 + (k % 26)).repeat(seed % 1500) + k;
      try {
        r.callSoonThreadsafe('s', x);
      } catch (e) {
        expect(e).toBeInstanceOf(QueueFull);
        await runUntilIdle(loop); // drain, then the same record fits
        r.callSoonThreadsafe('s', x);
      }
      sent.push(x);
    }
    await runUntilIdle(loop);
    expect(got.length).toBe(sent.length);
    expect(got).toEqual(sent);
    loop.close();
  });

  it('runThreadsafe waits for room when the inbox is full, keeping order; callSoonThreadsafe may not jump ahead', async () => {
    const { loop, got, r } = smallInbox<number>(core, 'n');
    const i = fill(r).accepted;
    const waiting = [r.runThreadsafe('n', i), r.runThreadsafe('n', i + 1)];
    expect(() => r.callSoonThreadsafe('n', -1)).toThrow(/earlier runThreadsafe\(\) calls from this handle still wait for room/);
    const all = Promise.all(waiting).then(() => loop.stop());
    await loop.runForever();
    await all;
    expect(got).toEqual(Array.from({ length: i + 2 }, (_, k) => k));
    loop.close();
  });

  it('closing the loop answers runThreadsafe calls it accepted but never ran, and refuses new ones', async () => {
    const loop = vloop(core);
    loop.expose('f', () => 1);
    loop.expose('never', () => loop.createFuture());
    const r = connect(loop.port());
    const pendingRun = r.runThreadsafe('never');
    loop.callSoon(() => loop.stop());
    await loop.runForever(); // 'never' started and waits on a future
    const unrun = r.runThreadsafe('f');
    loop.close();
    await expect(unrun).rejects.toThrow(new RuntimeError('Event loop is closed'));
    await expect(pendingRun).rejects.toThrow(new RuntimeError('Event loop is closed before the call completed'));
    expect(r.isClosed()).toBe(true);
    expect(() => r.callSoonThreadsafe('f')).toThrow(new RuntimeError('Event loop is closed'));
    await expect(r.runThreadsafe('f')).rejects.toThrow(new RuntimeError('Event loop is closed'));
    expect(() => loop.port()).toThrow(new RuntimeError('Event loop is closed'));
  });

  it('bad input is refused at the call site with nothing submitted', async () => {
    const loop = vloop(core);
    const got: unknown[] = [];
    loop.expose('f', (x: unknown) => got.push(x));
    const r = connect(loop.port());
    expect(() => connect({} as never)).toThrow(TypeError);
    expect(() => newEventLoop({ core, inboxBytes: 100 })).toThrow(RangeError);
    expect(() => newEventLoop({ core, inboxBytes: '1' as never })).toThrow(TypeError);
    expect(() => connect(loop.port(), { timeout: -1 })).toThrow(TypeError);
    expect(() => loop.expose('', () => 1)).toThrow(TypeError);
    expect(() => loop.expose('g', 5 as never)).toThrow(TypeError);
    expect(() => r.callSoonThreadsafe(5 as never)).toThrow(TypeError);
    expect(() => r.callSoonThreadsafe('f', () => 1)).toThrow(/could not be cloned/);
    await expect(r.runThreadsafe('f', Symbol('x'))).rejects.toThrow(/could not be cloned/);
    expect(() => r.callSoonThreadsafe('f', 'x'.repeat(1 << 20))).toThrow(RangeError);
    r.callSoonThreadsafe('f', 'ok');
    await runUntilIdle(loop);
    expect(got).toEqual(['ok']);
    loop.close();
  });

  it('the port is plain structured-cloneable data: a clone reaches the same inbox', async () => {
    const loop = newEventLoop({ core, clock: 'virtual' });
    const got: unknown[] = [];
    loop.expose('f', (x: unknown) => got.push(x));
    const copy = structuredClone(loop.port()); // a SharedArrayBuffer clones to the same memory
    connect(copy).callSoonThreadsafe('f', 'via a clone');
    await runUntilIdle(loop);
    expect(got).toEqual(['via a clone']);
    loop.close();
  });
});

describe.each(CORES)('arguments whose encoding runs user code (%s core)', (core) => {
  /** A loop recording every call of `f`, its handle, and a way to run it until idle. */
  function recorder() {
    const loop = vloop(core);
    const got: unknown[][] = [];
    loop.expose('f', (...args: unknown[]) => got.push(args));
    return { loop, got, r: connect(loop.port()) };
  }

  it('a getter that adds to (or deletes from) the Map or Set being encoded shifts no argument: each is sent as it was when met (issue #14, defect 8)', async () => {
    const { loop, got, r } = recorder();
    const m = new Map<string, unknown>();
    let k = 0;
    m.set('a', {
      get g() {
        m.set(`added${k++}`, 'x');
        m.delete('b');
        return 1;
      },
    });
    m.set('b', 2);
    const s = new Set<unknown>();
    s.add({
      get g() {
        s.add('added');
        return 2;
      },
    });
    r.callSoonThreadsafe('f', m, 'second', s, 'fourth');
    await runUntilIdle(loop);
    expect(got).toHaveLength(1);
    const [m2, second, s2, fourth] = got[0]!;
    expect([second, fourth]).toEqual(['second', 'fourth']);
    expect([...(m2 as Map<string, unknown>)]).toEqual([
      ['a', { g: 1 }],
      ['b', 2],
    ]);
    expect([...(s2 as Set<unknown>)]).toEqual([{ g: 2 }]);
    loop.close();
  });

  it('a getter that submits through the same handle while it encodes is refused with a RuntimeError; the handle then works', async () => {
    const { loop, got, r } = recorder();
    const arg = {
      get g() {
        r.callSoonThreadsafe('f', 'inner');
        return 1;
      },
    };
    expect(() => r.callSoonThreadsafe('f', arg, 'after')).toThrow(/while it was encoding the arguments of another/);
    r.callSoonThreadsafe('f', 'ok', 'after');
    await runUntilIdle(loop);
    expect(got).toEqual([['ok', 'after']]);
    loop.close();
  });

  it('a submission larger than the inbox is refused as soon as its encoding passes the inbox size, and the handle keeps no buffer of its size (issue #14, defect 9)', async () => {
    const { loop, got, r } = recorder();
    const buffer = () => (r as unknown as { w: { bytes: Uint8Array } }).w.bytes.length;
    // 64 MiB of UTF-16 for a 1 MiB inbox
    expect(() => r.callSoonThreadsafe('f', 'x'.repeat(32 << 20))).toThrow(/does not fit the loop's inbox of 1048568 bytes/);
    expect(buffer()).toBeLessThanOrEqual(1 << 16);
    // many small values: the encoding stops at the limit, long before the last is read
    let read = 0;
    const many = Array.from({ length: 100_000 }, () => ({
      get v() {
        read++;
        return 'y'.repeat(100);
      },
    }));
    await expect(r.runThreadsafe('f', many)).rejects.toThrow(RangeError);
    expect(read).toBeLessThan(10_000);
    expect(buffer()).toBeLessThanOrEqual(1 << 16);
    // a refused argument (not cloneable) after a large one gives the buffer back too
    expect(() => r.callSoonThreadsafe('f', 'z'.repeat(200_000), () => 1)).toThrow(/could not be cloned/);
    expect(buffer()).toBeLessThanOrEqual(1 << 16);
    r.callSoonThreadsafe('f', 'ok');
    await runUntilIdle(loop);
    expect(got).toEqual([['ok']]);
    loop.close();
  });
});

describe.each(CORES)('submissions while the core is out of memory (%s core)', (core) => {
  it('wait in the inbox, said once, and run as soon as a fired timer frees a slot; nothing is lost and the loop goes on', async () => {
    const { loop, seen, reports, r } = fullCoreLoop(core);
    expect(() => loop.callSoon(() => {})).toThrow(RangeError); // every slot is taken
    r.callSoonThreadsafe('f', 'a');
    r.callSoonThreadsafe('f', 'b');
    const answer = r.runThreadsafe('f', 'c');
    await loop.runForever();
    // t1's slot comes free at the tick after it ran: the submissions run then, still at time 1
    expect(seen).toEqual(['t1@1', 'a@1', 'b@1', 'c@1', 't2@2', 't3@3', 't4@4']);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toBe('Submissions from other threads wait until callbacks or timers free core memory');
    expect(reports[0]!.exception).toBeInstanceOf(RangeError);
    expect(await answer).toBe(4); // f returned seen.length
    // with room again, submissions run in the next iteration and nothing more is reported
    r.callSoonThreadsafe('f', 'd');
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen.at(-1)).toBe('d@4');
    expect(reports).toHaveLength(1);
    loop.close();
  });

  it('closing the loop while they wait answers a waiting runThreadsafe with an error', async () => {
    const { loop, reports, r } = fullCoreLoop(core);
    const answer = r.runThreadsafe('f', 'never');
    loop.stop(); // one iteration: the submission is drained and stalls
    await loop.runForever();
    expect(reports).toHaveLength(1);
    loop.close();
    await expect(answer).rejects.toThrow(new RuntimeError('Event loop is closed'));
  });
});

describe.each(CORES)('a reply channel that opens late, as in browsers (%s core)', (core) => {
  it('runThreadsafe submits nothing until the channel hears its probe, then goes in order; a callSoonThreadsafe meanwhile is refused, not let ahead', async () => {
    const before = host.channelsOpenLate;
    (host as { channelsOpenLate: boolean }).channelsOpenLate = true; // what a browser adapter says
    try {
      const loop = vloop(core);
      const seen: unknown[] = [];
      loop.expose('f', (x: unknown) => (seen.push(x), x));
      // as another thread's handle (on the owner's own thread nothing can overtake the channel)
      const r = connect({ ...loop.port(), owner: 'another thread' });
      const answer = r.runThreadsafe('f', 'first');
      let refusal: unknown = null;
      try {
        r.callSoonThreadsafe('f', 'second');
      } catch (e) {
        refusal = e;
      }
      expect(refusal).toBeInstanceOf(QueueFull);
      expect((refusal as Error).message).toMatch(/still wait for room or for its reply channel to open .*nothing was submitted/);
      loop.callSoon(() => seen.push('local'));
      await runUntilIdle(loop, 0); // one pass: nothing of the call is in the inbox yet
      expect(seen).toEqual(['local']);
      const done = answer.then(() => loop.stop());
      await loop.runForever(); // the probe arrives, the call goes in and runs
      await done;
      expect(await answer).toBe('first');
      expect(seen).toEqual(['local', 'first']);
      r.callSoonThreadsafe('f', 'third'); // the channel is open: straight in
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(seen).toEqual(['local', 'first', 'third']);
      loop.close();
    } finally {
      (host as { channelsOpenLate: boolean }).channelsOpenLate = before;
    }
  });
});

describe('the wake word', () => {
  it('a producer clears only the sleep it saw: an owner its message woke, asleep again, keeps its new mark (no lost wake-up)', () => {
    const c = new Int32Array(new SharedArrayBuffer(16));
    const first = sleepMark();
    Atomics.store(c, C_WAKE, first); // the owner sleeps on a message (no Atomics.waitAsync)
    let again = 0;
    // the message wakes the owner at once; it drains, and sleeps again before the producer goes on
    const woke = wakeOwner(c, 0, () => {
      again = sleepMark();
      Atomics.store(c, C_WAKE, again);
    });
    expect(again).not.toBe(first);
    expect(woke).toBe(false);
    // still marked asleep, so the next producer sends its message
    expect(Atomics.load(c, C_WAKE)).toBe(again);
    let sent = 0;
    expect(wakeOwner(c, 0, () => void sent++)).toBe(true);
    expect(sent).toBe(1);
    expect(Atomics.load(c, C_WAKE)).toBe(0);
    // an owner that is awake gets no message
    expect(wakeOwner(c, 0, () => void sent++)).toBe(false);
    expect(sent).toBe(1);
  });
});

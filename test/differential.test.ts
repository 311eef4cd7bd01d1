/**
 * Differential property test: random programs of callSoon / callLater / callAt / cancel, issued
 * from outside and from inside callbacks, on the virtual clock, give the same trace on the WASM
 * core, the JS core and a small reference model of asyncio's rules (API.md §2 and §4).
 */
// proves: §2.2, §2.3, §2.8, §2.10, §2.11, §2.12
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newEventLoop, type Handle } from '../bindings/index.js';

type Op =
  | { t: 'soon' }
  | { t: 'later'; d: number }
  | { t: 'at'; w: number }
  | { t: 'cancel'; k: number }
  | { t: 'advance'; d: number };

/** A program: the ops issued from outside, and the ops callback number i issues (programs[i % n]). */
interface Program {
  outside: Op[];
  inside: Op[][];
  cap: number;
}

const RES = 1e-9;
const STOP_AT = 1000;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Op>({ t: 'soon' }) },
  { weight: 4, arbitrary: fc.constantFrom(-1, 0, 0.25, 0.5, 1, 1.5, 2.5, Infinity).map((d): Op => ({ t: 'later', d })) },
  { weight: 3, arbitrary: fc.constantFrom(0, 0.5, 1, 2, 3, 3, 7).map((w): Op => ({ t: 'at', w })) },
  { weight: 3, arbitrary: fc.nat(40).map((k): Op => ({ t: 'cancel', k })) },
  { weight: 1, arbitrary: fc.constantFrom(0.1, 0.5, 2).map((d): Op => ({ t: 'advance', d })) },
);

const programArb: fc.Arbitrary<Program> = fc.record({
  outside: fc.array(opArb, { minLength: 1, maxLength: 12 }),
  inside: fc.array(fc.array(opArb, { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
  cap: fc.integer({ min: 5, max: 60 }),
});

type Trace = Array<[number, number]>; // [callback id, time it ran]

/** The reference: asyncio's _run_once with a stable (when, seq) order, written as plainly as possible. */
function model(p: Program): Trace {
  const trace: Trace = [];
  let time = 0;
  let ready: number[] = [];
  const timers: Array<{ when: number; seq: number; id: number }> = [];
  let seq = 0;
  const cancelled = new Set<number>();
  const ran = new Set<number>();
  let created = 0;
  let stopping = false;
  const ids: number[] = [];
  const issue = (ops: Op[]) => {
    for (const op of ops) {
      if (op.t === 'cancel') {
        const id = ids[op.k];
        if (id !== undefined && !ran.has(id)) cancelled.add(id);
        continue;
      }
      if (op.t === 'advance') {
        time += op.d;
        continue;
      }
      if (created >= p.cap) continue;
      const id = created++;
      ids.push(id);
      if (op.t === 'soon') ready.push(id);
      else timers.push({ when: op.t === 'later' ? time + Math.max(op.d, 0) : op.w, seq: seq++, id });
    }
  };
  const stopId = -1;
  issue(p.outside);
  timers.push({ when: STOP_AT, seq: seq++, id: stopId });
  for (;;) {
    // idle: the virtual clock jumps to the next live timer
    if (ready.length === 0) {
      const live = timers.filter((t) => !cancelled.has(t.id));
      const next = Math.min(...live.map((t) => t.when));
      if (next > time + RES) time = next;
    }
    timers.sort((a, b) => a.when - b.when || a.seq - b.seq);
    while (timers.length && timers[0]!.when <= time + RES) {
      const t = timers.shift()!;
      if (!cancelled.has(t.id)) ready.push(t.id);
    }
    const batch = ready;
    ready = [];
    for (const id of batch) {
      if (cancelled.has(id)) continue;
      if (id === stopId) {
        stopping = true;
        continue;
      }
      ran.add(id);
      trace.push([id, time]);
      issue(p.inside[id % p.inside.length]!);
    }
    if (stopping) return trace;
  }
}

async function real(core: 'wasm' | 'js', p: Program): Promise<Trace> {
  const loop = newEventLoop({ core, clock: 'virtual' });
  const trace: Trace = [];
  const handles: Handle[] = [];
  let created = 0;
  const issue = (ops: Op[]) => {
    for (const op of ops) {
      if (op.t === 'cancel') {
        handles[op.k]?.cancel();
        continue;
      }
      if (op.t === 'advance') {
        loop.advance(op.d);
        continue;
      }
      if (created >= p.cap) continue;
      const id = created++;
      const cb = () => {
        trace.push([id, loop.time()]);
        issue(p.inside[id % p.inside.length]!);
      };
      handles.push(op.t === 'soon' ? loop.callSoon(cb) : op.t === 'later' ? loop.callLater(op.d, cb) : loop.callAt(op.w, cb));
    }
  };
  issue(p.outside);
  loop.callAt(STOP_AT, () => loop.stop());
  await loop.runForever();
  loop.close();
  return trace;
}

describe('differential: WASM core = JS core = reference model', () => {
  it('random scheduling programs give identical traces', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(programArb, async (p) => {
        runs++;
        const expected = model(p);
        const wasm = await real('wasm', p);
        const js = await real('js', p);
        expect(wasm).toEqual(expected);
        expect(js).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
    expect(runs).toBeGreaterThanOrEqual(1000); // in CI as everywhere: no global setting lowers it
  });
});

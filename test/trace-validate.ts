/**
 * A strict validator of Chrome's Trace Event Format, JSON object format (the "Trace Event Format"
 * document, as Perfetto's JSON importer and chrome://tracing read it), for the phases wasmloop
 * writes: every field each phase needs, with its type, and no field the phase does not take; flow
 * (`s`/`f`) and async (`b`/`e`) ids that match; complete events that nest on each thread; flow ends
 * bound to a slice of their thread. Portable (no node: import): the browser pages use it too.
 */
import type { Trace, TraceEvent } from '../bindings/index.js';

const EPS = 1e-6;

/** The fields each phase takes (beyond name, ph, ts, pid, tid), and which of them it needs. */
const FIELDS: Record<string, { needs: string[]; may: string[] }> = {
  M: { needs: ['args'], may: ['cat'] },
  X: { needs: ['dur'], may: ['cat', 'args', 'tdur', 'tts'] },
  C: { needs: ['args'], may: ['cat', 'id'] },
  s: { needs: ['id', 'cat'], may: ['args'] },
  f: { needs: ['id', 'cat'], may: ['args', 'bp'] },
  b: { needs: ['id', 'cat'], may: ['args'] },
  e: { needs: ['id', 'cat'], may: ['args'] },
};
const COMMON = ['name', 'ph', 'ts', 'pid', 'tid'];
const METADATA = new Set(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index']);
const TOP = new Set(['traceEvents', 'displayTimeUnit', 'otherData']);

export interface ValidateOptions {
  /** flows of cat `thread` may lack their other end (a trace of one thread of several) */
  openThreadFlows?: boolean;
}

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Where `v` holds what JSON cannot say (the path), else null. */
function notJson(v: unknown, at: string): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : at;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = notJson(v[i], `${at}[${i}]`);
      if (r !== null) return r;
    }
    return null;
  }
  if (!isPlain(v)) return at;
  for (const [k, x] of Object.entries(v)) {
    const r = notJson(x, `${at}.${k}`);
    if (r !== null) return r;
  }
  return null;
}

/** Throws with the first rule `trace` breaks. */
export function validate(trace: Trace, opts: ValidateOptions = {}): void {
  const fail: (why: string, e?: unknown) => never = (why, e) => {
    throw new Error(`${why}${e !== undefined ? `: ${JSON.stringify(e)}` : ''}`);
  };
  if (!isPlain(trace)) fail('a trace is a JSON object');
  for (const k of Object.keys(trace)) if (!TOP.has(k)) fail(`unknown top-level field ${k}`);
  if (!Array.isArray(trace.traceEvents)) fail('traceEvents must be an array');
  if (trace.displayTimeUnit !== undefined && trace.displayTimeUnit !== 'ms' && trace.displayTimeUnit !== 'ns') fail('displayTimeUnit is "ms" or "ns"');
  if (!isPlain(trace.otherData)) fail('otherData must be an object');
  if (typeof trace.otherData.dropped !== 'number') fail('otherData.dropped must be a number');
  const bad = notJson(trace, 'trace');
  if (bad !== null) fail(`not plain JSON at ${bad} (NaN, Infinity, undefined or a non-JSON value)`);
  const threads = new Set<string>();
  const named = new Set<string>();
  const slices = new Map<string, TraceEvent[]>();
  const flowS = new Map<string, TraceEvent>();
  const flowF = new Map<string, TraceEvent>();
  const spans = new Map<string, TraceEvent>();
  const ended = new Set<string>();
  for (const e of trace.traceEvents) {
    if (!isPlain(e)) fail('an event is a JSON object', e);
    const spec = FIELDS[e.ph as string];
    if (typeof e.name !== 'string' || spec === undefined) fail('name and a known ph are required', e);
    for (const k of Object.keys(e)) if (!COMMON.includes(k) && !spec.needs.includes(k) && !spec.may.includes(k)) fail(`ph ${e.ph} takes no field ${k}`, e);
    for (const k of spec.needs) if ((e as unknown as Record<string, unknown>)[k] === undefined) fail(`ph ${e.ph} needs ${k}`, e);
    if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) fail('pid and tid must be integers', e);
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) fail('ts must be a finite number of µs', e);
    if (e.cat !== undefined && (typeof e.cat !== 'string' || e.cat.length === 0)) fail('cat must be a non-empty string', e);
    if (e.args !== undefined && !isPlain(e.args)) fail('args must be an object', e);
    if (e.id !== undefined && !(typeof e.id === 'string' || (Number.isSafeInteger(e.id) && e.id >= 0))) fail('id must be a string or a non-negative safe integer', e);
    const thread = `${e.pid}:${e.tid}`;
    switch (e.ph) {
      case 'M':
        if (!METADATA.has(e.name)) fail('unknown metadata', e);
        if (e.name.endsWith('_name') && (typeof e.args?.name !== 'string' || e.args.name.length === 0)) fail('name metadata needs args.name', e);
        if (e.name.endsWith('_name')) named.add(e.name === 'thread_name' ? thread : `${e.pid}`);
        continue;
      case 'X':
        if (typeof e.dur !== 'number' || !Number.isFinite(e.dur) || e.dur < 0) fail('X needs a duration ≥ 0', e);
        (slices.get(thread) ?? slices.set(thread, []).get(thread)!).push(e);
        break;
      case 'C':
        if (Object.keys(e.args!).length === 0 || Object.values(e.args!).some((v) => typeof v !== 'number' || !Number.isFinite(v))) fail('C needs finite numeric args', e);
        break;
      case 's':
      case 'f': {
        if (e.ph === 'f' && e.bp !== undefined && e.bp !== 'e') fail('bp is "e" when given', e);
        const key = `${e.cat}:${e.id}`;
        const m = e.ph === 's' ? flowS : flowF;
        if (m.has(key)) fail('flow id used twice', e);
        m.set(key, e);
        break;
      }
      case 'b': {
        const key = `${e.cat}:${e.id}`;
        if (spans.has(key)) fail('async id begun twice', e);
        spans.set(key, e);
        break;
      }
      case 'e': {
        const key = `${e.cat}:${e.id}`;
        const b = spans.get(key);
        if (b === undefined || ended.has(key)) fail('e without its b', e);
        if (b.name !== e.name || e.ts + EPS < b.ts) fail('e must match its b and follow it', e);
        ended.add(key);
        break;
      }
    }
    threads.add(thread);
  }
  for (const t of threads) if (!named.has(t)) fail(`thread ${t} has no thread_name`);
  for (const key of spans.keys()) if (!ended.has(key)) fail(`async span ${key} never ends`);
  const open = (e: TraceEvent) => opts.openThreadFlows === true && e.cat === 'thread';
  for (const [key, s] of flowS) {
    const f = flowF.get(key);
    if (f === undefined) {
      if (open(s)) continue;
      fail('s without its f', s);
    }
    if (f.ts + EPS < s.ts) fail('a flow must not go back in time', f);
    if (f.name !== s.name) fail('a flow ends under the name it started with', f);
  }
  for (const [key, f] of flowF) if (!flowS.has(key) && !open(f)) fail('f without its s', f);
  // complete events nest: sorted by start (the longer first), each lies inside the open one or after it
  for (const [, xs] of slices) {
    xs.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const stack: TraceEvent[] = [];
    for (const x of xs) {
      while (stack.length > 0 && x.ts >= stack[stack.length - 1]!.ts + stack[stack.length - 1]!.dur! - EPS) stack.pop();
      const top = stack[stack.length - 1];
      if (top !== undefined && x.ts + x.dur! > top.ts + top.dur! + EPS) fail(`X overlaps ${JSON.stringify(top)} without nesting`, x);
      stack.push(x);
    }
  }
  // flows bind to the slice around them, on their own thread
  const inSlice = (e: TraceEvent) => (slices.get(`${e.pid}:${e.tid}`) ?? []).some((x) => x.ts - EPS <= e.ts && e.ts <= x.ts + x.dur! + EPS);
  for (const e of [...flowS.values(), ...flowF.values()]) if (!inSlice(e)) fail('a flow event outside any slice', e);
}

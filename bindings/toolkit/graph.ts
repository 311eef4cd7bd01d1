/**
 * Who awaits whom — asyncio 3.14's call graph introspection (graph.py): `captureCallGraph`,
 * `formatCallGraph`, `printCallGraph`.
 *
 * A graph node is a Future (or Task), the call stack found for it, and the nodes that await it.
 * "Awaited by" has two sources:
 * - direct awaits, read off the loop's pending tasks when a graph is captured: a generator task's
 *   `_futWaiter`, an async-function task's last wasmloop awaitable (a Future, or the Future a
 *   toolkit coroutine it awaits waits on). Nothing is recorded while tasks run;
 * - waits made on a task's behalf by gather, shield and TaskGroup, which asyncio records with
 *   `future_add_to_awaited_by`: the same here (`futureAddToAwaitedBy`, kept on the future).
 * One capture visits each future once (a DAG of awaiters shares its nodes): linear in the tasks of
 * the loop plus the edges of the graph. `formatCallGraph` prints a node seen before as a reference.
 *
 * Call stacks: JavaScript cannot look inside a suspended generator or async function, so the
 * stack of the current task is read from the host's stack trace (with its async frames), and a
 * suspended task shows its coroutine function, when it has a name.
 */
import { RuntimeError, describe } from '../errors.js';
import { Future } from '../futures.js';
import { getRunning } from '../thread-state.js';
import type { EventLoop } from '../loop.js';
import { Task, allTasksOf, coroWaitingOnOf, currentTaskOf } from '../tasks.js';

/** One frame of a call stack: a function, where it is (null where the host does not say), and how it runs. */
export interface CallStackEntry {
  /** The function's name. */
  name: string;
  /** Its file, when the host's stack shows it. */
  file: string | null;
  /** Its line, when known. */
  line: number | null;
  /** Its column, when known. */
  column: number | null;
  /** `async` (an async function awaiting), `generator`, `sync`, or `task`: a suspended task's coroutine */
  kind: 'async' | 'generator' | 'sync' | 'task';
}

/**
 * A future, what it runs through, and who awaits it: asyncio.graph's FutureCallGraph, as
 * `captureCallGraph()` gives it.
 */
export interface FutureCallGraph {
  /** The future (or task) this graph is about. */
  future: Future<unknown>;
  /** Newest frame first, down to the task's coroutine. */
  callStack: CallStackEntry[];
  /** The graphs of the futures and tasks that await this one. */
  awaitedBy: FutureCallGraph[];
}

/** Options of `captureCallGraph()`/`formatCallGraph()`/`printCallGraph()` (asyncio's `depth` and `limit`). */
export interface CallGraphOptions {
  /** For the current task: how many frames to skip from the top (1: start at the caller). */
  depth?: number;
  /** Keep at most |limit| entries of each call stack: the newest if positive, the oldest if negative; 0 none. */
  limit?: number | null;
}

/** Records that `waiter` awaits `fut` on its behalf (asyncio's future_add_to_awaited_by). */
export function futureAddToAwaitedBy(fut: Future<unknown>, waiter: Future<unknown>): void {
  if (!(fut instanceof Future && waiter instanceof Future)) return;
  // one awaiter is held as is (every child of a gather has one), a Set only for more
  const a = fut._awaitedBy;
  if (a === null) fut._awaitedBy = waiter;
  else if (a instanceof Set) a.add(waiter);
  else if (a !== waiter) fut._awaitedBy = new Set([a, waiter]);
}

/** Forgets what futureAddToAwaitedBy recorded (asyncio's future_discard_from_awaited_by). */
export function futureDiscardFromAwaitedBy(fut: Future<unknown>, waiter: Future<unknown>): void {
  if (!(fut instanceof Future && waiter instanceof Future)) return;
  const a = fut._awaitedBy;
  if (a === waiter) fut._awaitedBy = null;
  else if (a instanceof Set) a.delete(waiter);
}

/** The Future a pending task is suspended on, when it is a wasmloop awaitable. */
export function waitedOn(t: Task<unknown>): Future<unknown> | null {
  if (t._futWaiter !== null) return t._futWaiter;
  const w = t._asyncWaiter;
  if (w === null) return null;
  if (w instanceof Future) return w.done() ? null : w;
  return coroWaitingOnOf(w);
}

/** Every future a pending task of `loop` waits on → those tasks (one pass over the tasks). */
function directAwaiters(loop: EventLoop): Map<Future<unknown>, Task<unknown>[]> {
  const m = new Map<Future<unknown>, Task<unknown>[]>();
  for (const t of allTasksOf(loop)) {
    const f = waitedOn(t);
    if (f === null) continue;
    const list = m.get(f);
    if (list === undefined) m.set(f, [t]);
    else list.push(t);
  }
  return m;
}

function trim<T>(stack: T[], limit: number | null): T[] {
  if (limit === null) return stack;
  if (limit > 0) return stack.slice(0, limit);
  if (limit < 0) return stack.slice(limit);
  return [];
}

/** A suspended task's stack: its coroutine function, when it has a name. */
function taskStack(f: Future<unknown>): CallStackEntry[] {
  if (!(f instanceof Task)) return [];
  const repr = f._coroRepr;
  if (!repr.endsWith('()') || repr === '<anonymous>()') return [];
  return [{ name: repr.slice(0, -2), file: null, line: null, column: null, kind: 'task' }];
}

function build(root: Future<unknown>, rootStack: CallStackEntry[] | null, limit: number | null): FutureCallGraph {
  const loop = root.getLoop() as EventLoop;
  const direct = directAwaiters(loop);
  const nodes = new Map<Future<unknown>, FutureCallGraph>();
  const node = (f: Future<unknown>, stack: CallStackEntry[]) => {
    const n: FutureCallGraph = { future: f, callStack: trim(stack, limit), awaitedBy: [] };
    nodes.set(f, n);
    return n;
  };
  node(root, rootStack ?? taskStack(root));
  const todo: Future<unknown>[] = [root];
  while (todo.length > 0) {
    const f = todo.pop()!;
    const n = nodes.get(f)!;
    const seen = new Set<Future<unknown>>();
    const add = (p: Future<unknown>) => {
      if (seen.has(p)) return;
      seen.add(p);
      let pn = nodes.get(p);
      if (pn === undefined) {
        pn = node(p, taskStack(p));
        todo.push(p);
      }
      n.awaitedBy.push(pn);
    };
    for (const t of direct.get(f) ?? []) add(t);
    const by = f._awaitedBy;
    if (by instanceof Set) for (const p of by) add(p);
    else if (by !== null) add(by);
  }
  return nodes.get(root)!;
}

// ---- the current task's stack, from the host's stack trace --------------------------------------

/** Frames that run a task's step or a toolkit coroutine's: the bottom of a task's stack. */
const BOTTOM = /(?:^|\.)(?:_step|_stepGenerator|_stepAsync|_run|taskStep|taskWakeup)$|(?:^|\.)Driver\.step$|^Driver\.step$/;
const V8_FRAME = /^\s*at (?:(async) )?(?:(.*?) \((.*)\)|(.*))$/;
const AT_FRAME = /^\s*(?:(async) )?(?:(.*?)@)?(.*)$/;
const LOCATION = /^(.*?):(\d+):(\d+)$/;

function parseLocation(loc: string): { file: string | null; line: number | null; column: number | null } {
  const m = LOCATION.exec(loc);
  if (m === null) return { file: loc === '<anonymous>' || loc === 'native' || loc === '' ? null : loc, line: null, column: null };
  return { file: m[1]!, line: Number(m[2]), column: Number(m[3]) };
}

/** The frames of `stack` (an Error's), newest first, down to the task step that runs them. */
export function parseStack(stack: string): CallStackEntry[] {
  const out: CallStackEntry[] = [];
  let resumed = false;
  for (const raw of stack.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') continue;
    let isAsync = false;
    let name: string;
    let loc: string;
    const v8 = V8_FRAME.exec(line);
    if (v8 !== null) {
      isAsync = v8[1] !== undefined;
      name = v8[2] ?? '';
      loc = v8[3] ?? v8[4] ?? '';
    } else if (/^\s*at /.test(line) || /^\w*Error\b/.test(line)) continue;
    else {
      const m = AT_FRAME.exec(line)!;
      isAsync = m[1] !== undefined;
      name = m[2] ?? '';
      loc = m[3] ?? '';
      if (!LOCATION.test(loc) && loc !== '[native code]') continue; // the message, not a frame
    }
    if (BOTTOM.test(name)) break;
    // a generator's frame is followed by the `next` that resumed it (`g.next (<anonymous>)` in V8)
    if (/(?:^|\.)(?:next|throw|return)$/.test(name) && (loc === '<anonymous>' || loc === '[native code]' || loc === 'native')) {
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.kind === 'sync') prev.kind = 'generator';
      continue;
    }
    if (loc === '[native code]') continue;
    if (loc.startsWith('node:')) {
      // the host's microtask runner (a stack source-mapped by a test runner loses the `async`
      // marks): the frames below it are async functions awaiting
      if (/processTicksAndRejections$/.test(name)) resumed = true;
      continue;
    }
    out.push({ name: name || '<anonymous>', ...parseLocation(loc), kind: isAsync || resumed ? 'async' : 'sync' });
  }
  return out;
}

/** This module's own frames, on top of the stack it reads (a bundler may append a number to a name). */
const OWN_FRAME = /^(?:readHostStack|graphOfCaller|captureCallGraph|formatCallGraph|printCallGraph)\d*$/;

/**
 * The host's stack trace here. Not Error.captureStackTrace(obj, fn): Bun drops more frames than
 * asked, and its transpiler turns `const g = f(); return g` into a tail call, whose frame
 * JavaScriptCore elides. This module's frames are dropped by name instead.
 */
function readHostStack(): string {
  const E = Error as ErrorConstructor & { stackTraceLimit?: number };
  const limit = E.stackTraceLimit;
  try {
    if (typeof limit === 'number') E.stackTraceLimit = 200;
    return new Error().stack ?? '';
  } finally {
    if (typeof limit === 'number') E.stackTraceLimit = limit;
  }
}

function checkOptions(opts: CallGraphOptions, fn: string): { depth: number; limit: number | null } {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${fn}() options must be an object, got ${describe(opts)}`);
  const depth = opts.depth ?? 1;
  const limit = opts.limit ?? null;
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1) throw new RangeError(`${fn}() depth must be an integer ≥ 1, got ${describe(depth)}`);
  if (limit !== null && (typeof limit !== 'number' || !Number.isInteger(limit))) throw new RangeError(`${fn}() limit must be an integer or null, got ${describe(limit)}`);
  return { depth, limit };
}

function graphOfCaller(future: Future<unknown> | null | undefined, opts: CallGraphOptions, fn: string): FutureCallGraph | null {
  const { depth, limit } = checkOptions(opts, fn);
  const loop = getRunning() as EventLoop | null;
  if (future !== undefined && future !== null) {
    if (!(future instanceof Future)) throw new TypeError(`${describe(future)} object does not appear to be compatible with Future`);
    if (loop === null || future !== currentTaskOf(loop)) return build(future, null, limit);
  } else {
    if (loop === null) throw new RuntimeError(`${fn}() is called outside of a running event loop and no future to introspect was provided`);
    future = currentTaskOf(loop);
    if (future === null) return null;
  }
  const frames = parseStack(readHostStack());
  let own = 0;
  while (own < frames.length && OWN_FRAME.test(frames[own]!.name)) own++;
  const stack = frames.slice(own + depth - 1);
  return build(future, stack, limit);
}

/**
 * The call graph of `future`, or of the current task when none is given (null when no task runs):
 * `{ future, callStack, awaitedBy }`, as asyncio.capture_call_graph.
 */
export function captureCallGraph(future?: Future<unknown> | null, opts: CallGraphOptions = {}): FutureCallGraph | null {
  return graphOfCaller(future, opts, 'captureCallGraph');
}

const ids = new WeakMap<Future<unknown>, number>();
let nextId = 0;
/** A stable number for a future, shown as its id (JavaScript has no object addresses). */
function idOf(f: Future<unknown>): string {
  let id = ids.get(f);
  if (id === undefined) ids.set(f, (id = ++nextId));
  return `0x${id.toString(16)}`;
}

function render(g: FutureCallGraph): string {
  const buf: string[] = [];
  const shown = new Set<FutureCallGraph>();
  const walk = (n: FutureCallGraph, level: number) => {
    const pad = '    '.repeat(level);
    const f = n.future;
    const head = f instanceof Task ? `* Task(name=${JSON.stringify(f.getName())}, id=${idOf(f)})` : `* Future(id=${idOf(f)})`;
    if (shown.has(n)) {
      buf.push(`${pad}${head} (shown above)`);
      return;
    }
    shown.add(n);
    buf.push(pad + head);
    if (n.callStack.length > 0) {
      buf.push(`${pad}  + Call stack:`);
      for (const e of n.callStack) {
        const tag = e.kind === 'async' ? 'async ' : e.kind === 'generator' ? 'generator ' : e.kind === 'task' ? (f instanceof Task && f._coro !== null ? 'generator ' : 'async ') : '';
        const where = e.file === null ? '' : `File ${JSON.stringify(e.file)}${e.line === null ? '' : `, line ${e.line}`}, `;
        buf.push(`${pad}  |   ${where}in ${tag}${e.name}()`);
      }
    }
    if (n.awaitedBy.length > 0) {
      buf.push(`${pad}  + Awaited by:`);
      for (const p of n.awaitedBy) walk(p, level + 1);
    }
  };
  walk(g, 0);
  return buf.join('\n') + '\n';
}

/**
 * @internal `formatCallGraph(task)` for a task that is not the current one (remote.inspect(),
 * inspect.ts): the same text, without reading the host's stack, so a bundle that uses it alone
 * leaves the stack parsing out.
 */
export function taskGraphText(t: Task<unknown>): string {
  return render(build(t, null, null));
}

/** The call graph as text (asyncio.format_call_graph); '' when there is no current task. */
export function formatCallGraph(future?: Future<unknown> | null, opts: CallGraphOptions = {}): string {
  const g = graphOfCaller(future, opts, 'formatCallGraph');
  return g === null ? '' : render(g);
}

/** Prints formatCallGraph's text with `opts.write` (default console.info: standard output in Node, as asyncio prints to sys.stdout). */
export function printCallGraph(future?: Future<unknown> | null, opts: CallGraphOptions & { write?: (text: string) => void } = {}): void {
  const write = opts?.write ?? ((s: string) => console.info(s.replace(/\n$/, '')));
  if (typeof write !== 'function') throw new TypeError(`printCallGraph() write must be a function, got ${describe(write)}`);
  const g = graphOfCaller(future, opts, 'printCallGraph');
  if (g !== null) write(render(g));
}

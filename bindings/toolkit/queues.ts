/**
 * Queues — asyncio's queues.py (with 3.13's shutdown): Queue (FIFO), PriorityQueue, LifoQueue.
 *
 * `put`/`get`/`join` are toolkit coroutines (`yield* q.get()` / `await q.get()`); the `*Nowait`
 * methods are plain calls. A getter or putter woken by the other side but cancelled before it
 * took its turn passes the wake-up on, as in asyncio.
 *
 * Storage: Queue keeps items in an array with a moving head (O(1) amortized at both ends, the
 * array compacted when the dead prefix passes half); PriorityQueue a binary heap ordered by
 * `compare` (default: numbers, strings and bigints by `<`, arrays lexicographically — Python's
 * `(priority, item)` tuples); LifoQueue a stack.
 */
import { coroutine, type Coro } from '../coro.js';
import { QueueEmpty, QueueFull, QueueShutDown, describe } from '../errors.js';
import type { Future } from '../futures.js';
import { LoopBound } from './base.js';
import { Event } from './locks.js';

/** Wakes the first waiter that is not done (cancelled ones are skipped and dropped). */
function wakeupNext(waiters: Future<void>[]): void {
  while (waiters.length > 0) {
    const w = waiters.shift()!;
    if (!w.done()) {
      w.setResult(undefined);
      break;
    }
  }
}

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** A FIFO queue; `maxsize <= 0` means unbounded. asyncio: `asyncio.Queue`. */
export class Queue<T = unknown> extends LoopBound {
  /** @internal */ _maxsize: number;
  /** @internal */ _getters: Future<void>[] = [];
  /** @internal */ _putters: Future<void>[] = [];
  /** @internal */ _unfinishedTasks = 0;
  /** @internal */ _finished = new Event();
  /** @internal */ _isShutdown = false;
  private _items: T[] = [];
  private _head = 0;

  constructor(maxsize = 0) {
    super();
    if (typeof maxsize !== 'number' || maxsize !== maxsize) throw new TypeError(`maxsize must be a number, got ${describe(maxsize)}`);
    this._maxsize = maxsize;
    this._finished.set();
  }

  // storage: overridden by PriorityQueue and LifoQueue
  /** @internal */ _size(): number {
    return this._items.length - this._head;
  }
  /** @internal */ _put(item: T): void {
    this._items.push(item);
  }
  /** @internal the items in storage order (asyncio's `list(self._queue)`) */ _snapshot(): T[] {
    return this._items.slice(this._head);
  }
  /** @internal */ _get(): T {
    const items = this._items;
    const item = items[this._head]!;
    items[this._head++] = undefined as T;
    if (this._head === items.length) {
      items.length = 0;
      this._head = 0;
    } else if (this._head > 1024 && this._head * 2 > items.length) {
      items.splice(0, this._head);
      this._head = 0;
    }
    return item;
  }

  /** Number of items in the queue. asyncio: `Queue.qsize`. */
  qsize(): number {
    return this._size();
  }

  /** The most items the queue holds (0: no limit). asyncio: `Queue.maxsize`. */
  get maxsize(): number {
    return this._maxsize;
  }

  /** Whether the queue holds no item. asyncio: `Queue.empty`. */
  empty(): boolean {
    return this._size() === 0;
  }

  /** Whether the queue holds maxsize items (never, when maxsize is 0). asyncio: `Queue.full`. */
  full(): boolean {
    return this._maxsize > 0 && this._size() >= this._maxsize;
  }

  /** Puts `item`, waiting while the queue is full; QueueShutDown after shutdown(). asyncio: `Queue.put`. */
  put(item: T): Coro<void> {
    return queueTurn(this, item, false) as Coro<void>;
  }

  /** Puts `item` now; QueueFull if full, QueueShutDown after shutdown(). asyncio: `Queue.put_nowait`. */
  putNowait(item: T): void {
    if (this._isShutdown) throw new QueueShutDown('');
    if (this.full()) throw new QueueFull('');
    this._put(item);
    this._unfinishedTasks++;
    this._finished.clear();
    wakeupNext(this._getters);
  }

  /**
   * Takes the next item, waiting while the queue is empty; QueueShutDown once shut down and empty.
   * asyncio: `Queue.get`.
   */
  get(): Coro<T> {
    return queueTurn(this, undefined, true) as Coro<T>;
  }

  /**
   * Takes the next item now; QueueEmpty if empty (QueueShutDown if also shut down). asyncio:
   * `Queue.get_nowait`.
   */
  getNowait(): T {
    if (this.empty()) {
      if (this._isShutdown) throw new QueueShutDown('');
      throw new QueueEmpty('');
    }
    const item = this._get();
    wakeupNext(this._putters);
    return item;
  }

  /**
   * Marks one item taken with get() as processed; RangeError if called more often than put(). asyncio:
   * `Queue.task_done`.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) throw new RangeError('taskDone() called too many times');
    if (--this._unfinishedTasks === 0) this._finished.set();
  }

  /** Waits until every item put was marked processed with taskDone(). asyncio: `Queue.join`. */
  join(): Coro<void> {
    return queueJoin(this);
  }

  /**
   * Stops the queue: put() and putNowait() throw QueueShutDown, get() throws it once the queue is
   * empty, and waiting putters and getters are woken to see it. With `immediate`, the items are
   * dropped (counted as done for join()) and getters throw at once.
   * asyncio: `Queue.shutdown` (3.13).
   */
  shutdown(immediate = false): void {
    this._isShutdown = true;
    if (immediate) {
      while (!this.empty()) {
        this._get();
        if (this._unfinishedTasks > 0) this._unfinishedTasks--;
      }
      if (this._unfinishedTasks === 0) this._finished.set();
    }
    for (const waiters of [this._getters, this._putters]) {
      while (waiters.length > 0) {
        const w = waiters.shift()!;
        if (!w.done()) w.setResult(undefined);
      }
    }
  }

  override toString(): string {
    const info = [`maxsize=${this._maxsize}`];
    if (this._size() > 0) info.push(`_queue=${pyRepr(this._snapshot())}`);
    if (this._getters.length) info.push(`_getters[${this._getters.length}]`);
    if (this._putters.length) info.push(`_putters[${this._putters.length}]`);
    if (this._unfinishedTasks) info.push(`tasks=${this._unfinishedTasks}`);
    if (this._isShutdown) info.push('shutdown');
    return `<${this.constructor.name} ${info.join(' ')}>`;
  }
}

/** Python's repr of a value as a queue's repr shows it (`[1, 'a', None]`); never throws. */
function pyRepr(v: unknown, depth = 0): string {
  try {
    if (v === null || v === undefined) return 'None';
    if (v === true) return 'True';
    if (v === false) return 'False';
    if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (Array.isArray(v)) return depth > 3 ? '[...]' : `[${v.map((x) => pyRepr(x, depth + 1)).join(', ')}]`;
    return describe(v);
  } catch {
    return '<unrepresentable>';
  }
}

/**
 * A waiter for a turn (a putter's for a free slot, a getter's for an item), queued in `waiters`.
 * The caller suspends on it inline (`yield w`, then `w.result()`: what `yield* w` does, without a
 * generator per wait) and, when that throws, calls `giveUpTurn`.
 */
function newWaiter(q: Queue<unknown>, waiters: Future<void>[]): Future<void> {
  const w = q._getLoop().createFuture<void>();
  waiters.push(w);
  w._asyncioFutureBlocking = true;
  return w;
}

/**
 * A waiter failed (cancelled) while it waited: dropped from `waiters`; woken by the other side
 * but failing before it took its turn, it wakes the next in line if the turn is still there
 * (`stillBlocked` false), as asyncio's put/get do.
 */
function giveUpTurn(waiters: Future<void>[], w: Future<void>, stillBlocked: boolean): void {
  w.cancel();
  removeItem(waiters, w); // it may already be gone (taken by a get/put or a shutdown)
  if (!stillBlocked && !w.cancelled()) wakeupNext(waiters);
}

/**
 * `put(item)` (`getter` false) and `get()` (`getter` true), one coroutine: wait while the queue is
 * full (empty), then take the turn.
 */
const queueTurn = coroutine(function* <T>(q: Queue<T>, item: T | undefined, getter: boolean): Generator<unknown, T | undefined, unknown> {
  const waiters = getter ? q._getters : q._putters;
  while (getter ? q.empty() : q.full()) {
    if (q._isShutdown) throw new QueueShutDown('');
    const w = newWaiter(q as Queue<unknown>, waiters);
    try {
      yield w;
      w.result();
    } catch (e) {
      giveUpTurn(waiters, w, getter ? q.empty() : q.full());
      throw e;
    }
  }
  if (getter) return q.getNowait();
  q.putNowait(item as T);
  return undefined;
});

const queueJoin = coroutine(function* (q: Queue<unknown>): Generator<unknown, void, unknown> {
  if (q._unfinishedTasks > 0) yield* q._finished.wait();
});

/** Orders like Python's `<`: numbers, strings and bigints natively, arrays element by element. */
export function defaultCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = defaultCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const ta = typeof a;
  if (ta === typeof b && (ta === 'number' || ta === 'string' || ta === 'bigint')) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  throw new TypeError(`'<' not supported between ${describe(a)} and ${describe(b)}: give PriorityQueue a compare function`);
}

/**
 * A queue that hands out the smallest item first (`compare`, default defaultCompare). asyncio:
 * `asyncio.PriorityQueue`.
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  private _heap: T[] = [];
  private readonly _compare: (a: T, b: T) => number;

  constructor(maxsize = 0, compare: (a: T, b: T) => number = defaultCompare) {
    super(maxsize);
    if (typeof compare !== 'function') throw new TypeError(`compare must be a function, got ${describe(compare)}`);
    this._compare = compare;
  }

  /** @internal */ override _size(): number {
    return this._heap.length;
  }

  /** @internal */ override _snapshot(): T[] {
    return this._heap.slice();
  }

  /** @internal */ override _put(item: T): void {
    const h = this._heap;
    const cmp = this._compare;
    let i = h.length;
    h.push(item);
    try {
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (cmp(item, h[parent]!) >= 0) break;
        h[i] = h[parent]!;
        i = parent;
      }
    } finally {
      h[i] = item; // a throwing compare leaves a valid heap, as heapq does
    }
  }

  /** @internal */ override _get(): T {
    const h = this._heap;
    const cmp = this._compare;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      try {
        for (;;) {
          let c = 2 * i + 1;
          if (c >= n) break;
          if (c + 1 < n && cmp(h[c + 1]!, h[c]!) < 0) c++;
          if (cmp(h[c]!, last) >= 0) break;
          h[i] = h[c]!;
          i = c;
        }
      } finally {
        h[i] = last;
      }
    }
    return top;
  }
}

/** A queue that hands out the most recently added item first. asyncio: `asyncio.LifoQueue`. */
export class LifoQueue<T = unknown> extends Queue<T> {
  private _stack: T[] = [];

  /** @internal */ override _size(): number {
    return this._stack.length;
  }

  /** @internal */ override _snapshot(): T[] {
    return this._stack.slice();
  }

  /** @internal */ override _put(item: T): void {
    this._stack.push(item);
  }

  /** @internal */ override _get(): T {
    return this._stack.pop()!;
  }
}

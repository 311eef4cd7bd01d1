/**
 * TaskGroup — asyncio's structured concurrency (taskgroups.py, 3.13 semantics).
 *
 * `async with TaskGroup() as tg: …` is `new TaskGroup().run(body)` (or explicit enter/exit).
 * Exiting waits for every child. The first child that fails (with anything but CancelledError)
 * cancels the other children and the parent task's body; once all are done, the failures are
 * thrown together as an ExceptionGroup. The parent's own cancellation is counted with
 * cancel()/uncancel(), so a TaskGroup inside a timeout() or another group nests correctly.
 */
import { coroutine, type Coro } from '../coro.js';
import { CancelledError, ExceptionGroup, RuntimeError } from '../errors.js';
import { currentTask } from '../events.js';
import type { Future } from '../futures.js';
import type { EventLoop } from '../loop.js';
import type { CoroutineLike, Task, TaskOptions } from '../tasks.js';
import { callerLoop, checkBody, withContextGen, type AsyncContextManager, type Body } from './base.js';
import { futureAddToAwaitedBy, futureDiscardFromAwaitedBy } from './graph.js';

/**
 * asyncio.TaskGroup: runs child tasks made with createTask() and waits for all of them on exit; the
 * first failure cancels the others and the group throws an ExceptionGroup of the errors. `async with
 * tg` is `tg.run(body)`. RuntimeError when entered twice or used before it is entered.
 */
export class TaskGroup implements AsyncContextManager<TaskGroup> {
  /** @internal */ _entered = false;
  /** @internal */ _exiting = false;
  /** @internal */ _aborting = false;
  /** @internal */ _loop: EventLoop | null = null;
  /** @internal */ _parentTask: Task<unknown> | null = null;
  /** @internal */ _parentCancelRequested = false;
  /** @internal */ _tasks = new Set<Task<unknown>>();
  /** @internal */ _errors: unknown[] = [];
  /** @internal */ _onCompletedFut: Future<boolean> | null = null;
  private readonly _onTaskDone = (task: Future<unknown>) => this._taskDone(task as Task<unknown>);

  /** `__aenter__`: binds the group to the current task. */
  enter(): Coro<TaskGroup> {
    return tgEnter(this);
  }

  /** `__aexit__`: waits for the children; throws the ExceptionGroup, or the body's error. */
  exit(...error: [] | [unknown]): Coro<void> {
    return tgExit(this, error);
  }

  /** `async with this as tg: return body(tg)` */
  run<R>(body: Body<TaskGroup, R>): Coro<R> {
    checkBody(body, 'run');
    return runCoro(this, body) as Coro<R>;
  }

  /** A child task of the group (only while the group is active). */
  createTask<T>(coro: CoroutineLike<T>, opts: TaskOptions = {}): Task<T> {
    if (!this._entered) throw new RuntimeError(`TaskGroup ${this} has not been entered`);
    if (this._exiting && this._tasks.size === 0) throw new RuntimeError(`TaskGroup ${this} is finished`);
    if (this._aborting) throw new RuntimeError(`TaskGroup ${this} is shutting down`);
    const task = this._loop!.createTask<T>(coro, opts);
    // always through the callback, even if an eager task is already done: it must not cancel the
    // parent before this call returns
    this._tasks.add(task as Task<unknown>);
    task.addDoneCallback(this._onTaskDone);
    if (!task.done()) futureAddToAwaitedBy(task, this._parentTask!);
    // an eager child may have failed and aborted the group already
    if (this._aborting && !task.done()) task.cancel();
    return task;
  }

  /** @internal */ _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) if (!t.done()) t.cancel();
  }

  private _taskDone(task: Task<unknown>): void {
    this._tasks.delete(task);
    if (this._parentTask !== null) futureDiscardFromAwaitedBy(task, this._parentTask);
    const fut = this._onCompletedFut;
    if (fut !== null && this._tasks.size === 0 && !fut.done()) fut.setResult(true);
    if (task.cancelled()) return;
    const exc = task.exception();
    if (!task._hasException) return; // (not exc === null: JavaScript can throw null)
    this._errors.push(exc);
    const parent = this._parentTask!;
    if (parent.done()) {
      this._loop!.callExceptionHandler({ message: `Task ${task} has errored out but its parent task ${parent} is already completed`, exception: exc, task });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // cancel the body too; __aexit__ withdraws this cancellation (uncancel) afterwards
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  }

  toString(): string {
    const info: string[] = [];
    if (this._tasks.size) info.push(`tasks=${this._tasks.size}`);
    if (this._errors.length) info.push(`errors=${this._errors.length}`);
    if (this._aborting) info.push('cancelling');
    else if (this._entered) info.push('entered');
    return `<TaskGroup${info.length ? ' ' + info.join(' ') : ''}>`;
  }
}

const runCoro = coroutine(withContextGen);

const tgEnter = coroutine(function* (tg: TaskGroup): Generator<unknown, TaskGroup, unknown> {
  if (tg._entered) throw new RuntimeError(`TaskGroup ${tg} has already been entered`);
  tg._loop ??= callerLoop();
  const parent = currentTask(tg._loop);
  if (parent === null) throw new RuntimeError(`TaskGroup ${tg} cannot determine the parent task`);
  tg._parentTask = parent;
  tg._entered = true;
  return tg;
});

const tgExit = coroutine(function* (tg: TaskGroup, error: [] | [unknown]): Generator<unknown, void, unknown> {
  if (!tg._entered) throw new RuntimeError(`TaskGroup ${tg} has not been entered`);
  tg._exiting = true;
  const hasError = error.length > 0;
  const exc = error[0];
  let propagateCancellation: unknown = hasError && exc instanceof CancelledError ? exc : null;
  // the body failed or its task is being cancelled: cancel the children
  if (hasError && !tg._aborting) tg._abort();
  let pendingCancellation: unknown = null;
  while (tg._tasks.size > 0) {
    tg._onCompletedFut ??= tg._loop!.createFuture<boolean>();
    try {
      yield* tg._onCompletedFut;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      pendingCancellation = e;
      if (!tg._aborting) {
        // the parent is being cancelled while it waits for the children
        propagateCancellation = e;
        tg._abort();
      }
    }
    tg._onCompletedFut = null;
  }
  const parent = tg._parentTask!;
  if (tg._parentCancelRequested) {
    // we cancelled the parent: withdraw it; a cancellation left over is someone else's
    if (parent.uncancel() === 0) propagateCancellation = null;
    else propagateCancellation ??= pendingCancellation;
  }
  const errors = tg._errors;
  if (propagateCancellation !== null && errors.length === 0) throw propagateCancellation;
  if (hasError && !(exc instanceof CancelledError)) errors.push(exc);
  if (errors.length > 0) {
    // keep an outside cancellation of the parent counted, and pending
    if (parent.cancelling()) {
      parent.uncancel();
      parent.cancel();
    }
    tg._parentTask = null;
    throw new ExceptionGroup('unhandled errors in a TaskGroup', errors);
  }
  tg._parentTask = null;
  if (hasError) throw exc;
});

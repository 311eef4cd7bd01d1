// Generator tasks and async-function tasks, side by side: the same program written both ways
// (the README's "Generator tasks and async-function tasks" shows them). Each takes the wasmloop
// module and run() options and returns what it printed, so the tests can check both exactly.

/** Two workers share a queue; the main task waits for the work, then a timeout stops a ticker. */
export async function generatorTasks(wl, opts) {
  const { run, createTask, currentTask, sleep, timeout, Queue, TimeoutError, CancelledError } = wl;
  const out = [];
  const loop = () => wl.getRunningLoop();

  function* worker(name, queue) {
    try {
      for (;;) {
        const job = yield* queue.get(); // suspends here until an item comes
        yield* sleep(job);
        out.push(`${name} slept ${job}s, done at ${loop().time()}`);
        queue.taskDone();
      }
    } catch (e) {
      if (e instanceof CancelledError) out.push(`${name} cancelled`);
      throw e;
    }
  }

  function* main() {
    const queue = new Queue();
    const workers = [createTask(worker('a', queue)), createTask(worker('b', queue))];
    for (const job of [1, 2, 3]) queue.putNowait(job);
    yield* queue.join(); // every job done
    for (const w of workers) w.cancel();
    const ticks = [];
    try {
      yield* timeout(2.5).run(function* () {
        for (let i = 1; ; i++) ticks.push(yield* sleep(1, `tick ${i}`));
      });
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      out.push(`timed out after ${ticks.join(', ')}; still the same task: ${currentTask() !== null}`);
    }
    return loop().time();
  }

  out.push(`finished at ${await run(main, opts)}`);
  return out;
}

/** The same program with async functions. */
export async function asyncTasks(wl, opts) {
  const { run, createTask, currentTask, sleep, timeout, Queue, TimeoutError, CancelledError } = wl;
  const out = [];
  const loop = () => wl.getRunningLoop();

  async function worker(name, queue) {
    try {
      for (;;) {
        const job = await queue.get(); // resumed by the loop: still this task afterwards
        await sleep(job);
        out.push(`${name} slept ${job}s, done at ${loop().time()}`);
        queue.taskDone();
      }
    } catch (e) {
      if (e instanceof CancelledError) out.push(`${name} cancelled`);
      throw e;
    }
  }

  async function main() {
    const queue = new Queue();
    // pass a function: the task calls it, so its first segment already runs as the task
    const workers = [createTask(() => worker('a', queue)), createTask(() => worker('b', queue))];
    for (const job of [1, 2, 3]) queue.putNowait(job);
    await queue.join();
    for (const w of workers) w.cancel();
    const ticks = [];
    try {
      await timeout(2.5).run(async () => {
        for (let i = 1; ; i++) ticks.push(await sleep(1, `tick ${i}`));
      });
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      out.push(`timed out after ${ticks.join(', ')}; still the same task: ${currentTask() !== null}`);
    }
    return loop().time();
  }

  out.push(`finished at ${await run(main, opts)}`);
  return out;
}

export const TASK_EXAMPLES = [
  ['generator tasks', generatorTasks],
  ['async-function tasks', asyncTasks],
];

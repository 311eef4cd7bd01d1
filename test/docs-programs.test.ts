/**
 * asyncio programs from Python's documentation, run beside CPython: each is kept as Python source
 * in test/docs-programs/<name>.py, translated here to wasmloop JavaScript, and both outputs are
 * compared line for line. Both sides run on a virtual clock where the programs sleep: wasmloop's
 * own, and for CPython test/docs-programs/_virtual_clock.py, which runs the program with a
 * SelectorEventLoop whose time() jumps to the next timer instead of sleeping (so the docs'
 * delays are kept, both run in no time, and printed times do not depend on the machine's load).
 * Random durations of the docs' examples are replaced by a fixed sequence on both sides.
 *
 * The translations are the natural ones, async functions as in the docs, with wasmloop's rules
 * for async-function tasks applied where the README states them: a coroutine handed to gather or
 * createTask is passed as a function (`() => handle(1)`, so that it starts inside its own task,
 * as asyncio wraps it in a task), and an async helper awaited inline that must keep its task
 * known is awaited through ensureFuture.
 *
 * Needs /usr/bin/python3 (CPython 3.11+): where it is missing the comparisons are skipped with a
 * warning, and with CI=true the file fails instead.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Condition,
  ContextVar,
  Event,
  ExceptionGroup,
  Lock,
  Queue,
  Semaphore,
  TaskGroup,
  TimeoutError,
  copyContext,
  createTask,
  ensureFuture,
  gather,
  getRunningLoop,
  run,
  sleep,
  timeout,
  waitFor,
  type EventLoop,
} from '../bindings/index.js';
import { PIPE, createSubprocessShell, openConnection, startServer } from '../bindings/node.js';
import { CORES } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const havePython = existsSync(PYTHON);
if (!havePython) {
  if (process.env.CI === 'true') throw new Error(`${PYTHON} is missing: the docs programs cannot be compared with CPython (CI=true)`);
  console.warn(`docs-programs: ${PYTHON} is missing, the comparisons with CPython are skipped`);
}
const execFileP = promisify(execFile);
const dir = new URL('./docs-programs/', import.meta.url);

type Print = (...parts: unknown[]) => void;
type Program = { clock: 'virtual' | 'monotonic'; main: (print: Print) => Promise<unknown> };

/** Python's repr of a str */
const r = (s: string) => `'${s}'`;
const units = (loop: EventLoop, t0: number) => Math.round(loop.time() - t0);

const PROGRAMS: Record<string, Program> = {
  hello_world: {
    clock: 'virtual',
    main: async (print) => {
      print('Hello ...');
      await sleep(1);
      print('... World!');
    },
  },

  say_after: {
    clock: 'virtual',
    main: async (print) => {
      async function sayAfter(delay: number, what: string): Promise<void> {
        await sleep(delay);
        print(what);
      }
      const loop = getRunningLoop();
      let t0 = loop.time();
      print('started at 0');
      await ensureFuture(sayAfter(1, 'hello'));
      await ensureFuture(sayAfter(2, 'world'));
      print(`finished at ${units(loop, t0)}`);

      t0 = loop.time();
      const task1 = createTask(() => sayAfter(1, 'hello'));
      const task2 = createTask(() => sayAfter(2, 'world'));
      print('started at 0');
      await task1;
      await task2;
      print(`finished at ${units(loop, t0)}`);

      t0 = loop.time();
      await new TaskGroup().run(async (tg) => {
        tg.createTask(() => sayAfter(1, 'hello'));
        tg.createTask(() => sayAfter(2, 'world'));
        print('started at 0');
      });
      print(`finished at ${units(loop, t0)}`);
    },
  },

  gather_factorial: {
    clock: 'virtual',
    main: async (print) => {
      async function factorial(name: string, number: number): Promise<number> {
        let f = 1;
        for (let i = 2; i <= number; i++) {
          print(`Task ${name}: Compute factorial(${number}), currently i=${i}...`);
          await sleep(1);
          f *= i;
        }
        print(`Task ${name}: factorial(${number}) = ${f}`);
        return f;
      }
      const L = await gather(factorial('A', 2), factorial('B', 3), factorial('C', 4));
      print(`[${L.join(', ')}]`);
    },
  },

  queue_workers: {
    clock: 'virtual',
    main: async (print) => {
      async function worker(name: string, queue: Queue<number>): Promise<never> {
        for (;;) {
          const sleepFor = await queue.get();
          await sleep(sleepFor);
          queue.taskDone();
          print(`${name} has slept for ${sleepFor} units`);
        }
      }
      const loop = getRunningLoop();
      const queue = new Queue<number>();
      let totalSleepTime = 0;
      for (let i = 0; i < 12; i++) {
        const sleepFor = ((i * 7) % 5) + 1;
        totalSleepTime += sleepFor;
        queue.putNowait(sleepFor);
      }
      const tasks = [0, 1, 2].map((i) => createTask(() => worker(`worker-${i}`, queue)));
      const startedAt = loop.time();
      await queue.join();
      const totalSleptFor = units(loop, startedAt);
      for (const task of tasks) task.cancel();
      const results = await gather(...tasks, { returnExceptions: true });
      print('====');
      print(`3 workers slept in parallel for ${totalSleptFor} units`);
      print(`total expected sleep time: ${totalSleepTime} units`);
      print(`workers ended with: [${results.map((e) => r((e as Error).name)).join(', ')}]`);
    },
  },

  sync_event: {
    clock: 'virtual',
    main: async (print) => {
      async function waiter(event: Event): Promise<void> {
        print('waiting for it ...');
        await event.wait();
        print('... got it!');
      }
      const event = new Event();
      const waiterTask = createTask(() => waiter(event));
      await sleep(1);
      event.set();
      await waiterTask;
    },
  },

  sync_lock: {
    clock: 'virtual',
    // generator tasks: asyncio acquires a free lock within the step that asks for it, before the
    // other tasks of that iteration run; an async function's `await lock.run(...)` starts one
    // microtask later, after them (README, "Async-function tasks", 1.), and so would print the
    // three "wants" first
    main: async (print) => {
      function* use(lock: Lock, name: string, shared: { n: number }): Generator<unknown, void, unknown> {
        print(`${name} wants the lock`);
        yield* lock.run(function* () {
          print(`${name} holds the lock`);
          const value = shared.n;
          yield* sleep(1);
          shared.n = value + 1;
        });
        print(`${name} released it`);
      }
      const lock = new Lock();
      const shared = { n: 0 };
      await gather(...[0, 1, 2].map((i) => use(lock, `task-${i}`, shared)));
      print(`counter = ${shared.n}, locked = ${lock.locked() ? 'True' : 'False'}`);
    },
  },

  sync_condition: {
    clock: 'virtual',
    main: async (print) => {
      async function consumer(cond: Condition, name: string, items: string[]): Promise<void> {
        await cond.run(async () => {
          await cond.waitFor(() => items.length > 0);
          print(`${name} took ${items.shift()}`);
        });
      }
      async function producer(cond: Condition, items: string[]): Promise<void> {
        for (let i = 0; i < 3; i++) {
          await sleep(1);
          await cond.run(async () => {
            items.push(`item-${i}`);
            print(`produced item-${i}`);
            cond.notify();
          });
        }
      }
      const cond = new Condition();
      const items: string[] = [];
      const consumers = [0, 1, 2].map((i) => createTask(() => consumer(cond, `consumer-${i}`, items)));
      await ensureFuture(producer(cond, items));
      await gather(...consumers);
      print(items.length === 0 ? 'all consumed' : `left: ${items}`);
    },
  },

  sync_semaphore: {
    clock: 'virtual',
    main: async (print) => {
      const loop = getRunningLoop();
      async function job(sem: Semaphore, t0: number, k: number): Promise<void> {
        await sem.run(async () => {
          print(`job ${k} starts at ${units(loop, t0)}`);
          await sleep(2);
        });
        print(`job ${k} done`);
      }
      const sem = new Semaphore(2);
      const t0 = loop.time();
      await gather(...[0, 1, 2, 3, 4].map((k) => () => job(sem, t0, k)));
      print(`finished at ${units(loop, t0)}`);
    },
  },

  taskgroup: {
    clock: 'virtual',
    main: async (print) => {
      const someCoro = async (x: number) => {
        await sleep(1);
        return x * 2;
      };
      const anotherCoro = async (x: number) => {
        await sleep(2);
        return x + 1;
      };
      const failing = async (delay: number) => {
        await sleep(delay);
        throw new RangeError(`failed after ${delay}`); // Python's ValueError
      };
      let task1!: ReturnType<typeof createTask<number>>;
      let task2!: ReturnType<typeof createTask<number>>;
      await new TaskGroup().run(async (tg) => {
        task1 = tg.createTask(() => someCoro(21));
        task2 = tg.createTask(() => anotherCoro(41));
      });
      print(`Both tasks have completed now: ${task1.result()}, ${task2.result()}`);

      let sibling!: ReturnType<typeof createTask<number>>;
      try {
        await new TaskGroup().run(async (tg) => {
          sibling = tg.createTask(() => anotherCoro(5));
          tg.createTask(() => failing(1));
        });
      } catch (eg) {
        if (!(eg instanceof ExceptionGroup)) throw eg;
        const [match] = eg.split((e) => e instanceof RangeError); // except* ValueError
        print(`caught [${match!.exceptions.map((e) => r((e as Error).message)).join(', ')}]`);
      }
      print(`sibling cancelled: ${sibling.cancelled() ? 'True' : 'False'}`);
    },
  },

  timeouts: {
    clock: 'virtual',
    main: async (print) => {
      const longRunningTask = () => sleep(3600);
      async function eternity(): Promise<void> {
        await sleep(3600);
        print('yay!');
      }
      try {
        await timeout(1).run(async () => {
          await longRunningTask();
        });
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        print("The long operation timed out, but we've handled it.");
      }
      print('This statement will run regardless.');

      try {
        await waitFor(eternity, 1);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        print('timeout!');
      }

      const loop = getRunningLoop();
      const cm = timeout(null);
      try {
        await cm.run(async () => {
          cm.reschedule(loop.time() + 2);
          await longRunningTask();
        });
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        print(`rescheduled timeout expired: ${cm.expired() ? 'True' : 'False'}`);
      }
    },
  },

  contextvars_tasks: {
    clock: 'virtual',
    main: async (print) => {
      const requestId = new ContextVar<string>('request_id', { default: '-' });
      async function handle(n: number): Promise<string> {
        requestId.set(`req-${n}`);
        await sleep(n);
        print(`handler ${n} sees ${requestId.get()}`);
        return requestId.get();
      }
      requestId.set('main');
      // gather wraps each coroutine in a task with a copy of the context: pass the functions
      const results = await gather(
        () => handle(2),
        () => handle(1),
      );
      print(`results [${results.map(r).join(', ')}]`);
      print(`main sees ${requestId.get()}`);
      const ctx = copyContext();
      ctx.run(() => requestId.set('in-copy'));
      print(`copy sees ${ctx.get(requestId)}, main still sees ${requestId.get()}`);
    },
  },

  executor: {
    clock: 'monotonic',
    main: async (print) => {
      const loop = getRunningLoop();
      // a worker has no /dev/urandom handle of ours: crypto's random bytes are the same blocking read
      let result: unknown = await loop.runInExecutor(null, () => globalThis.crypto.getRandomValues(new Uint8Array(100)));
      print('default thread pool', (result as Uint8Array).length, 'bytes');
      result = await loop.runInExecutor(null, () => {
        let s = 0;
        for (let i = 0; i < 10 ** 5; i++) s += i * i;
        return s;
      });
      print('custom pool', result);
      await loop.shutdownDefaultExecutor();
    },
  },

  threadsafe: {
    clock: 'monotonic',
    main: async (print) => {
      const loop = getRunningLoop();
      const done = new Event();
      loop.expose('add', async (a: number, b: number) => {
        await sleep(0.01);
        return a + b;
      });
      loop.expose('say', (text: string) => print(text));
      loop.expose('done', () => done.set());
      // the thread: a Node worker running the built package, holding a port to this loop
      const source = `
        const { workerData } = require('node:worker_threads');
        (async () => {
          const { connect } = await import(workerData.dist);
          const remote = connect(workerData.port);
          const result = await remote.runThreadsafe('add', 1, 2);
          await remote.runThreadsafe('say', 'the thread got ' + result);
          remote.callSoonThreadsafe('say', 'called soon from the thread');
          remote.callSoonThreadsafe('done');
          remote.close?.();
        })();`;
      const worker = new Worker(source, { eval: true, workerData: { port: loop.port(), dist: new URL('../dist/index.js', import.meta.url).href } });
      try {
        await done.wait();
        print('main is done');
      } finally {
        await worker.terminate();
      }
    },
  },

  subprocess_shell: {
    clock: 'monotonic',
    main: async (print) => {
      const decode = (b: Uint8Array) => new TextDecoder().decode(b);
      async function runCmd(cmd: string): Promise<void> {
        const proc = await createSubprocessShell(cmd, { stdout: PIPE, stderr: PIPE });
        const [stdout, stderr] = await proc.communicate();
        print(`[${r(cmd)} exited with ${proc.returncode}]`);
        if (stdout !== null && stdout.length > 0) print(`[stdout]\n${decode(stdout)}`);
        if (stderr !== null && stderr.length > 0) print(`[stderr]\n${decode(stderr)}`);
      }
      await ensureFuture(runCmd('echo hello'));
      await ensureFuture(runCmd('echo out; echo oops >&2; exit 3'));
    },
  },

  streams_echo: {
    clock: 'monotonic',
    main: async (print) => {
      const encode = (s: string) => new TextEncoder().encode(s);
      const decode = (b: Uint8Array) => new TextDecoder().decode(b);
      async function handleEcho(reader: import('../bindings/node.js').StreamReader, writer: import('../bindings/node.js').StreamWriter): Promise<void> {
        const data = await reader.read(100);
        const message = decode(data);
        print(`Received ${r(message)} from the client`);
        print(`Send: ${r(message)}`);
        writer.write(data);
        await writer.drain();
        print('Close the connection');
        writer.close();
        await writer.waitClosed();
      }
      async function tcpEchoClient(message: string, port: number): Promise<void> {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        print(`Send: ${r(message)}`);
        writer.write(encode(message));
        await writer.drain();
        const data = await reader.read(100);
        print(`Received: ${r(decode(data))}`);
        print('Close the client');
        writer.close();
        await writer.waitClosed();
      }
      const server = await startServer(handleEcho, '127.0.0.1', 0);
      const port = (server.sockets[0]!.getsockname() as [string, number])[1];
      print('Serving');
      try {
        // async with server: closed on the way out
        await ensureFuture(tcpEchoClient('Hello World!', port));
      } finally {
        server.close();
        await server.waitClosed();
      }
      print('Server closed');
    },
  },
};

/** CPython's output of each program, run once for both cores (in parallel). */
const expected = new Map<string, Promise<string>>();
beforeAll(() => {
  if (!havePython) return;
  for (const name of Object.keys(PROGRAMS))
    expected.set(
      name,
      execFileP(PYTHON, [new URL('_virtual_clock.py', dir).pathname, new URL(`${name}.py`, dir).pathname], { timeout: 60_000 }).then(({ stdout }) => stdout),
    );
});

describe.each(CORES)("Python's documentation programs, beside CPython (%s core)", (core) => {
  for (const [name, program] of Object.entries(PROGRAMS)) {
    it.skipIf(!havePython)(`${name}.py prints what CPython prints`, async () => {
      const lines: string[] = [];
      const print: Print = (...parts) => void lines.push(parts.map(String).join(' '));
      await run(() => program.main(print), { core, clock: program.clock });
      const py = await expected.get(name)!;
      expect(lines.join('\n') + '\n').toBe(py);
    });
  }
});

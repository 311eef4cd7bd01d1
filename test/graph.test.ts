/**
 * Who awaits whom: captureCallGraph / formatCallGraph / printCallGraph, ported from CPython's
 * Lib/test/test_asyncio/test_graph.py (3.14), for async-function and generator tasks, on both cores.
 *
 * What differs from asyncio, by necessity: JavaScript cannot look inside a suspended coroutine, so
 * a task that is not the current one shows only its coroutine function (when it has a name), where
 * asyncio shows every frame of its await chain; and the current task's stack comes from the
 * host's stack trace, so only function names are compared (not whether a frame is async).
 */
// proves: §5.7
import { describe, expect, it } from 'vitest';
import {
  Future,
  RuntimeError,
  Task,
  TaskGroup,
  captureCallGraph,
  formatCallGraph,
  gather,
  printCallGraph,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
  type EventLoop,
  type FutureCallGraph,
} from '../bindings/index.js';
import { parseStack } from '../bindings/toolkit/graph.js';
import { CORES, vloop } from './helpers.js';

type Walked = [string, string[], Walked[]];

/** test_graph.py's capture_test_stack: the task names (T<anon> for default names), stack function names, sorted awaiters. */
function walk(g: FutureCallGraph): Walked {
  const f = g.future;
  const label = f instanceof Task ? (/^Task-\d+$/.test(f.getName()) ? 'T<anon>' : `T<${f.getName()}>`) : 'F';
  const by = g.awaitedBy.map(walk).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [label, g.callStack.map((e) => e.name), by];
}

function run(loop: EventLoop, main: () => unknown): Promise<unknown> {
  return loop.runUntilComplete(loop.createTask(main as () => Promise<unknown>));
}

/** test_graph.py's c1() and deep(): c1 sleeps, then awaits deep, which sleeps and captures the current task's graph. */
function deepChain(got: (w: Walked) => void): () => Promise<void> {
  async function deep() {
    await sleep(0);
    got(walk(captureCallGraph()!));
  }
  return async function c1() {
    await sleep(0);
    await deep();
  };
}

describe.each(CORES)('call graph (%s core)', (core) => {
  it('test_graph.test_stack_tgroup: a task awaited by its TaskGroup parent and by two sibling tasks', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    let text = '';
    function c5() {
      stack = walk(captureCallGraph()!);
      text = formatCallGraph();
    }
    async function c4() {
      await sleep(0);
      c5();
    }
    async function c3() {
      await c4();
    }
    async function c2() {
      await c3();
    }
    const c1For = (task: Task<unknown>) =>
      async function c1() {
        await task;
      };
    async function main() {
      await new TaskGroup().run((tg) => {
        const task = tg.createTask(c2, { name: 'c2_root' });
        tg.createTask(c1For(task), { name: 'sub_main_1' });
        tg.createTask(c1For(task), { name: 'sub_main_2' });
      });
    }
    await run(loop, main);
    expect(stack).toEqual([
      'T<c2_root>',
      ['c5', 'c4', 'c3', 'c2'],
      [
        ['T<anon>', ['main'], []],
        ['T<sub_main_1>', ['c1'], [['T<anon>', ['main'], []]]],
        ['T<sub_main_2>', ['c1'], [['T<anon>', ['main'], []]]],
      ],
    ]);
    expect(text).toMatch(/^\* Task\(name="c2_root", id=0x[0-9a-f]+\)\n {2}\+ Call stack:\n {2}\| {3}File ".*graph\.test.*", line \d+, in c5\(\)/);
    expect(text).toContain('in async main()');
    // the parent shows once; where it awaits again it is a reference
    expect(text.match(/\(shown above\)/g)).toHaveLength(2);
    loop.close();
  });

  it('test_graph.test_stack_tgroup, generator tasks: the stack of delegating generators', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    function* c5(): Generator<unknown, void, unknown> {
      stack = walk(captureCallGraph()!);
    }
    function* c4() {
      yield* sleep(0);
      yield* c5();
    }
    function* c3() {
      yield* c4();
    }
    function* c2() {
      yield* c3();
    }
    const c1For = (task: Task<unknown>) =>
      function* c1() {
        yield* task;
      };
    function* main() {
      yield* new TaskGroup().run((tg) => {
        const task = tg.createTask(c2, { name: 'c2_root' });
        tg.createTask(c1For(task), { name: 'sub_main_1' });
      });
    }
    await run(loop, main);
    expect(stack).toEqual(['T<c2_root>', ['c5', 'c4', 'c3', 'c2'], [['T<anon>', ['main'], []], ['T<sub_main_1>', ['c1'], [['T<anon>', ['main'], []]]]]]);
    loop.close();
  });

  it('test_graph.test_stack_async_gen: code an async generator runs after a native await is outside the task (README)', async () => {
    const loop = vloop(core);
    let current: unknown = 'unset';
    let ofTask: Walked | null = null;
    let task: Task<unknown> | null = null;
    async function genNestedCall() {
      // asyncio runs this inside the task; here `for await` resumed `main` through a native promise
      current = captureCallGraph();
      ofTask = walk(captureCallGraph(task)!);
    }
    async function* gen() {
      for (let num = 0; num < 2; num++) {
        yield num;
        if (num === 1) await genNestedCall();
      }
    }
    async function main() {
      for await (const _ of gen());
    }
    task = loop.createTask(main);
    await loop.runUntilComplete(task);
    expect(current).toBe(null);
    expect(ofTask).toEqual(['T<anon>', ['main'], []]);
    loop.close();
  });

  it('test_graph.test_stack_gather: a gathered child is awaited by the task that gathers', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    const c1 = deepChain((w) => (stack = w));
    async function c2() {
      await sleep(0);
    }
    async function main() {
      await gather(c1, c2);
    }
    await run(loop, main);
    expect(stack).toEqual(['T<anon>', ['deep', 'c1'], [['T<anon>', ['main'], []]]]);
    loop.close();
  });

  it('test_graph.test_stack_gather, generator tasks', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    function* deep(): Generator<unknown, void, unknown> {
      yield* sleep(0);
      stack = walk(captureCallGraph()!);
    }
    function* c1() {
      yield* sleep(0);
      yield* deep();
    }
    function* c2() {
      yield* sleep(0);
    }
    function* main() {
      yield* gather(c1, c2);
    }
    await run(loop, main);
    expect(stack).toEqual(['T<anon>', ['deep', 'c1'], [['T<anon>', ['main'], []]]]);
    loop.close();
  });

  it('test_graph.test_stack_shield: a shielded task is awaited by the task that shields it', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    const c1 = deepChain((w) => (stack = w));
    async function main() {
      await shield(c1);
    }
    await run(loop, main);
    expect(stack).toEqual(['T<anon>', ['deep', 'c1'], [['T<anon>', ['main'], []]]]);
    loop.close();
  });

  it('test_graph.test_stack_timeout: a timeout entered inline adds no level', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    async function inner() {
      await sleep(0);
      stack = walk(captureCallGraph()!);
    }
    async function c1() {
      const tm = timeout(1);
      await tm.enter();
      try {
        await sleep(0);
        await inner();
      } finally {
        await tm.exit();
      }
    }
    async function main() {
      await shield(c1);
    }
    await run(loop, main);
    expect(stack).toEqual(['T<anon>', ['inner', 'c1'], [['T<anon>', ['main'], []]]]);
    loop.close();
  });

  it('test_graph.test_stack_wait: the tasks passed to wait() are awaited by the waiting task', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    const c1 = deepChain((w) => (stack = w));
    async function c2() {
      for (let i = 0; i < 3; i++) await sleep(0);
    }
    async function main() {
      const t1 = loop.createTask(c1);
      const t2 = loop.createTask(c2);
      for (;;) {
        const [, pending] = await wait([t1, t2]);
        if (pending.size === 0) break;
      }
    }
    await run(loop, main);
    expect(stack).toEqual(['T<anon>', ['deep', 'c1'], [['T<anon>', ['main'], []]]]);
    loop.close();
  });

  it('test_graph.test_stack_task: a task awaited directly by another', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    async function inner() {
      await sleep(0);
      stack = walk(captureCallGraph()!);
    }
    async function c1() {
      await inner();
    }
    async function c2() {
      await loop.createTask(c1, { name: 'there there' });
    }
    async function main() {
      await c2();
    }
    await run(loop, main);
    expect(stack).toEqual(['T<there there>', ['inner', 'c1'], [['T<anon>', ['main'], []]]]);
    loop.close();
  });

  it('test_graph.test_stack_future: a future awaited by two tasks, each awaited by the TaskGroup parent', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    let text = '';
    async function a2(fut: Future<unknown>) {
      await fut;
    }
    const a1For = (fut: Future<unknown>) =>
      async function a1() {
        await a2(fut);
      };
    // a generator task awaiting the same future
    const b1For = (fut: Future<unknown>) =>
      function* b1() {
        yield* fut;
      };
    async function main() {
      const fut = loop.createFuture<unknown>();
      await new TaskGroup().run(async (g) => {
        g.createTask(a1For(fut), { name: 'task A' });
        g.createTask(b1For(fut), { name: 'task B' });
        for (let i = 0; i < 5; i++) await sleep(0);
        stack = walk(captureCallGraph(fut)!);
        text = formatCallGraph(fut);
        fut.setResult(null);
      });
    }
    await run(loop, main);
    expect(stack).toEqual(['F', [], [['T<task A>', ['a1'], [['T<anon>', ['main'], []]]], ['T<task B>', ['b1'], [['T<anon>', ['main'], []]]]]]);
    expect(text.startsWith('* Future(id=')).toBe(true);
    expect(text).toContain('in generator b1()');
    expect(text).toContain('in async a1()');
    loop.close();
  });

  it('waitFor: the task waited for is awaited by the waiting task; done tasks are forgotten', async () => {
    const loop = vloop(core);
    let stack: Walked | null = null;
    let after: Walked | null = null;
    let child: Task<unknown> | null = null;
    async function inner() {
      await sleep(0);
      stack = walk(captureCallGraph()!);
    }
    async function main() {
      child = loop.createTask(inner, { name: 'child' });
      await waitFor(child, 10);
      after = walk(captureCallGraph(child)!);
    }
    await run(loop, main);
    expect(stack).toEqual(['T<child>', ['inner'], [['T<anon>', ['main'], []]]]);
    expect(after).toEqual(['T<child>', ['inner'], []]);
    loop.close();
  });

  it('gather and shield forget their awaiter once the child is done', async () => {
    const loop = vloop(core);
    let a: Task<unknown> | null = null;
    let b: Task<unknown> | null = null;
    async function main() {
      a = loop.createTask(async () => sleep(1));
      b = loop.createTask(async () => sleep(1));
      await gather(a, shield(b));
    }
    await run(loop, main);
    expect(captureCallGraph(a!)!.awaitedBy).toEqual([]);
    expect(captureCallGraph(b!)!.awaitedBy).toEqual([]);
    expect(a!._awaitedBy).toBeNull();
    expect(b!._awaitedBy).toBeNull();
    loop.close();
  });

  it('linear on a DAG: layers of tasks each gathering the whole layer below stay one node per task', async () => {
    const loop = vloop(core);
    const layers = 24;
    const width = 2;
    const bottom = loop.createFuture<void>();
    let graph: FutureCallGraph | null = null;
    let text = '';
    async function main() {
      let below: Future<unknown>[] = [bottom];
      for (let k = 0; k < layers; k++) {
        const prev = below;
        below = [];
        for (let i = 0; i < width; i++) below.push(loop.createTask(async () => gather(...prev)));
      }
      await sleep(0);
      await sleep(0);
      graph = captureCallGraph(bottom);
      text = formatCallGraph(bottom);
      bottom.setResult();
      await gather(...below);
    }
    await run(loop, main);
    // a tree would have 2^24 paths; the DAG has one node per future and one line per edge
    const nodes = new Set<FutureCallGraph>();
    const visit = (n: FutureCallGraph) => {
      if (nodes.has(n)) return;
      nodes.add(n);
      n.awaitedBy.forEach(visit);
    };
    visit(graph!);
    expect(nodes.size).toBe(1 + layers * width);
    expect(text.split('\n').filter((l) => l.includes('* ')).length).toBe(1 + width + (layers - 1) * width * width);
    loop.close();
  });

  it('depth skips frames from the top, limit keeps the newest (positive) or the oldest (negative)', async () => {
    const loop = vloop(core);
    const seen: string[][] = [];
    function probe() {
      seen.push(captureCallGraph(null, { depth: 2 })!.callStack.map((e) => e.name));
      seen.push(captureCallGraph(null, { limit: 2 })!.callStack.map((e) => e.name));
      seen.push(captureCallGraph(null, { limit: -1 })!.callStack.map((e) => e.name));
      seen.push(captureCallGraph(null, { limit: 0 })!.callStack.map((e) => e.name));
    }
    function outer() {
      probe();
    }
    async function main() {
      await sleep(0);
      outer();
    }
    await run(loop, main);
    expect(seen).toEqual([['outer', 'main'], ['probe', 'outer'], ['main'], []]);
    loop.close();
  });

  it('printCallGraph writes formatCallGraph text; no current task: null and nothing printed', async () => {
    const loop = vloop(core);
    const printed: string[] = [];
    let inCallback: unknown = 'unset';
    const info = console.info;
    const shown: unknown[] = [];
    async function main() {
      printCallGraph(null, { write: (s) => printed.push(s) });
      console.info = (...a: unknown[]) => void shown.push(...a);
      try {
        printCallGraph(); // by default to standard output, without the last newline
      } finally {
        console.info = info;
      }
    }
    await run(loop, main);
    const sameLine = (t: string) => t.replace(/line \d+/g, 'line N');
    expect(shown.map((t) => sameLine(String(t)))).toEqual([sameLine(printed[0]!.replace(/\n$/, ''))]);
    loop.callSoon(() => {
      inCallback = captureCallGraph();
      printCallGraph(null, { write: (s) => printed.push(s) });
      loop.stop();
    });
    await loop.runForever();
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^\* Task\(name="Task-\d+", id=0x[0-9a-f]+\)\n {2}\+ Call stack:\n {2}\| {3}File ".*", line \d+, in (async )?main\(\)\n$/);
    expect(inCallback).toBe(null);
    loop.close();
  });

  it('errors: outside a running loop without a future; not a future; bad depth or limit', () => {
    const loop = vloop(core);
    expect(() => captureCallGraph()).toThrow(RuntimeError);
    expect(() => captureCallGraph({} as never)).toThrow(TypeError);
    const fut = loop.createFuture();
    const g = captureCallGraph(fut)!;
    expect(g.future).toBe(fut);
    expect([g.callStack, g.awaitedBy]).toEqual([[], []]);
    expect(() => captureCallGraph(fut, { depth: 0 })).toThrow(RangeError);
    expect(() => captureCallGraph(fut, { limit: 1.5 })).toThrow(RangeError);
    loop.close();
  });
});

describe('call graph: reading host stack traces', () => {
  it('V8: generator frames (followed by their next), async frames, cut at the task step', () => {
    const v8 = [
      'Error',
      '    at c5 (file:///app/main.js:1:28)',
      '    at g4 (file:///app/main.js:2:17)',
      '    at g4.next (<anonymous>)',
      '    at g3 (file:///app/main.js:3:24)',
      '    at g3.next (<anonymous>)',
      '    at Task._stepGenerator (file:///app/wasmloop.js:9:9)',
      '    at Task._step (file:///app/wasmloop.js:8:8)',
    ].join('\n');
    expect(parseStack(v8).map((e) => `${e.kind} ${e.name} ${e.file}:${e.line}:${e.column}`)).toEqual([
      'sync c5 file:///app/main.js:1:28',
      'generator g4 file:///app/main.js:2:17',
      'generator g3 file:///app/main.js:3:24',
    ]);
    const asyncStack = ['Error', '    at c5 (/app/a.js:1:1)', '    at a4 (/app/a.js:7:34)', '    at async a3 (/app/a.js:8:22)', '    at async a2 (/app/a.js:9:22)'].join('\n');
    expect(parseStack(asyncStack).map((e) => `${e.kind} ${e.name}`)).toEqual(['sync c5', 'sync a4', 'async a3', 'async a2']);
  });

  it('JavaScriptCore and SpiderMonkey: name@file:line:column frames', () => {
    const jsc = ['c5@/app/a.js:1:28', 'g4@/app/a.js:2:17', 'next@[native code]', 'async a3@/app/a.js:8:22', '_stepGenerator@/app/wasmloop.js:9:9', 'x@/app/a.js:1:1'].join('\n');
    expect(parseStack(jsc).map((e) => `${e.kind} ${e.name} ${e.line}`)).toEqual(['sync c5 1', 'generator g4 2', 'async a3 8']);
  });
});

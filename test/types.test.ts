/**
 * Type-level tests: `yield*` and `await` of wasmloop awaitables infer their result types.
 * Checked by `npm run typecheck` (tsc over test/); at run time they just run the code.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  Lock,
  Queue,
  TaskGroup,
  createTask,
  ensureFuture,
  gather,
  shield,
  sleep,
  timeout,
  waitFor,
  wait,
  type Coro,
  type Future,
  type Task,
} from '../bindings/index.js';
import { runTask, vloop } from './helpers.js';

describe('types', () => {
  it('yield* in a generator task infers the result of each awaitable', async () => {
    const loop = vloop('js');
    await runTask(loop, function* () {
      const v = yield* sleep(1, 'x');
      expectTypeOf(v).toEqualTypeOf<string>();
      const nothing = yield* sleep(0);
      expectTypeOf(nothing).toEqualTypeOf<void>();
      const f = loop.createFuture<number>();
      f.setResult(1);
      expectTypeOf(yield* f).toEqualTypeOf<number>();
      const q = new Queue<number>();
      q.putNowait(3);
      expectTypeOf(yield* q.get()).toEqualTypeOf<number>();
      expectTypeOf(q.get()).toEqualTypeOf<Coro<number>>();
      expectTypeOf(yield* new Lock().acquire()).toEqualTypeOf<boolean>();
      const both = yield* gather(sleep(0, 'a'), sleep(0, 2));
      expectTypeOf(both).toEqualTypeOf<[string, number]>();
      expectTypeOf(yield* waitFor(sleep(0, true), 1)).toEqualTypeOf<boolean>();
      const inTime = yield* timeout(5).run(function* () {
        yield* sleep(0);
        return 5;
      });
      expectTypeOf(inTime).toEqualTypeOf<number>();
      const child = createTask(function* () {
        yield* sleep(0);
        return 'child';
      });
      expectTypeOf(child).toEqualTypeOf<Task<string>>();
      expectTypeOf(yield* child).toEqualTypeOf<string>();
      expectTypeOf(yield* shield(child)).toEqualTypeOf<string>();
      const [done] = yield* wait([child]);
      expectTypeOf(done).toEqualTypeOf<Set<Future<string>>>();
      expectTypeOf(yield* ensureFuture<number>(Promise.resolve(1))).toEqualTypeOf<number>();
    });
    loop.close();
  });

  it('await in an async-function task infers the same types', async () => {
    const loop = vloop('js');
    await runTask(loop, async () => {
      expectTypeOf(await sleep(0, 5)).toEqualTypeOf<number>();
      const q = new Queue<string>();
      q.putNowait('s');
      expectTypeOf(await q.get()).toEqualTypeOf<string>();
      const t = createTask(async () => 'x');
      expectTypeOf(await t).toEqualTypeOf<string>();
      const r = await new TaskGroup().run(async (tg) => {
        expectTypeOf(tg).toEqualTypeOf<TaskGroup>();
        return 1n;
      });
      expectTypeOf(r).toEqualTypeOf<bigint>();
      expectTypeOf(await gather(sleep(0, 'a'), t)).toEqualTypeOf<[string, string]>();
    });
    loop.close();
  });
});

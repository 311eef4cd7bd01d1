/**
 * API.md §6, contextvars: ContextVar get/set/reset with tokens, Context, copyContext(); each task
 * runs in its own copy; callbacks run in the context they were scheduled with.
 */
// proves: §2.6, §6.5
import { describe, expect, it } from 'vitest';
import { Context, ContextVar, RuntimeError, Token, copyContext, gather, sleep } from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe('ContextVar and Context', () => {
  it('get: the value set, else the argument, else the default, else LookupError', () => {
    const a = new ContextVar<number>('a', { default: 1 });
    const b = new ContextVar<number>('b');
    new Context().run(() => {
      expect(a.get()).toBe(1);
      expect(a.get(5)).toBe(5);
      expect(b.get(7)).toBe(7);
      expect(() => b.get()).toThrow(expect.objectContaining({ name: 'LookupError', message: '<ContextVar name="b">' }));
      a.set(2);
      expect(a.get(5)).toBe(2);
    });
    expect(() => new ContextVar(3 as never)).toThrow(new TypeError('context variable name must be a str'));
    expect(String(a)).toBe('<ContextVar name="a">');
  });

  it('set returns a token; reset restores the old value, or removes the variable', () => {
    const v = new ContextVar<string>('v');
    new Context().run(() => {
      const t1 = v.set('one');
      expect(t1).toBeInstanceOf(Token);
      expect(t1.var).toBe(v);
      expect(t1.oldValue).toBe(Token.MISSING);
      const t2 = v.set('two');
      expect(t2.oldValue).toBe('one');
      v.reset(t2);
      expect(v.get()).toBe('one');
      v.reset(t1);
      expect(v.get('gone')).toBe('gone');
      expect(() => v.reset(t1)).toThrow(RuntimeError);
    });
  });

  it('reset refuses a token of another variable or of another context', () => {
    const v = new ContextVar<number>('v');
    const w = new ContextVar<number>('w');
    let token!: Token<number>;
    new Context().run(() => {
      token = v.set(1);
      expect(() => w.reset(token as never)).toThrow(RangeError);
    });
    new Context().run(() => expect(() => v.reset(token)).toThrow(RangeError));
    expect(() => v.reset({} as never)).toThrow(TypeError);
  });

  it('Context.run keeps changes in that context; it cannot be entered twice at once', () => {
    const v = new ContextVar<string>('v', { default: 'outside' });
    const ctx = new Context();
    ctx.run(() => v.set('inside'));
    expect(v.get()).toBe('outside');
    expect(ctx.get(v)).toBe('inside');
    expect(ctx.run(() => v.get())).toBe('inside');
    expect(() => ctx.run(() => ctx.run(() => 0))).toThrow(RuntimeError);
  });

  it('copyContext is a snapshot: later changes on either side are not shared', () => {
    const v = new ContextVar<number>('v', { default: 0 });
    new Context().run(() => {
      v.set(1);
      const copy = copyContext();
      v.set(2);
      expect(copy.get(v)).toBe(1);
      copy.run(() => v.set(3));
      expect(v.get()).toBe(2);
      expect(copy.get(v)).toBe(3);
    });
  });

  it('a Context is a read-only mapping of variables', () => {
    const a = new ContextVar<number>('a');
    const b = new ContextVar<number>('b');
    const ctx = new Context();
    ctx.run(() => {
      a.set(1);
      b.set(2);
    });
    expect(ctx.size).toBe(2);
    expect(ctx.has(a)).toBe(true);
    expect([...ctx]).toEqual([a, b]);
    expect([...ctx.values()]).toEqual([1, 2]);
    expect([...ctx.entries()]).toEqual([
      [a, 1],
      [b, 2],
    ]);
    expect(ctx.get(new ContextVar('c'), 'dflt')).toBe('dflt');
  });
});

describe.each(CORES)('contexts of callbacks and tasks (%s core)', (core) => {
  it('a callback runs in a copy of the context current when it was scheduled; its changes are dropped', async () => {
    const loop = vloop(core);
    const v = new ContextVar<string>('v', { default: 'none' });
    const seen: string[] = [];
    copyContext().run(() => {
      v.set('at schedule time');
      loop.callSoon(() => {
        seen.push(v.get());
        v.set('changed by the callback');
      });
      loop.callLater(1, () => seen.push(v.get()));
      v.set('later');
    });
    loop.callLater(2, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(['at schedule time', 'at schedule time']);
    loop.close();
  });

  it('a callback given a Context runs in it and keeps its changes there', async () => {
    const loop = vloop(core);
    const v = new ContextVar<number>('v', { default: 0 });
    const ctx = new Context();
    loop.callSoon(() => v.set(v.get() + 1), ctx);
    loop.callSoon(() => v.set(v.get() + 1), ctx);
    await iterations(loop, 1);
    expect(ctx.get(v)).toBe(2);
    expect(v.get()).toBe(0);
    loop.close();
  });

  it('each task runs in its own copy: concurrent tasks setting the same variable never see each other', async () => {
    const loop = vloop(core);
    const v = new ContextVar<string>('v', { default: 'root' });
    function* gen(name: string): Generator<unknown, string[], unknown> {
      const seen = [v.get()];
      v.set(name);
      yield* sleep(1);
      seen.push(v.get());
      return seen;
    }
    async function asy(name: string): Promise<string[]> {
      const seen = [v.get()];
      v.set(name);
      await sleep(1);
      seen.push(v.get());
      return seen;
    }
    const out = await runTask(loop, function* () {
      v.set('parent');
      const r = yield* gather(
        () => gen('g1'),
        () => gen('g2'),
        () => asy('a1'),
        () => asy('a2'),
      );
      return [...r, v.get()];
    });
    expect(out).toEqual([['parent', 'g1'], ['parent', 'g2'], ['parent', 'a1'], ['parent', 'a2'], 'parent']);
    expect(v.get()).toBe('root');
    loop.close();
  });

  it('done callbacks of a task run in the context they were added in, not the task one', async () => {
    const loop = vloop(core);
    const v = new ContextVar<string>('v', { default: 'outer' });
    const seen: string[] = [];
    const t = loop.createTask(function* () {
      v.set('task');
      yield;
    });
    t.addDoneCallback(() => seen.push(v.get()));
    await loop.runUntilComplete(t);
    await iterations(loop, 1);
    expect(seen).toEqual(['outer']);
    loop.close();
  });
});

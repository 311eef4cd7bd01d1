/** API.md §5 (§5.8: the reported handle is an equal view outside debug mode): the exception handler, debug mode, representation. */
// proves: §2.14, §5.1, §5.2, §5.3, §5.8
import { describe, expect, it } from 'vitest';
import { ContextVar, Handle, RuntimeError, TimerHandle, copyContext, newEventLoop, type ExceptionContext } from '../bindings/index.js';
import { host } from '../bindings/hosts/index.js';
import { CORES, captureConsole, iterations, vloop } from './helpers.js';

/**
 * Sets (or with undefined, unsets) an environment variable through `process.env` where the host
 * has one the suite may write (Node, Bun); returns whether the host adapter now reads `value`.
 */
function setEnv(name: string, value: string | undefined): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  try {
    if (env === undefined) return false;
    if (value === undefined) delete env[name];
    else env[name] = value;
  } catch {
    return false; // Deno without --allow-env refuses the write
  }
  return host.env(name) === value;
}

describe.each(CORES)('errors, debug and repr (%s core)', (core) => {
  it('an exception in a callback never stops the loop: it goes to the exception handler', async () => {
    const loop = vloop(core);
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((l, ctx) => {
      expect(l).toBe(loop);
      contexts.push(ctx);
    });
    const err = new Error('boom');
    const seen: string[] = [];
    function failing() {
      throw err;
    }
    const h = loop.callSoon(failing);
    loop.callSoon(() => seen.push('after'));
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(['after']);
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.exception).toBe(err);
    // §5.8: an equal view of the user's handle (the loop keeps none), showing the same
    expect(contexts[0]!.handle).toBeInstanceOf(Handle);
    expect(String(contexts[0]!.handle)).toBe(String(h));
    expect(contexts[0]!.message).toBe('Exception in callback failing()');
    loop.close();
  });

  it('§5.8 the reported handle is an equal view: it reprs, cancels and shows the context and when() as the user\'s', async () => {
    const loop = vloop(core);
    const reported: Handle[] = [];
    loop.setExceptionHandler((_l, ctx) => void reported.push(ctx.handle!));
    const v = new ContextVar<string>('v', { default: 'unset' });
    const ctx = copyContext();
    ctx.run(() => v.set('mine'));
    function throwing(a: number, b: string): void {
      throw new Error(`${a}${b}`);
    }
    const soon = loop.callSoon(throwing, 1, 'x', ctx);
    const timer = loop.callLater(2, throwing, 2, 'y');
    const later = loop.callSoon(throwing, 3, 'z');
    loop.callLater(3, () => loop.stop());
    await loop.runForever();
    expect(reported).toHaveLength(3);
    const [rs, rl, rt] = reported as [Handle, Handle, TimerHandle]; // the two ready ones first, then the timer
    expect(rs).not.toBe(soon); // a view, not the same object (debug mode keeps that: below)
    expect(String(rs)).toBe(String(soon));
    expect(String(rs)).toBe('<Handle throwing(1, "x")>');
    expect(rs.getContext()).toBe(soon.getContext()); // the explicit Context itself
    expect(rs.getContext().get(v)).toBe('mine');
    expect(rt).toBeInstanceOf(TimerHandle);
    expect(rt.when()).toBe(timer.when());
    expect(String(rt)).toBe(String(timer));
    expect(rl.cancelled()).toBe(later.cancelled());
    // cancelling the view after its callback ran is what cancelling the user's is: marked, nothing else
    rl.cancel();
    later.cancel();
    expect(rl.cancelled()).toBe(true);
    expect(String(rl)).toBe(String(later));
    expect(String(rl)).toBe('<Handle cancelled>');
    // and in debug mode the report carries the user's own handle
    loop.setDebug(true);
    const own = loop.callSoon(throwing, 4, 'w');
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(reported[3]).toBe(own);
    loop.close();
  });

  it('§5.8 a view, like the user\'s handle, cancels nothing once its slot serves another callback', async () => {
    const loop = vloop(core);
    const views: Handle[] = [];
    const ran: string[] = [];
    loop.setExceptionHandler((_l, ctx) => void views.push(ctx.handle!));
    const first = loop.callSoon(() => {
      throw new Error('first');
    });
    await iterations(loop, 2); // it ran in the first, the second tick freed its slot
    // the freed slot serves the next callbacks (the free stack hands out the last freed first)
    const next = Array.from({ length: 4 }, (_, i) => loop.callSoon(() => ran.push(`next${i}`)));
    expect(next.some((h) => (h as unknown as { _slot: number })._slot === (views[0] as unknown as { _slot: number })._slot)).toBe(true);
    views[0]!.cancel();
    first.cancel();
    expect(views[0]!.cancelled()).toBe(true);
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(ran).toEqual(['next0', 'next1', 'next2', 'next3']);
    loop.close();
  });
  it('the default handler logs message, exception and stack through console.error', async () => {
    const loop = vloop(core);
    expect(loop.getExceptionHandler()).toBe(null);
    const err = new Error('kaput');
    const { errors } = await captureConsole(async () => {
      loop.callSoon(function bad(_x: number) {
        throw err;
      }, 7);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
    });
    expect(errors).toHaveLength(1);
    expect(String(errors[0]![0])).toContain('Exception in callback bad(7)');
    expect(String(errors[0]![0])).toContain('handle: <Handle bad(7)>');
    expect(errors[0]![1]).toBe(err);
    loop.close();
  });

  it('a failing custom handler falls back to the default one', async () => {
    const loop = vloop(core);
    loop.setExceptionHandler(() => {
      throw new Error('handler broke');
    });
    const { errors } = await captureConsole(() => loop.callExceptionHandler({ message: 'original' }));
    expect(String(errors[0]![0])).toContain('Unhandled error in exception handler');
    expect((errors[0]![1] as Error).message).toBe('handler broke');
    loop.setExceptionHandler(null);
    expect(loop.getExceptionHandler()).toBe(null);
    for (const bad of [null, undefined, 'boom'])
      expect(() => loop.callExceptionHandler(bad as never)).toThrow(new TypeError(`callExceptionHandler() expects a context object, got ${bad === 'boom' ? 'string "boom"' : String(bad)}`));
    loop.close();
  });

  it('debug mode reports slow callbacks with where their handle was created', async () => {
    const loop = newEventLoop({ core, debug: true });
    expect(loop.getDebug()).toBe(true);
    // an empty callback is reported only if the machine stalls it for 50 ms; the slow one's figure is read, not guessed
    loop.slowCallbackDuration = 0.05;
    const { warnings } = await captureConsole(async () => {
      loop.callSoon(function slowOne() {
        const end = performance.now() + 60;
        while (performance.now() < end);
      });
      loop.callSoon(function quick() {});
      loop.callSoon(() => loop.stop());
      await loop.runForever();
    });
    expect(warnings).toHaveLength(1);
    const m = /^Executing <Handle slowOne\(\) created at .*errors\.test[.-].*> took (\d+\.\d{3}) seconds/.exec(String(warnings[0]![0]));
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(0.06);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
    loop.close();
  });

  it('debug handles remember their creation site in the default report', async () => {
    const loop = vloop(core, { debug: true });
    const { errors } = await captureConsole(async () => {
      loop.callSoon(function thrower() {
        throw new Error('x');
      });
      loop.callSoon(() => loop.stop());
      await loop.runForever();
    });
    expect(String(errors[0]![0])).toMatch(/Handle created at \(most recent call last\):[\s\S]*errors\.test[.-]/);
    loop.close();
  });

  it('WASMLOOP_DEBUG=1 turns debug mode on where the host has an environment; an explicit debug option wins', () => {
    const before = host.env('WASMLOOP_DEBUG');
    /** The repr of a new loop made with `debug` (closed at once). */
    const made = (debug?: boolean) => {
      const loop = newEventLoop(debug === undefined ? { core } : { core, debug });
      loop.close();
      return String(loop);
    };
    try {
      if (setEnv('WASMLOOP_DEBUG', '1')) {
        expect(made()).toContain('debug=true');
        expect(made(false)).toContain('debug=false');
        expect(setEnv('WASMLOOP_DEBUG', '0')).toBe(true);
        expect(made()).toContain('debug=false');
        expect(setEnv('WASMLOOP_DEBUG', undefined)).toBe(true);
      } else {
        // no environment the suite can write (a browser, Deno without --allow-env): the variable reads as unset
        expect(host.env('WASMLOOP_DEBUG')).toBe(undefined);
      }
      expect(made()).toContain('debug=false');
      expect(made(true)).toContain('debug=true');
    } finally {
      setEnv('WASMLOOP_DEBUG', before);
    }
  });

  it('repr of the loop and its handles', () => {
    const loop = vloop(core);
    expect(String(loop)).toBe(`<wasmloop.EventLoop core=${core} clock=virtual running=false closed=false debug=false>`);
    function printNow(_a?: unknown, _b?: unknown) {}
    const h = loop.callSoon(printNow);
    expect(String(h)).toBe('<Handle printNow()>');
    const t = loop.callLater(2, printNow, 'a', 1);
    expect(String(t)).toBe('<TimerHandle when=2 printNow("a", 1)>');
    t.cancel();
    expect(String(t)).toBe('<TimerHandle cancelled when=2>');
    loop.close();
    expect(String(loop)).toContain('closed=true');
  });

  it('RuntimeError and friends are Error subclasses named after their class', () => {
    const e = new RuntimeError('x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('RuntimeError');
  });
});

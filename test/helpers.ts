/** Shared by the conformance suite: every test runs on both cores. */
import { connect, newEventLoop, type EventLoop, type LoopOptions, type RemoteLoop } from '../bindings/index.js';

export const CORES = ['wasm', 'js'] as const;
export type CoreName = (typeof CORES)[number];

/** A loop on the virtual clock (exact, instant timing). */
export function vloop(core: CoreName, opts: LoopOptions = {}): EventLoop {
  return newEventLoop({ core, clock: 'virtual', ...opts });
}

/**
 * A virtual-clock loop whose core is full (maxEntries 4) of timers at 1, 2, 3 and 4 s, each noting
 * `t<k>@<time>` in `seen` (the last one stops the loop), with 'f' exposed to note `<x>@<time>`,
 * exception reports collected, and a port to it.
 */
export function fullCoreLoop(core: CoreName): { loop: EventLoop; seen: string[]; reports: { message?: string; exception?: unknown }[]; r: RemoteLoop } {
  const loop = vloop(core, { maxEntries: 4, inboxBytes: 4096 });
  const seen: string[] = [];
  const reports: { message?: string; exception?: unknown }[] = [];
  loop.setExceptionHandler((_l, ctx) => void reports.push(ctx));
  loop.expose('f', (x: string) => seen.push(`${x}@${loop.time()}`));
  for (let k = 1; k <= 4; k++)
    loop.callLater(k, () => {
      seen.push(`t${k}@${loop.time()}`);
      if (k === 4) loop.stop();
    });
  return { loop, seen, reports, r: connect(loop.port()) };
}

/** Runs `loop` until `stop()` is called or `limit` virtual seconds pass (a guard against hangs). */
export async function runFor(loop: EventLoop, limit = 1e6): Promise<void> {
  const guard = loop.callLater(limit, () => loop.stop());
  await loop.runForever();
  guard.cancel();
}

/** Captures console.error/console.warn calls while `fn` runs. */
export async function captureConsole<T>(fn: () => Promise<T> | T): Promise<{ result: T; errors: unknown[][]; warnings: unknown[][] }> {
  const errors: unknown[][] = [];
  const warnings: unknown[][] = [];
  const e = console.error;
  const w = console.warn;
  console.error = (...a: unknown[]) => void errors.push(a);
  console.warn = (...a: unknown[]) => void warnings.push(a);
  try {
    const result = await fn();
    return { result, errors, warnings };
  } finally {
    console.error = e;
    console.warn = w;
  }
}

/** Runs exactly `n` loop iterations (stop() before runForever runs one). */
export async function iterations(loop: EventLoop, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    loop.stop();
    await loop.runForever();
  }
}

/** Runs `main` (generator or function) as a task on `loop` until it is done; its result. */
export function runTask<T>(loop: EventLoop, main: Generator<unknown, T, any> | (() => Generator<unknown, T, any> | PromiseLike<T> | T)): Promise<T> {
  return loop.runUntilComplete(loop.createTask(main as () => Promise<T>));
}

/** Counts every call the loop makes into its core's `tick`, and on the WASM core into any WebAssembly export. */
export function countCalls(loop: EventLoop): { ticks: number; exports: Map<string, number> } {
  const counts = { ticks: 0, exports: new Map<string, number>() };
  const core = loop._core as any;
  const tick = core.tick.bind(core);
  core.tick = (now: number, resolution: number) => {
    counts.ticks++;
    return tick(now, resolution);
  };
  if (core.kind === 'wasm') {
    // the exports object is frozen: count through a copy whose functions count their calls
    const ex = core.ex as Record<string, unknown>;
    const counted: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(ex)) {
      counted[name] =
        typeof v !== 'function'
          ? v
          : (...args: unknown[]) => {
              counts.exports.set(name, (counts.exports.get(name) ?? 0) + 1);
              return (v as (...a: unknown[]) => unknown)(...args);
            };
    }
    core.ex = counted;
  }
  return counts;
}

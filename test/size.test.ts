/**
 * Bundle size (issue 12, item 5): what a browser app ships. Each app is bundled from the built
 * dist/ with the repository's esbuild (minified, browser platform, ESM, code splitting), as a user's
 * bundler would; the first chunk (the entry and the chunks it imports statically) is gzipped and
 * its size printed, with the whole of each package entry for comparison. The default worker pool
 * (executor.ts) is loaded by `import()` when runInExecutor first needs it: rollup (and Vite) put it
 * in a chunk of its own, checked below; esbuild keeps it in the first chunk because the entry
 * re-exports WorkerPoolExecutor (esbuild places a module every entry reaches, used or not, in a
 * shared chunk).
 *
 * The goal is 15 kB gzipped for `newEventLoop` alone, WebAssembly core included. It is not
 * met: 37.7 kB with esbuild, 36.6 kB with rollup (Dec 2026). What is in the first chunk, and why
 * (esbuild's metafile: who imports what):
 * - the loop front (loop, futures, tasks, handles, repr, errors, context, clock, attribution,
 *   callables, stats, io/host, the host adapters): every method of EventLoop is in the class;
 * - both cores: the core is chosen by a string in the constructor (`newEventLoop({ core })`);
 * - threads (ports.ts's owner side, serialize.ts's Reader, inspect.ts, the call graph's builder):
 *   `loop.port()` is synchronous and a loop blocked in runForeverSync must drain and answer
 *   submissions (remote.inspect() included) with no host turn, so none of it can wait for an
 *   `import()` (nothing a dynamic import loads can run while the thread is blocked);
 * - the trace (trace.ts, trace-ring.ts): startTrace() records at once and stopTrace() returns the
 *   trace synchronously;
 * - with esbuild, the worker pool (executor.ts): the entry re-exports WorkerPoolExecutor, and
 *   esbuild puts a module that the entry and an `import()` both reach into a chunk the entry loads.
 *   Splitting the pool's workers into a module only `import()` reaches was tried and undone:
 *   rollup with inlineDynamicImports places such a module after the app, which a top-level await
 *   in the app suspends before it runs (rollup/rollup#4166; test/package.test.ts's rollup app
 *   failed), and Vite then splits shared chunks whose preload helper needs `document`.
 * What the goal would need, measured with esbuild by bundling this app with the named modules
 * replaced by empty stubs (a scratch plugin; gzipped first chunk, saving from 36.4 kB):
 *   port()/expose() as functions of a threads entry (ports, serialize, inspect, graph)   -4.6 kB
 *   startTrace()/stopTrace()/traceBuffers() as functions of a trace entry                -3.5 kB
 *   WorkerPoolExecutor in an entry of its own (esbuild only; rollup already leaves it)  -1.5 kB
 *   one core per app, chosen by import: a WASM app without the JS core                   -2.3 kB
 *                                      a JS-core app without the WebAssembly core        -5.5 kB
 *   the host adapters of Node, Deno and Bun left out of a browser build                  -0.8 kB
 *   no load metrics (stats.ts)                                                            -0.6 kB
 * All of them together: 22.2 kB with the WebAssembly core, 19.0 kB with the JS core; the bare
 * loop (loop, futures, tasks, one core, every host adapter, stats) is 23.7 kB (WASM) or 20.5 kB (JS).
 * Without any core the loop front alone (hosts and stats included) is 16.8 kB, of which 2.8 kB are
 * error messages longer than 20 characters. The WebAssembly core adds 6.9 kB to it, the JS core
 * 3.7 kB: beyond every API decision above, 15 kB needs a loop front of about 8 kB with the
 * WebAssembly core (half of today's) or about 11 kB with the JS core. BUDGET is the size measured
 * now plus a margin: a change that makes the bundle grow fails here, and BUDGET comes down as the
 * size does.
 *
 * @needs npm — bundles dist/ (built by `npm run build`) with the repository's esbuild
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Gzipped bytes of the first chunk of the `newEventLoop`-only app (goal: 15 kB). */
// 35.1 kB when the size work landed; 38.3 kB after the same session's trace ring, slot tables and
// clock object joined the loop; 36.4 kB once the toolkit's coroutines and the call graph's stack
// parser left it (the header has the account); 37.7 kB after the next round's merges (the host's
// refusal of a WebAssembly memory and the spare memories +0.3, the traced batch of its own and the
// ring's one-record iterations +0.7, the callback path's local copies of imports +0.3)
const BUDGET = 38_000;
/** Strings of modules an app that uses newEventLoop alone must not ship: coro.ts's driver symbol, toolkit/graph.ts's stack parser. */
const LEFT_OUT = ['wasmloop.driver', 'processTicksAndRejections'];
/** A line of the default pool's worker source (executor.ts WORKER_SOURCE): the pool's code is in a bundle where it is. */
const POOL_MARK = 'compiled.set(m.src';

interface Size {
  min: number;
  gz: number;
}

/** Bundles `source` (which imports from 'wasmloop…', resolved to dist/); the first chunk's sizes and text. */
async function firstChunk(source: string): Promise<Size & { text: string }> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'js' },
    alias: { wasmloop: join(DIST, 'index.js'), 'wasmloop/web': join(DIST, 'web.js'), 'wasmloop/pyodide': join(DIST, 'pyodide.js') },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    outdir: join(ROOT, 'build', 'size'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const byPath = new Map(result.outputFiles.map((f) => [f.path, f.text]));
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((o) => outputs[o]!.entryPoint === '<stdin>')!;
  // the entry and what it imports statically, transitively: what loads before the app runs
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const o = todo.pop()!;
    if (seen.has(o)) continue;
    seen.add(o);
    for (const i of outputs[o]!.imports) if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
  }
  const text = [...seen].map((o) => byPath.get(join(ROOT, o)) ?? '').join('\n');
  return { min: text.length, gz: gzipSync(text, { level: 9 }).length, text };
}

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

beforeAll(() => {
  if (!existsSync(join(DIST, 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first (`npm test` does)');
});

/** Bundles `source` with rollup (node-resolve, browser), splitting at import(): the entry chunk's code and every chunk's. */
async function rollupChunks(source: string): Promise<{ entry: string; all: string }> {
  const bundle = await rollup({
    input: 'app',
    plugins: [
      {
        name: 'app',
        resolveId: (id) => (id === 'app' ? id : id === 'wasmloop' ? join(DIST, 'index.js') : null),
        load: (id) => (id === 'app' ? source : null),
      },
      nodeResolve({ browser: true }),
    ],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  const chunks = output.filter((o) => o.type === 'chunk');
  const entry = chunks.find((c) => c.isEntry)!;
  const first = new Set([entry.fileName]);
  for (const c of chunks) if (first.has(c.fileName)) for (const i of c.imports) first.add(i); // output is in dependency order only roughly: loop again
  for (const c of chunks) if (first.has(c.fileName)) for (const i of c.imports) first.add(i);
  return { entry: chunks.filter((c) => first.has(c.fileName)).map((c) => c.code).join('\n'), all: chunks.map((c) => c.code).join('\n') };
}

describe('bundle size', () => {
  it(`newEventLoop alone: the first chunk is at most ${kB(BUDGET)} gzipped, WebAssembly core included`, async () => {
    const app = await firstChunk(`import { newEventLoop } from 'wasmloop';
const loop = newEventLoop();
loop.callSoon(() => loop.stop());
loop.runForever();`);
    console.log(`newEventLoop alone: ${kB(app.min)} minified, ${kB(app.gz)} gzipped`);
    // the core is in it: the embedded WebAssembly binary starts with "\\0asm" (base64 AGFzbQ)
    expect(app.text).toContain('AGFzbQ');
    // what it never reaches is left out: the toolkit's coroutines (coro.ts: a module of its own,
    // no side effect a loop needs) and the call graph's stack parser (remote.inspect() formats a
    // task's graph without it)
    for (const mark of LEFT_OUT) expect(app.text, mark).not.toContain(mark);
    expect(app.gz).toBeLessThanOrEqual(BUDGET);
  });

  it('each browser entry, whole, is larger than the app that uses newEventLoop alone: what it does not import is left out', async () => {
    const alone = await firstChunk(`import { newEventLoop } from 'wasmloop'; newEventLoop().close();`);
    const rows = [`newEventLoop alone: ${kB(alone.min)} minified, ${kB(alone.gz)} gzipped`];
    for (const spec of ['wasmloop', 'wasmloop/web', 'wasmloop/pyodide']) {
      const whole = await firstChunk(`export * from '${spec}';`);
      rows.push(`${spec} (every export): ${kB(whole.min)} minified, ${kB(whole.gz)} gzipped`);
      if (spec === 'wasmloop') expect(alone.min).toBeLessThan(whole.min);
    }
    console.log(rows.join('\n'));
  });

  it('rollup: the default worker pool is not in the first chunk of an app that uses newEventLoop alone, and is loaded when runInExecutor needs it', async () => {
    const alone = await rollupChunks(`import { newEventLoop } from 'wasmloop';
const loop = newEventLoop();
loop.callSoon(() => loop.stop());
loop.runForever();`);
    expect(alone.entry).toContain('AGFzbQ');
    expect(alone.entry).not.toContain(POOL_MARK);
    expect(alone.all).toContain(POOL_MARK); // runInExecutor is a method of every loop: the pool stays reachable, in its own chunk
    const esbuilt = await firstChunk(`import { newEventLoop } from 'wasmloop'; newEventLoop().close();`);
    const gz = gzipSync((await transform(alone.entry, { minify: true, format: 'esm' })).code, { level: 9 }).length;
    console.log(`rollup, newEventLoop alone: first chunk ${kB(gz)} gzipped (minified by esbuild); esbuild keeps the pool in its first chunk: ${esbuilt.text.includes(POOL_MARK)}`);
  });
});

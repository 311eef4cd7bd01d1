/**
 * Every ```js block of README.md runs as written, on both cores: each is bundled with esbuild
 * ('wasmloop', 'wasmloop/node' and 'wasmloop/web' resolved to this repository's sources) and run
 * by Node as a module of its own, and what it prints is what the README says it prints. The one
 * change is `install(core)` in front, which picks the core the block's loops get (API.md §1.5).
 * Three things are pointed at this machine, as a reader would point them at theirs: port 8888 at
 * a free port, and example.org's WebSocket and web servers at local ones (an echo and a page).
 *
 * @needs npm — builds each block with the repository's esbuild and runs it in a Node process
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORES } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(ROOT, 'build', 'readme');
const ENTRIES: Record<string, string> = { wasmloop: 'index.ts', 'wasmloop/node': 'node.ts', 'wasmloop/web': 'web.ts', 'wasmloop/pyodide': 'pyodide.ts' };

/** The README's js blocks, each with the heading it sits under. */
function blocks(): { heading: string; code: string }[] {
  const out: { heading: string; code: string }[] = [];
  let heading = '';
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = /^#+ (.*)/.exec(lines[i]!);
    if (h) heading = h[1]!;
    if (lines[i] !== '```js') continue;
    const start = ++i;
    while (lines[i] !== '```') i++;
    out.push({ heading, code: lines.slice(start, i).join('\n') });
  }
  return out;
}

/** What each block prints, as its comments say; by a line the block contains. */
const PRINTS: [string, (out: string) => void][] = [
  ['function printNow()', (out) => expect(out.split('\n').filter(Boolean).map((l) => l.replace(/[\d.]+$/, 'T'))).toEqual(['print_now at T', 'print_now at T', 'print_now at T'])],
  ["'node:worker_threads'", (out) => expect(out).toBe('square(12) in the worker: 144\nthe worker asked us, and heard: hello worker, from the main thread\n')],
  ['async function handleClient', (out) => expect(out).toBe('echo: hello\necho: wasmloop\n')],
  ['class Echo', (out) => expect(out).toBe('hello\n')],
  ["from 'wasmloop/web'", (out) => expect(out).toBe('hello\n')],
  ['function* double(x)', (out) => expect(out).toBe("[ 2, 3, 'x' ]\n")],
  ['// generator tasks', (out) => expect(out).toBe('a did 1\nb did 2\na did 3\n')],
  ['// async-function tasks', (out) => expect(out).toBe('a did 1\nb did 2\na did 3\n')],
  ['new Lock()', (out) => expect(out).toBe('')],
  ['installPyodideLoop(pyodide', (out) => expect(out).toBe(Array.from({ length: 17 }, (_, i) => `first at ${(i / 2).toFixed(1)}\n`).join(''))],
];

let wsUrl = '';
let httpUrl = '';
let port = 0;
const servers: { close(): void }[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(binary ? data : data.toString())));
  await new Promise((r) => wss.once('listening', r));
  servers.push(wss);
  wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  const http: Server = createServer((_req, res) => res.end('a page'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  servers.push(http);
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  port = await freePort();
});

afterAll(() => {
  for (const s of servers) s.close();
});

/** Bundles `code` (the block, with `install(core)` in front) and runs it; its stdout. */
async function runBlock(code: string, core: string, name: string): Promise<string> {
  const esbuild = await import('esbuild');
  const source = `import { install as __install } from 'wasmloop';\n__install(${JSON.stringify(core)});\n${code}`
    .replaceAll('wss://example.org/', wsUrl)
    .replaceAll('https://example.org/', httpUrl)
    .replaceAll('8888', String(port));
  const outfile = join(WORK, `${name}-${core}.mjs`);
  await esbuild.build({
    stdin: { contents: source, resolveDir: WORK, loader: 'js', sourcefile: `README ${name}` },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'silent',
    // Pyodide finds its .wasm and standard library beside its own module: it stays a package
    external: ['pyodide'],
    plugins: [
      {
        name: 'wasmloop-sources',
        setup(build) {
          build.onResolve({ filter: /^wasmloop(\/(node|web|pyodide))?$/ }, (a) => ({ path: join(ROOT, 'bindings', ENTRIES[a.path]!) }));
        },
      },
    ],
  });
  // Node 20 has its WebSocket behind a flag; later versions have it on
  const flags = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function' ? [] : ['--experimental-websocket', '--no-warnings'];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [...flags, outfile], { cwd: WORK, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`README block ${name} failed on the ${core} core:\n${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

describe.each(CORES)('README.md js blocks run as written (%s core)', (core) => {
  const all = blocks();
  it('every js block is one whose output this test knows', () => {
    expect(all.map((b) => PRINTS.findIndex(([line]) => b.code.includes(line)))).toEqual(PRINTS.map((_, i) => i));
  });
  it.each(all.map((b, i) => [`${i + 1}: under "${b.heading}"`, b] as const))('block %s', async (_title, b) => {
    const check = PRINTS.find(([line]) => b.code.includes(line));
    expect(check).toBeDefined();
    check![1](await runBlock(b.code, core, String(all.indexOf(b) + 1)));
  }, 90_000);
});

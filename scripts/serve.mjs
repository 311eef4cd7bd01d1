#!/usr/bin/env node
// A small static file server for the repository, on 127.0.0.1 only, for the playground and the
// browser tests. Every response carries Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp, so pages are crossOriginIsolated (SharedArrayBuffer,
// shared WebAssembly memory, Atomics.wait in workers) — except under /plain/, which serves the
// same files without those headers, to see how the library behaves on an ordinary page.
// `node scripts/serve.mjs [--port N] [--open PATH]`; `startServer()` for scripts and tests.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Starts the server on 127.0.0.1 (port 0: any free port); resolves with its URL and a close(). */
export async function startServer({ root = ROOT, port = 0 } = {}) {
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const isolated = !path.startsWith('/plain/');
    if (!isolated) path = path.slice('/plain'.length);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    const headers = { 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin', ...(isolated ? ISOLATION : {}) };
    try {
      if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || !(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end(`not found: ${path}\n`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, server, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 8080;
  const openAt = process.argv.indexOf('--open');
  const page = openAt > 0 ? process.argv[openAt + 1] : '/';
  const { url } = await startServer({ port });
  console.log(`serving ${ROOT} at ${url} (cross-origin isolated; ${url}/plain/… without isolation)`);
  console.log(`open ${url}${page}`);
}

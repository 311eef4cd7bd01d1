// The repository's import graph, as esbuild reads it (one parse, real imports only: nothing named in
// a comment or a string counts), shared by scripts/lint.mjs (what the portable entries reach) and
// scripts/test-hosts.mjs (which Node built-ins a test file reaches). Static imports, re-exports and
// `import('literal')` are edges; packages and host modules are leaves (external).
import { build } from 'esbuild';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The package's own entries, as tests and examples import them (`import … from 'wasmloop/node'`). */
export const SELF = { wasmloop: './bindings/index.ts', 'wasmloop/node': './bindings/node.ts', 'wasmloop/web': './bindings/web.ts', 'wasmloop/pyodide': './bindings/pyodide.ts' };

/**
 * The graph of everything `entries` (paths relative to the repository) reach: a Map from a file
 * (relative path) to its imports, each `{ path, external }` — a relative path for the repository's
 * modules, the specifier as written for a package or host module.
 */
export async function importGraph(entries) {
  const result = await build({
    entryPoints: entries.map((e) => join(ROOT, e)),
    absWorkingDir: ROOT,
    alias: SELF,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: join(ROOT, 'build', 'import-graph'),
    logLevel: 'silent',
    loader: { '.wasm': 'empty', '.html': 'empty', '.css': 'empty' },
  });
  const graph = new Map();
  for (const [file, input] of Object.entries(result.metafile.inputs))
    graph.set(file, input.imports.filter((i) => i.kind !== 'require-resolve').map((i) => ({ path: i.external ? (i.original ?? i.path) : i.path, external: !!i.external })));
  return graph;
}

/** The repository's files `from` (relative paths) reach in `graph`, themselves included. */
export function reach(graph, from) {
  const seen = new Set();
  const todo = [...from];
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    for (const i of graph.get(f) ?? []) if (!i.external) todo.push(i.path);
  }
  return seen;
}

/** The external imports `file` reaches, each with the repository module that imports it (null: `file` itself). */
export function externalsOf(graph, file) {
  const found = [];
  const seen = new Set();
  const walk = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of graph.get(f) ?? []) {
      if (i.external) found.push([i.path, f === file ? null : f]);
      else walk(i.path);
    }
  };
  walk(file);
  return found;
}

export const rel = (p) => relative(ROOT, p);

#!/usr/bin/env node
// Project lint: the rules this codebase relies on that a type checker cannot see.
//  1. nothing the portable entries (bindings/index.ts, bindings/web.ts) reach — host adapters
//     included — imports a host module; only what the Node entry alone reaches may;
//  2. every core file begins with a comment stating its layout and invariants;
//  3. library code does not print with console.log (reports go through the exception handler,
//     console.error or console.warn, as asyncio's logger does);
//  4. no test is skipped or focused (.skip / .only / .todo).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const problems = [];
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}
const rel = (p) => relative(root, p);

// the files the portable entries reach through relative imports (static and dynamic alike:
// bundlers follow both)
function reachable(entries) {
  const seen = new Set();
  const todo = entries.map((e) => join(root, e));
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    let src;
    try {
      src = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) todo.push(resolve(dirname(f), m[1].replace(/\.js$/, '.ts')));
  }
  return seen;
}
const portable = reachable(['bindings/index.ts', 'bindings/web.ts']);

for (const file of walk(join(root, 'bindings'))) {
  const r = rel(file);
  if (r.endsWith('wasm-bytes.ts')) continue;
  const src = readFileSync(file, 'utf8');
  // what a portable entry reaches loads in every host, so it reaches Node's modules through
  // process.getBuiltinModule when called; only what the Node entry alone reaches may import them
  const hostSpecific = !portable.has(file);
  if (!hostSpecific && /(from|import)\s*\(?\s*['"]node:|require\(['"]node:|from ['"](fs|path|net|os|worker_threads)['"]/.test(src))
    problems.push(
      r.startsWith('bindings/hosts/')
        ? `${r}: a host adapter loads in every host: reach Node's modules with process.getBuiltinModule() when called, not with an import`
        : `${r}: the portable entry must not import host modules (a host difference belongs in bindings/hosts/)`,
    );
  if (/\bconsole\.log\(/.test(src)) problems.push(`${r}: console.log in library code`);
}
for (const file of [...walk(join(root, 'assembly')), ...walk(join(root, 'bindings', 'core'))]) {
  const r = rel(file);
  if (r.endsWith('wasm-bytes.ts') || r.endsWith('tsconfig.json')) continue;
  const src = readFileSync(file, 'utf8').trimStart();
  if (!src.startsWith('/**') && !src.startsWith('//')) problems.push(`${r}: a core file must begin with its layout and invariants`);
}
for (const file of walk(join(root, 'test'))) {
  const src = readFileSync(file, 'utf8');
  if (/\b(it|describe|test)\.(skip|only|todo)\b/.test(src)) problems.push(`${rel(file)}: skipped or focused test`);
}
if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('lint: ok');

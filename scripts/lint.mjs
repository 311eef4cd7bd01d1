#!/usr/bin/env node
// Project lint: the rules this codebase relies on that a type checker cannot see.
//  1. nothing the portable entries (bindings/index.ts, bindings/web.ts) reach — host adapters
//     included — imports a host module; only what the Node entry alone reaches may;
//  2. every core file begins with a comment stating its layout and invariants;
//  3. library code does not print with console.log (reports go through the exception handler,
//     console.error or console.warn, as asyncio's logger does);
//  4. no test is skipped or focused (.skip / .only / .todo);
//  5. no link leaves the repository: a Markdown link or a `../` path in a doc or a source file
//     resolves inside it (the contract is docs/API.md, the benchmark's bench/README.md), and a
//     Markdown link's file exists;
//  6. the contract is proven: every rule of docs/API.md (**§N.M**) is named by the `// proves:` line
//     of at least one test file, and every rule a `// proves:` line names exists;
//  7. the API reference builds: typedoc (typedoc.json, `npm run docs`) validates that every export
//     of the public entries is documented, that nothing they reference is left out, and that no
//     {@link} is broken; here it runs without writing the site (a few seconds).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { importGraph, reach } from './import-graph.mjs';

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

// the files the portable entries reach (static and dynamic imports alike: bundlers follow both),
// from the import graph test-hosts.mjs classifies the tests by
const PORTABLE = ['bindings/index.ts', 'bindings/web.ts'];
const portable = new Set([...reach(await importGraph(PORTABLE), PORTABLE)].map((f) => join(root, f)));

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
// 5: links. The files a reader of the repository or the package sees (not build output).
const SKIP = new Set(['node_modules', 'dist', 'build', '.git', 'results']);
const SKIP_PATHS = new Set([join(root, 'docs', 'reference')]); // npm run docs's output (not committed)
function sources(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (SKIP.has(name) || SKIP_PATHS.has(p)) continue;
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(md|ts|mts|cts|mjs|js|json|html)$/.test(name)) out.push(p);
  }
  return out;
}
const inside = (p) => !relative(root, p).startsWith('..');
for (const file of sources(root)) {
  const r = rel(file);
  if (r.endsWith('wasm-bytes.ts') || r === 'package-lock.json') continue;
  const src = readFileSync(file, 'utf8');
  if (file.endsWith('.md'))
    for (const m of src.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (target === '' || /^[a-z][a-z+.-]*:/i.test(target)) continue; // an anchor, or a URL
      const to = resolve(dirname(file), decodeURI(target));
      if (!inside(to)) problems.push(`${r}: the link ${m[1]} leaves the repository`);
      else if (!existsSync(to)) problems.push(`${r}: the link ${m[1]} points at a missing file`);
    }
  for (const m of src.matchAll(/(?<![\w./-])((?:\.\.\/)+)([\w-]+[\w./-]*\w)/g)) {
    const to = resolve(dirname(file), m[1] + m[2]);
    if (!inside(to)) problems.push(`${r}: ${m[1]}${m[2]} leaves the repository (the contract is docs/API.md)`);
    else if (to.endsWith('.md') && !existsSync(to)) problems.push(`${r}: ${m[1]}${m[2]} names a missing file`);
  }
}
// 6: rules and the tests that prove them
const contract = readFileSync(join(root, 'docs', 'API.md'), 'utf8');
const rules = new Set([...contract.matchAll(/\*\*§(\d+\.\d+)\*\*/g)].map((m) => m[1]));
const proven = new Set();
for (const file of walk(join(root, 'test'))) {
  if (!file.endsWith('.test.ts')) continue;
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/^\/\/ proves:(.*)$/gm)) {
    const items = m[1].split(',').map((s) => s.trim());
    for (const item of items) {
      const rule = /^§(\d+\.\d+)$/.exec(item)?.[1];
      if (rule === undefined) problems.push(`${rel(file)}: '${item}' in its proves line is not a rule number (write: // proves: §2.3, §2.4)`);
      else if (!rules.has(rule)) problems.push(`${rel(file)}: proves §${rule}, which docs/API.md does not have`);
      else proven.add(rule);
    }
  }
}
for (const rule of rules) if (!proven.has(rule)) problems.push(`docs/API.md: §${rule} is proven by no test (tag the test file that asserts it: // proves: §${rule})`);
if (rules.size === 0) problems.push('docs/API.md: no numbered rule found (**§N.M**)');
// 7: the API reference
{
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) problems.push(`typedoc (npm run docs) failed:\n${(r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, '').trim()}`);
}
if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('lint: ok');

#!/usr/bin/env node
// `npm test`: the conformance suite (test/*.test.ts, written once for vitest) in every runtime.
//   node      vitest, as written
//   bun       the suite bundled with vitest's own runner and expect (test/harness/), run by Bun:
//             the portable files, then those importing Node's built-ins (Bun's node: support)
//   deno      the same two bundles, run by Deno: the portable files with no permission, the
//             node: ones with all permissions
//   chromium  the portable bundle in a cross-origin-isolated page (the window's main thread, and
//             a Web Worker for the files that need to block), then in an ordinary page
//   pages     Node-side vitest tests that drive Chromium (test/browser/: the playground, the
//             no-bundler page, the host adapter in isolated and ordinary pages)
// `node scripts/test-hosts.mjs [stage…]` runs the named stages (default: all); `--list` shows how
// each test file is classified; SUITE_ONLY=a,b bundles only the files whose path contains a or b
// (while working: Node's stage ignores it; a lone file gets the library inlined into its own
// bundle file, where errors.test.ts's "created at" checks cannot tell its frames apart). A file that imports
// a node: module runs on Node, Bun and Deno; a file that says `@needs blocking` runs where a thread
// may block, `@needs shared` where SharedArrayBuffer exists.
// A runtime that cannot be had is reported loudly and fails the run when CI=true.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromiumMissing, launchChromium } from './chromium.mjs';
import { startServer } from './serve.mjs';
import { SELF, externalsOf, importGraph } from './import-graph.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'build', 'host-tests');
const BIN = (name) => join(ROOT, 'node_modules', '.bin', name);
const CI = process.env.CI === 'true' || process.env.CI === '1';
const SUMMARY = /^(?:\w+: )?(\d+) passed, (\d+) failed/;

const NODE_BUILTIN = /^(node:[\w/]+|fs|path|os|net|http|https|url|util|child_process|worker_threads|crypto|stream|zlib)(\/[\w/]*)?$/;

/**
 * Each test file with what it needs from its host: `node` when it imports a Node built-in (itself
 * or through the modules it imports: scripts/import-graph.mjs), and what a `@needs X — why` line
 * in it says.
 */
export async function classify() {
  const paths = readdirSync(join(ROOT, 'test'))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => `test/${f}`);
  const graph = await importGraph(paths);
  return paths.map((path) => {
    const src = readFileSync(join(ROOT, path), 'utf8');
    const needs = {};
    const builtins = new Map();
    for (const [b, via] of externalsOf(graph, path)) if (NODE_BUILTIN.test(b) && !builtins.has(b)) builtins.set(b, via);
    if (builtins.size) needs.node = `imports ${[...builtins].map(([b, via]) => (via ? `${b} through ${via}` : b)).join(', ')}`;
    for (const m of src.matchAll(/@needs (\w+)(?:\s*[—:-]\s*([^\n*]*))?/g)) needs[m[1]] = (m[2] ?? '').trim() || 'says so';
    return { path, needs };
  });
}

/** The esbuild plugin that serves `virtual:suite-files`: the classified files, loadable where `loadable(file)`. */
function suiteFiles(files, loadable) {
  const list = files
    .map((f) => `{ path: ${JSON.stringify(f.path)}, needs: ${JSON.stringify(f.needs)}, load: ${loadable(f) ? `() => import(${JSON.stringify(`./${f.path}`)})` : 'undefined'} }`)
    .join(',\n  ');
  return {
    name: 'suite-files',
    setup(build) {
      build.onResolve({ filter: /^virtual:suite-files$/ }, () => ({ path: 'suite-files', namespace: 'suite' }));
      build.onLoad({ filter: /.*/, namespace: 'suite' }, () => ({ contents: `export const FILES = [\n  ${list}\n];`, loader: 'js', resolveDir: ROOT }));
    },
  };
}

/**
 * Keeps `import.meta.url` of the repository's own modules (tests, examples, bench) pointing at
 * their source files, as when Node runs them: the node: bundle runs from build/, and the tests
 * find their fixtures, workers and examples next to themselves.
 */
const sourceUrls = {
  name: 'source-urls',
  setup(build) {
    build.onLoad({ filter: /[\\/](test|examples|bench)[\\/].*\.(ts|mjs)$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/**
 * Bundles the suite with the vitest shim, twice:
 * - build/host-tests/{cli,window,worker}.js + index.html: the files that need nothing from the
 *   host, for Bun, Deno and Chromium (a browser build: nothing of Node's in it);
 * - build/host-tests/node/cli.js: the files that import Node's built-ins, for Bun and Deno
 *   through their node: compatibility (node: modules and packages stay imports).
 */
async function buildSuite() {
  const esbuild = await import('esbuild');
  // SUITE_ONLY=threads,inbox: only the files whose path contains one of these (while working)
  const only = process.env.SUITE_ONLY?.split(',').filter(Boolean);
  const files = (await classify()).filter((f) => !only || only.some((o) => f.path.includes(o)));
  // ignoreAnnotations: package.json's sideEffects speaks of dist/, not of bindings/, whose
  // modules register loop features when loaded (ports.ts: port(), tasks.ts: createTask): a
  // bundle of a few test files must not drop them because no export of theirs is used
  // keepNames: functions keep their names when the bundle renames them apart (a coroutine's repr
  // shows its function's name)
  const common = { absWorkingDir: ROOT, bundle: true, splitting: true, format: 'esm', target: 'es2022', ignoreAnnotations: true, keepNames: true, logLevel: 'warning' };
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await esbuild.build({
    ...common,
    entryPoints: { cli: 'test/harness/cli.ts', window: 'test/harness/window.ts', worker: 'test/harness/worker.ts' },
    platform: 'browser',
    outdir: OUT,
    alias: { vitest: './test/harness/vitest-shim.ts' },
    // the test tooling (tinyrainbow, @vitest/utils) reads process.env at load: here it finds no
    // process, as in a browser, so Deno runs with no permission at all (the suite itself reaches
    // the host only through the library, which looks for globalThis.process and Deno's APIs)
    define: { process: 'undefined', __CAPABILITIES__: JSON.stringify(['blocking', 'shared']) },
    plugins: [suiteFiles(files, (f) => !f.needs.node)],
  });
  copyFileSync(join(ROOT, 'test', 'harness', 'index.html'), join(OUT, 'index.html'));
  await esbuild.build({
    ...common,
    entryPoints: { cli: 'test/harness/cli.ts' },
    platform: 'node',
    packages: 'external',
    outdir: join(OUT, 'node'),
    alias: { vitest: './test/harness/vitest-shim.ts', ...SELF },
    define: { __CAPABILITIES__: JSON.stringify(['blocking', 'shared', 'node']) },
    plugins: [suiteFiles(files.filter((f) => f.needs.node), () => true), sourceUrls],
  });
}

/** Runs a command, relaying its output, and reads its closing `N passed, N failed` line. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => resolve({ code, ...countsIn(text) }));
  });
}

function countsIn(text) {
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = SUMMARY.exec(lines[i].trim());
    if (m) return { passed: Number(m[1]), failed: Number(m[2]) };
  }
  return { passed: 0, failed: 0, noSummary: true };
}

function binaryMissing(name) {
  const r = spawnSync(BIN(name), ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${BIN(name)} does not run (${r.error?.message ?? r.stderr.trim()}): npm ci installs it (devDependency '${name}')`;
}

/** The browser bundle on a cross-origin-isolated page, then on an ordinary one (/plain/). */
async function chromiumSuite() {
  const server = await startServer();
  const browser = await launchChromium();
  const total = { code: 0, passed: 0, failed: 0 };
  try {
    for (const prefix of ['', '/plain']) {
      const page = await browser.newPage();
      page.on('console', (msg) => console.log(msg.text()));
      page.on('pageerror', (e) => console.log(`page error: ${e.stack ?? e.message}`));
      await page.goto(`${server.url}${prefix}/build/host-tests/index.html`);
      await page.waitForFunction(() => globalThis.__suiteDone, null, { timeout: 15 * 60_000, polling: 200 });
      const counts = await page.evaluate(() => globalThis.__suiteDone);
      console.log(`chromium${prefix ? ' (ordinary page)' : ''}: ${counts.passed} passed, ${counts.failed} failed`);
      total.passed += counts.passed;
      total.failed += counts.failed;
      await page.close();
    }
    console.log(`${total.passed} passed, ${total.failed} failed`);
    return { ...total, code: total.failed ? 1 : 0 };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Runs the commands one after the other; their counts add up. */
async function runAll(commands) {
  const total = { code: 0, passed: 0, failed: 0 };
  for (const [cmd, args] of commands) {
    const r = await run(cmd, args);
    total.passed += r.passed;
    total.failed += r.failed + (r.noSummary ? 1 : 0);
    if (r.noSummary) console.log(`${cmd} ${args.join(' ')}: printed no closing summary line (exit code ${r.code})`);
    if (r.code !== 0) total.code = r.code;
  }
  return total;
}

const STAGES = {
  node: { missing: () => null, run: () => run(process.execPath, [BIN('vitest'), 'run']) },
  bun: {
    missing: () => binaryMissing('bun'),
    build: true,
    run: () =>
      runAll([
        [BIN('bun'), ['build/host-tests/cli.js']],
        [BIN('bun'), ['build/host-tests/node/cli.js']],
      ]),
  },
  deno: {
    missing: () => binaryMissing('deno'),
    build: true,
    // the portable files with no permission at all; the node: files with all (they listen,
    // connect, spawn, read the environment and temporary files)
    run: () =>
      runAll([
        [BIN('deno'), ['run', '--no-prompt', '--no-config', 'build/host-tests/cli.js']],
        [BIN('deno'), ['run', '--no-prompt', '--allow-all', 'build/host-tests/node/cli.js']],
      ]),
  },
  chromium: { missing: chromiumMissing, build: true, run: chromiumSuite },
  pages: { missing: chromiumMissing, run: () => run(process.execPath, [BIN('vitest'), 'run', '--config', 'test/browser/vitest.config.ts']) },
};

async function main(argv) {
  const names = argv.length ? argv : Object.keys(STAGES);
  for (const n of names) if (!STAGES[n]) throw new Error(`unknown stage ${n}; stages: ${Object.keys(STAGES).join(', ')}`);
  const results = [];
  let built = false;
  for (const name of names) {
    const stage = STAGES[name];
    console.log(`\n=== ${name} ===`);
    const why = stage.missing();
    if (why) {
      const banner = '!'.repeat(100);
      console.log(`${banner}\n!!! ${name}: NOT RUN — ${why}${CI ? ' — this fails the run (CI=true)' : ''}\n${banner}`);
      results.push({ name, missing: why, passed: 0, failed: CI ? 1 : 0, seconds: 0 });
      continue;
    }
    const t0 = performance.now();
    if (stage.build && !built) {
      await buildSuite();
      built = true;
    }
    const r = await stage.run();
    const seconds = (performance.now() - t0) / 1000;
    const failed = r.failed + (r.code !== 0 && r.failed === 0 ? 1 : 0) + (r.noSummary ? 1 : 0);
    if (r.noSummary) console.log(`${name}: printed no closing summary line (exit code ${r.code})`);
    results.push({ name, passed: r.passed, failed, seconds });
  }
  console.log('\n=== summary ===');
  for (const r of results) console.log(`${r.name.padEnd(9)} ${r.missing ? `NOT RUN: ${r.missing}` : `${r.passed} passed, ${r.failed} failed  (${r.seconds.toFixed(1)} s)`}`);
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  console.log(`total: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--list') for (const { path, needs } of await classify()) console.log(`${path}: ${Object.entries(needs).map(([n, why]) => `needs ${n} (${why})`).join('; ') || 'portable'}`);
  else await main(process.argv.slice(2));
}

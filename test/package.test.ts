/**
 * The package as a user installs it: `npm pack` makes the tarball, `npm install --offline` puts it
 * into a fresh consumer project (build/package/consumer), and there
 *  - an app importing only `newEventLoop` and calling `port()` and `runInExecutor()`
 *    (test/fixtures/consumer/app.mjs) is bundled with rollup (node-resolve, browser), Vite and
 *    esbuild, and each bundle runs; so does the seed's app (test/fixtures/app), which uses the whole
 *    entry;
 *  - the same app as CommonJS runs in Node, with one copy of the library for import and require;
 *  - the app type-checks as ESM and as CommonJS under TypeScript's node16, nodenext and bundler.
 * The bundlers and TypeScript are the repository's own (node_modules), pointed at the consumer.
 * (The no-bundler page, dist/index.js in a browser, is test/browser/pages.test.ts.)
 *
 * @needs npm — packs the tarball with npm and builds with the repository's bundlers and tsc
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wl from '../bindings/index.js';
// @ts-expect-error plain JS module shared with `npm start`
import { EXAMPLES } from '../examples/seed.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(ROOT, 'build', 'package');
const APP = join(WORK, 'consumer');
const FIXTURES = join(ROOT, 'test', 'fixtures');

/** What the consumer app prints: for each core, a port and the executor's 2 + 3. */
const CONSUMER_RESULT = { wasm: { port: true, sum: 5 }, js: { port: true, sum: 5 } };

/** What the seed's app must print: the examples run here, on the library's sources. */
async function seedExpected(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const core of ['wasm', 'js']) for (const [title, example] of EXAMPLES) out[`${core}: ${title}`] = await example(wl, { core, clock: 'virtual' });
  return out;
}

function runInNode(file: string): unknown {
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: APP, encoding: 'utf8' }));
}

/** The script Vite's index.html loads (the default worker pool is a chunk of its own beside it, loaded by import()). */
function viteEntry(outDir: string): string {
  const src = /<script type="module"[^>]*src="\/([^"]+)"/.exec(readFileSync(join(outDir, 'index.html'), 'utf8'))?.[1];
  if (src === undefined) throw new Error(`no module script in ${outDir}/index.html`);
  return join(outDir, src);
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first (`npm test` does)');
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(APP, { recursive: true });
  // the package as npm ships it: only what package.json's "files" lists
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', WORK], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  writeFileSync(join(APP, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { wasmloop: `file:../${tgz}` } }, null, 2));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: APP, stdio: 'pipe' });
  // Node's types for wasmloop/node's declarations: the repository's copy, as a devDependency would be
  mkdirSync(join(APP, 'node_modules', '@types'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(APP, 'node_modules', '@types', 'node'), 'dir');
  for (const f of ['app.mjs', 'app.cjs', 'index.html', 'esm.mts', 'cjs.cts']) copyFileSync(join(FIXTURES, 'consumer', f), join(APP, f));
  mkdirSync(join(APP, 'seed'));
  copyFileSync(join(FIXTURES, 'app', 'app.js'), join(APP, 'seed', 'app.js'));
  copyFileSync(join(FIXTURES, 'app', 'index.html'), join(APP, 'seed', 'index.html'));
  copyFileSync(join(ROOT, 'examples', 'seed.mjs'), join(APP, 'seed', 'seed.mjs'));
}, 180_000);

describe('the packed package in a consumer project', () => {
  it('the tarball ships the ESM build, the CommonJS doors, both kinds of types and the LICENSE, and no sources or maps', () => {
    const pkg = join(APP, 'node_modules', 'wasmloop');
    const files = readdirSync(join(pkg, 'dist'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'node.js', 'node.cjs', 'node.d.cts', 'web.js', 'web.cjs', 'web.d.cts']));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(existsSync(join(pkg, 'LICENSE'))).toBe(true);
    expect(existsSync(join(pkg, 'bindings'))).toBe(false);
  });

  it('esbuild (browser) bundles the newEventLoop-only app, and port() and runInExecutor() work in the bundle', async () => {
    const esbuild = await import('esbuild');
    const outfile = join(APP, 'out', 'esbuild.mjs');
    await esbuild.build({ absWorkingDir: APP, entryPoints: ['app.mjs'], bundle: true, format: 'esm', platform: 'browser', outfile, logLevel: 'silent' });
    expect(runInNode(outfile)).toEqual(CONSUMER_RESULT);
  });

  it('rollup (node-resolve, browser) bundles the newEventLoop-only app, and port() and runInExecutor() work in the bundle', async () => {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const bundle = await rollup({ input: join(APP, 'app.mjs'), plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
    const file = join(APP, 'out', 'rollup.mjs');
    await bundle.write({ file, format: 'es', inlineDynamicImports: true });
    await bundle.close();
    expect(runInNode(file)).toEqual(CONSUMER_RESULT);
  });

  it('Vite bundles the newEventLoop-only app with no config file, and port() and runInExecutor() work in the bundle', async () => {
    const { build } = await import('vite');
    const outDir = join(APP, 'out', 'vite');
    // the only option is Vite's own modulepreload polyfill, which touches `document`: off, the
    // browser bundle runs in Node too. Nothing about wasmloop or WebAssembly is configured.
    await build({ root: APP, configFile: false, logLevel: 'silent', build: { outDir, modulePreload: { polyfill: false } } });
    expect(runInNode(viteEntry(outDir))).toEqual(CONSUMER_RESULT);
  });

  it('the seed app (the whole entry) bundles with esbuild, rollup and Vite, and each bundle prints the examples', async () => {
    const expected = await seedExpected();
    const esbuild = await import('esbuild');
    const esbuildOut = join(APP, 'out', 'seed-esbuild.mjs');
    await esbuild.build({ absWorkingDir: APP, entryPoints: ['seed/app.js'], bundle: true, format: 'esm', outfile: esbuildOut, logLevel: 'silent' });
    expect(runInNode(esbuildOut)).toEqual(expected);
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const bundle = await rollup({ input: join(APP, 'seed', 'app.js'), plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
    const rollupOut = join(APP, 'out', 'seed-rollup.mjs');
    await bundle.write({ file: rollupOut, format: 'es', inlineDynamicImports: true });
    await bundle.close();
    expect(runInNode(rollupOut)).toEqual(expected);
    const { build } = await import('vite');
    const outDir = join(APP, 'out', 'seed-vite');
    await build({ root: join(APP, 'seed'), configFile: false, logLevel: 'silent', build: { outDir, modulePreload: { polyfill: false } } });
    expect(runInNode(viteEntry(outDir))).toEqual(expected);
  });

  it('CommonJS: require() gets the one ES module copy — the same CancelledError, and wasmloop/node gives host I/O to loops made through import', () => {
    expect(runInNode(join(APP, 'app.cjs'))).toEqual({ ...CONSUMER_RESULT, sameCancelledError: true, hostIO: true });
  });

  const settings = {
    node16: { module: 'node16', moduleResolution: 'node16' },
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
    bundler: { module: 'preserve', moduleResolution: 'bundler' },
  };
  it.each(Object.keys(settings) as (keyof typeof settings)[])('the app type-checks as ESM and as CommonJS under TypeScript module %s', (name) => {
    const tsconfig = join(APP, `tsconfig.${name}.json`);
    const compilerOptions = { ...settings[name], strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: ['node'] };
    writeFileSync(tsconfig, JSON.stringify({ compilerOptions, files: ['esm.mts', 'cjs.cts'] }));
    // no skipLibCheck: the shipped declarations themselves must check in each setting
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', tsconfig], { cwd: APP, encoding: 'utf8', stdio: 'pipe' });
    } catch (e: any) {
      output = `${e.stdout}${e.stderr}`;
    }
    expect(output).toBe('');
  });
});

/**
 * The published package (npm pack: dist/ as built by `npm run build`) bundles with no
 * wasmloop-specific configuration: a tiny app (test/fixtures/app) that imports 'wasmloop' is built
 * with esbuild, rollup and vite, and each bundle runs in Node and prints the seed's examples on
 * both cores. (The no-bundler page, dist/index.js in a browser, is test/browser/pages.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wl from '../bindings/index.js';
// @ts-expect-error plain JS module shared with `npm start`
import { EXAMPLES } from '../examples/seed.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(ROOT, 'build', 'bundling');
const APP = join(WORK, 'app');

/** What the app must print: the examples run here, on the library's sources. */
async function expected(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const core of ['wasm', 'js']) for (const [title, example] of EXAMPLES) out[`${core}: ${title}`] = await example(wl, { core, clock: 'virtual' });
  return out;
}

function runInNode(file: string): Record<string, string[]> {
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: APP, encoding: 'utf8' }));
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first (`npm test` does)');
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(join(APP, 'node_modules', 'wasmloop'), { recursive: true });
  // the package as npm would install it: only what package.json's "files" ships
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', WORK], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('tar', ['-xzf', join(WORK, tgz), '-C', join(APP, 'node_modules', 'wasmloop'), '--strip-components=1']);
  for (const f of ['app.js', 'index.html']) copyFileSync(join(ROOT, 'test', 'fixtures', 'app', f), join(APP, f));
  copyFileSync(join(ROOT, 'examples', 'seed.mjs'), join(APP, 'seed.mjs'));
}, 120_000);

describe('bundling the package', () => {
  it('the packed package ships dist/index.js, dist/index.cjs and the types, and no sources', () => {
    const files = readdirSync(join(APP, 'node_modules', 'wasmloop', 'dist'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts']));
    expect(existsSync(join(APP, 'node_modules', 'wasmloop', 'bindings'))).toBe(false);
  });

  it('esbuild bundles the app with no configuration, and the bundle runs in Node', async () => {
    const esbuild = await import('esbuild');
    const outfile = join(APP, 'out', 'esbuild.mjs');
    await esbuild.build({ absWorkingDir: APP, entryPoints: ['app.js'], bundle: true, format: 'esm', outfile, logLevel: 'silent' });
    expect(runInNode(outfile)).toEqual(await expected());
  });

  it('rollup (with node-resolve, as for any npm package) bundles the app, and the bundle runs in Node', async () => {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const bundle = await rollup({ input: join(APP, 'app.js'), plugins: [nodeResolve()], onwarn: () => {} });
    const file = join(APP, 'out', 'rollup.mjs');
    await bundle.write({ file, format: 'es' });
    await bundle.close();
    expect(runInNode(file)).toEqual(await expected());
  });

  it('vite builds the app with no config file, and the bundle runs in Node', async () => {
    const { build } = await import('vite');
    const outDir = join(APP, 'out', 'vite');
    // the only option is vite's own modulepreload polyfill, which touches `document`: off, the
    // browser bundle runs in Node too. Nothing about wasmloop or WebAssembly is configured.
    await build({ root: APP, configFile: false, logLevel: 'silent', build: { outDir, modulePreload: { polyfill: false } } });
    const js = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js'));
    expect(js).toHaveLength(1);
    expect(runInNode(join(outDir, 'assets', js[0]!))).toEqual(await expected());
  });
});

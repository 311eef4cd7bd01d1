#!/usr/bin/env node
// `npm run lint:package` (CI, after `npm run build`): the package as npm would publish it, judged
// by publint --strict and @arethetypeswrong/cli (every entry, every resolution mode, strict
// profile). Both read the same tarball: `npm pack --ignore-scripts` of the dist/ already built.
// The tools come from the repository's devDependencies (node_modules/.bin), else from PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('check-package: dist/ is missing: run `npm run build` first');
  process.exit(1);
}

function bin(name, pkg) {
  for (const dir of [join(root, 'node_modules', '.bin'), ...(process.env.PATH ?? '').split(delimiter)]) if (dir && existsSync(join(dir, name))) return join(dir, name);
  console.error(`check-package: ${name} is not installed (a devDependency: npm install -D ${pkg})`);
  process.exit(1);
}
const publint = bin('publint', 'publint');
const attw = bin('attw', '@arethetypeswrong/cli');

const dir = mkdtempSync(join(tmpdir(), 'wasmloop-pack-'));
let failed = false;
try {
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  for (const [name, cmd, args] of [
    ['publint --strict', publint, ['run', join(dir, tgz), '--strict']],
    ['attw', attw, [join(dir, tgz), '--profile', 'strict', '--format', 'ascii']],
  ]) {
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`check-package: ${name} reported problems`);
      failed = true;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

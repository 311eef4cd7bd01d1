#!/usr/bin/env node
// `npm run bench:setup`: installs the Python side of the benchmarks from Debian —
// `apt-get update && apt-get install -y python3-uvloop` (asyncio comes with python3). Needs root
// (or sudo) and a Debian-based system; elsewhere it says what to install and exits non-zero.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
const run = (args) => {
  console.log(`$ ${[...sudo, ...args].join(' ')}`);
  const r = spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench:setup: \`${args.join(' ')}\` failed; install Debian's python3-uvloop by hand to get the asyncio/uvloop columns`);
    process.exit(1);
  }
};
if (!existsSync('/usr/bin/apt-get')) {
  console.error('bench:setup: no apt-get here; install python3 and uvloop for /usr/bin/python3 by hand (the bench skips those columns otherwise)');
  process.exit(1);
}
run(['apt-get', 'update']);
run(['apt-get', 'install', '-y', 'python3-uvloop']);
const check = spawnSync('/usr/bin/python3', ['-c', 'import sys, uvloop; print(sys.version.split()[0], uvloop.__version__)'], { encoding: 'utf8' });
console.log(check.status === 0 ? `bench:setup: Python ${check.stdout.trim().replace(' ', ', uvloop ')} ready` : `bench:setup: uvloop still missing: ${check.stderr}`);
process.exit(check.status === 0 ? 0 : 1);

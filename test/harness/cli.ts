/**
 * The conformance suite in Bun or Deno, bundled twice by scripts/test-hosts.mjs: once with the
 * files that need nothing from the host (Deno runs that bundle with no permission at all), once
 * with the files that import Node's built-in modules, which Bun and Deno provide through their
 * node: compatibility (Deno runs that one with permissions). Both may block in Atomics.wait and
 * have SharedArrayBuffer. Prints the report, then exits with its status.
 */
import { FILES } from 'virtual:suite-files';
import { host } from '../../bindings/hosts/index.js';
import { partition, runSuite } from './runner.js';

/** What the bundle's host offers, set by the build ('blocking', 'shared', and 'node' for the node: bundle). */
declare const __CAPABILITIES__: string[];

const g = globalThis as any;
const compat = __CAPABILITIES__.includes('node');
const { run, notRun } = partition(FILES, __CAPABILITIES__);
// in the portable run, the files that only need node: run next, in the node: compatibility run
const later = (file: (typeof FILES)[number]): boolean => !compat && partition([file], [...__CAPABILITIES__, 'node']).run.length === 1;
const listed = notRun.map(({ file, why }) => ({ file, why: later(file) ? `${why}: runs in the node: compatibility run` : why }));
const label = `${host.name} ${host.version}${compat ? ' (node: compatibility)' : ''}`;
const counts = await runSuite(label, run, listed, (line) => console.log(line));
const code = counts.failed > 0 ? 1 : 0;
if (g.Deno) g.Deno.exit(code);
else g.process.exit(code);

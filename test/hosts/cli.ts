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
const { run, notRun } = partition(FILES, __CAPABILITIES__);
const label = `${host.name} ${host.version}${__CAPABILITIES__.includes('node') ? ' (node: compatibility)' : ''}`;
const counts = await runSuite(label, run, notRun, (line) => console.log(line));
const code = counts.failed > 0 ? 1 : 0;
if (g.Deno) g.Deno.exit(code);
else g.process.exit(code);

/**
 * A full garbage collection on demand, for the tests of what happens when something is collected:
 * Bun's own `Bun.gc(true)`, else V8's `gc` exposed at run time through node:v8 and node:vm (Node,
 * Deno). A browser page cannot force one, so the files that use this run where node: modules do.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const gc: () => void = (() => {
  const bun = (globalThis as any).Bun;
  if (typeof bun?.gc === 'function') return () => bun.gc(true);
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

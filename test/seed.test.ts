/** The seed's examples, exactly, on the virtual clock and both cores. */
import { describe, expect, it } from 'vitest';
import * as wl from '../bindings/index.js';
// @ts-expect-error plain JS module shared with `npm start`
import { namedTrampolines, printNowTwice, trampoline } from '../examples/seed.mjs';
import { CORES } from './helpers.js';

const times = Array.from({ length: 17 }, (_, i) => (i * 0.5).toFixed(3));

describe.each(CORES)('seed examples (%s core)', (core) => {
  const opts = { core, clock: 'virtual' as const };

  it('print_now scheduled twice runs twice, in the same iteration', async () => {
    expect(await printNowTwice(wl, opts)).toEqual(['print_now at 0.000', 'print_now at 0.000']);
  });

  it('the trampoline runs exactly 17 times, at 0, 0.5, …, 8.0', async () => {
    expect(await trampoline(wl, opts)).toEqual(times.map((t) => `print_now at ${t}`));
  });

  it('three named trampolines interleave in order until 8 s', async () => {
    expect(await namedTrampolines(wl, opts)).toEqual(times.flatMap((t) => ['first', 'second', 'third'].map((n) => `${n} print_now at ${t}`)));
  });
});

/** The README's "Generator tasks and async-function tasks" examples, exactly, on both cores. */
import { describe, expect, it } from 'vitest';
import * as wl from '../bindings/index.js';
// @ts-expect-error plain JS module shared with the README
import { asyncTasks, generatorTasks } from '../examples/tasks.mjs';
import { CORES } from './helpers.js';

const expected = [
  'a slept 1s, done at 1',
  'b slept 2s, done at 2',
  'a slept 3s, done at 4',
  'a cancelled',
  'b cancelled',
  'timed out after tick 1, tick 2; still the same task: true',
  'finished at 6.5',
];

describe.each(CORES)('task examples (%s core)', (core) => {
  const opts = { core, clock: 'virtual' as const };

  it('the generator version prints the expected lines', async () => {
    expect(await generatorTasks(wl, opts)).toEqual(expected);
  });

  it('the async-function version prints the same lines', async () => {
    expect(await asyncTasks(wl, opts)).toEqual(expected);
  });
});

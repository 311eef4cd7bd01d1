/** API.md §5: Node's inspect shows a loop as its repr (Node-only: it needs node:util). */
// proves: §5.3
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CORES, vloop } from './helpers.js';

describe.each(CORES)('inspect (%s core)', (core) => {
  it("Node's inspect shows the loop's repr", () => {
    const loop = vloop(core);
    expect(inspect(loop)).toBe(String(loop));
    expect(inspect(loop)).toBe(`<wasmloop.EventLoop core=${core} clock=virtual running=false closed=false debug=false>`);
    loop.close();
  });
});

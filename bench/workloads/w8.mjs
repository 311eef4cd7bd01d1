// W8 — cross-thread: 4 worker threads × 250,000 callSoonThreadsafe submissions to one loop
// through `loop.port()` (API.md §8). value: submissions per second; extras: received (must equal
// sent). Not built yet: the cross-thread inbox is being written. Whoever adds it fills in
// `competitors` (wasm, js, asyncio and uvloop with 4 threads calling call_soon_threadsafe) and
// removes `notBuilt` once `loop.port` exists (see bench/README.md).
import { wl } from '../lib/wasmloop.mjs';

export default {
  id: 'W8',
  title: 'cross-thread: 4 workers × 250k callSoonThreadsafe',
  unit: 'submissions/s',
  size: { full: 1_000_000, quick: 200_000 },
  reference: 'wasm',
  notBuilt: () => (typeof wl.EventLoop.prototype.port === 'function' ? 'not built yet: the W8 module has no competitors yet' : 'not built yet: no loop.port()'),
  competitors: [],
};

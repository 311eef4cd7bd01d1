// The fixed-seed generator every workload draws from, in JavaScript and (bench/python/common.py)
// in Python, so that both sides schedule exactly the same deadlines: xorshift32, seed 2463534242.
export const SEED = 2463534242;

/** A function returning uniform floats in [0, 1), the same sequence as common.py's `rng()`. */
export function rng(seed = SEED) {
  let x = seed >>> 0;
  return () => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x / 4294967296;
  };
}

/** n values uniform in [0, span), as a Float64Array. */
export function uniform(n, span, seed = SEED) {
  const next = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = next() * span;
  return out;
}

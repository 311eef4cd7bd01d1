// Python's `random` (Mersenne Twister MT19937, as CPython's _randommodule.c) for the parts the
// async_tree port (W10) draws: seed(int), random(), randint(a, b). The same seed gives the same
// sequence as CPython, so a port's memoization hits and factorials match pyperformance's
// (test/bench.test.ts checks it against /usr/bin/python3 when present, and against fixed values).
const N = 624;
const M = 397;

export class PyRandom {
  constructor(seed = 0) {
    this.mt = new Uint32Array(N);
    this.i = N;
    this.seed(seed);
  }

  /** random.seed(n) for a non-negative integer below 2^32: init_by_array([n]). */
  seed(n) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`PyRandom.seed: an integer in [0, 2^32), got ${n}`);
    const mt = this.mt;
    mt[0] = 19650218;
    for (let k = 1; k < N; k++) mt[k] = (Math.imul(1812433253, mt[k - 1] ^ (mt[k - 1] >>> 30)) + k) >>> 0;
    const key = [n >>> 0];
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.i = N;
  }

  uint32() {
    const mt = this.mt;
    if (this.i >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.i = 0;
    }
    let y = mt[this.i++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** random.random(): 53 bits, as CPython's genrand_res53. */
  random() {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** random.randint(a, b) (b - a + 1 < 2^31): _randbelow by rejection over getrandbits(k). */
  randint(a, b) {
    const n = b - a + 1;
    const k = 32 - Math.clz32(n);
    let r = this.uint32() >>> (32 - k);
    while (r >= n) r = this.uint32() >>> (32 - k);
    return a + r;
  }
}

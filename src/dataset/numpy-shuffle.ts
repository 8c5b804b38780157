/**
 * numpy's legacy global shuffle, bit for bit: `np.random.seed(s)` followed by
 * `np.random.shuffle(list)` — what the MLCommons DLIO fork calls to reshard
 * its file lists (utils/config.py _reshard_files). Reproducing it is the only
 * way to read the files the fork's ranks read when file_shuffle is on.
 *
 * - seed: MT19937's init_genrand with a 32-bit integer (numpy's
 *   `_legacy_seeding` for an int: mt19937_seed).
 * - shuffle: Fisher–Yates from the end; j = random_interval(i), which masks
 *   32-bit draws to the bit length of i and rejects values above i.
 */

const N = 624;
const M = 397;

/** The Mersenne Twister, MT19937 (32-bit output), as numpy's legacy RandomState runs it. */
export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`numpy seeds are integers 0..2^32-1, got ${seed}`);
    }
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = (mt[i - 1] as number) ^ ((mt[i - 1] as number) >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < N; i++) {
      const y = ((mt[i] as number) & 0x80000000) | ((mt[(i + 1) % N] as number) & 0x7fffffff);
      mt[i] = (mt[(i + M) % N] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in 0..max (numpy's random_interval, max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const value = (this.nextUint32() & mask) >>> 0;
      if (value <= max) return value;
    }
  }
}

/** `np.random.seed(seed); np.random.shuffle(items)`: shuffles `items` in place and returns it. */
export function numpyShuffle<T extends { length: number; [i: number]: unknown }>(items: T, seed: number): T {
  const rng = new Mt19937(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.interval(i);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

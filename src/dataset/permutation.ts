/**
 * Seeded permutations of 0..n-1 evaluated element by element, so a file order
 * over millions of files costs O(1) memory (DLIO copies the whole file list into
 * every rank — 64M files ≈ 7.4 GB per rank).
 *
 * A balanced Feistel network is a bijection on [0, 2^(2h)); cycle-walking
 * (re-applying it until the value lands below n) restricts it to a bijection on
 * [0, n). The domain is at most 4n, so the expected number of walks is ≤ 4.
 */

/** The largest n supported: half-words must fit the 32-bit round function. */
export const MAX_PERMUTATION_SIZE = 2 ** 52;

const ROUNDS = 6;

/** murmur3's 32-bit finaliser: a cheap, well-mixing hash of one 32-bit word. */
function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Folds any number of integers (any magnitude up to 2^53) into one 32-bit key. */
export function mixKey(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = (part % 2 ** 32) >>> 0;
    const hi = Math.floor(part / 2 ** 32) >>> 0;
    h = fmix32(h ^ lo) + 0x6a09e667;
    h = fmix32(h ^ hi ^ (part < 0 ? 0x5bd1e995 : 0));
  }
  return h >>> 0;
}

export interface Permutation {
  readonly size: number;
  /** The element at position i (0 ≤ i < size). */
  at(i: number): number;
}

export function identityPermutation(size: number): Permutation {
  return { size, at: (i) => i };
}

/** A pseudo-random bijection on 0..size-1 determined by `key`. */
export function feistelPermutation(size: number, key: number): Permutation {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_PERMUTATION_SIZE) {
    throw new RangeError(`permutation size ${size} is outside 0..2^52`);
  }
  if (size <= 2) {
    // Too small for a Feistel network to mix; swap on one key bit instead.
    const swap = size === 2 && (fmix32(key) & 1) === 1;
    return { size, at: (i) => (swap ? 1 - i : i) };
  }
  let bits = 1;
  while (2 ** bits < size) bits++;
  const halfBits = Math.ceil(bits / 2);
  const half = 2 ** halfBits;
  const mask = half - 1;
  const roundKeys: number[] = [];
  for (let r = 0; r < ROUNDS; r++) roundKeys.push(mixKey(key, r + 1));

  const encrypt = (x: number): number => {
    let left = Math.floor(x / half);
    let right = x % half;
    for (let r = 0; r < ROUNDS; r++) {
      const f = fmix32(right ^ roundKeys[r]) & mask;
      const next = (left ^ f) & mask;
      left = right;
      right = next;
    }
    return left * half + right;
  };

  return {
    size,
    at(i: number): number {
      if (i < 0 || i >= size) throw new RangeError(`position ${i} outside 0..${size - 1}`);
      let x = encrypt(i);
      while (x >= size) x = encrypt(x);
      return x;
    },
  };
}

/** `key === null` means no shuffling. */
export function permutation(size: number, key: number | null): Permutation {
  return key === null ? identityPermutation(size) : feistelPermutation(size, key);
}

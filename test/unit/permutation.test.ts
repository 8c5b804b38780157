import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  feistelPermutation,
  identityPermutation,
  mixKey,
  permutation,
} from '../../src/dataset/permutation.ts';

function walk(size: number, key: number): number[] {
  const p = feistelPermutation(size, key);
  return Array.from({ length: size }, (_, i) => p.at(i));
}

describe('feistelPermutation', () => {
  it('is a bijection on 0..n-1 for many sizes, including non-powers of two', () => {
    for (const size of [0, 1, 2, 3, 5, 7, 8, 9, 17, 100, 255, 256, 257, 1000, 4097, 65_537]) {
      for (const key of [0, 1, 123, 0xdeadbeef]) {
        const seen = new Uint8Array(size);
        for (const v of walk(size, key)) {
          assert.ok(Number.isInteger(v) && v >= 0 && v < size, `size ${size}: ${v} out of range`);
          assert.equal(seen[v], 0, `size ${size} key ${key}: ${v} appears twice`);
          seen[v] = 1;
        }
      }
    }
  });

  it('is reproducible for a key and different for another key', () => {
    assert.deepEqual(walk(1000, 42), walk(1000, 42));
    assert.notDeepEqual(walk(1000, 42), walk(1000, 43));
  });

  it('actually shuffles (few fixed points, not the identity)', () => {
    const order = walk(10_000, mixKey(123, 0));
    const fixed = order.filter((v, i) => v === i).length;
    assert.ok(fixed < 50, `${fixed} fixed points`);
  });

  it('evaluates single positions of a huge domain without materialising it', () => {
    const size = 10_000_000_000;
    const p = feistelPermutation(size, 7);
    const before = process.memoryUsage().heapUsed;
    const values = new Set<number>();
    for (let i = 0; i < 10_000; i++) values.add(p.at(size - 1 - i));
    assert.equal(values.size, 10_000);
    for (const v of values) assert.ok(v >= 0 && v < size);
    // A materialised order would need ≥ 80 GB; a few MB of slack covers the Set above.
    assert.ok(process.memoryUsage().heapUsed - before < 50e6);
  });

  it('rejects positions outside the domain and sizes beyond 2^52', () => {
    assert.throws(() => feistelPermutation(10, 1).at(10), RangeError);
    assert.throws(() => feistelPermutation(2 ** 53, 1), RangeError);
  });
});

describe('permutation', () => {
  it('is the identity when the key is null', () => {
    const p = permutation(5, null);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => p.at(i)),
      [0, 1, 2, 3, 4],
    );
    assert.equal(identityPermutation(3).size, 3);
  });
});

describe('mixKey', () => {
  it('depends on every part, including parts above 2^32', () => {
    assert.notEqual(mixKey(1, 2), mixKey(2, 1));
    assert.notEqual(mixKey(2 ** 40), mixKey(2 ** 40 + 2 ** 32));
    assert.equal(mixKey(5, 6), mixKey(5, 6));
  });
});

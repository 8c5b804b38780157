/** Level-stream validators of the fast path, on hand-built RLE / bit-packed hybrid streams. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedRowRepetition, levelBitWidth, levelsAllEqual } from '../../src/parquet/read/decode-levels.ts';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  return [...out, n];
}
const rle = (count: number, value: number) => [...varint(count << 1), value];
/** Bit-packed groups of 8 one-bit values, LSB first. */
function packed(bits: number[]): number[] {
  const groups = Math.ceil(bits.length / 8);
  const out = varint((groups << 1) | 1);
  for (let g = 0; g < groups; g++) {
    let byte = 0;
    for (let b = 0; b < 8; b++) byte |= (bits[g * 8 + b] ?? 0) << b;
    out.push(byte);
  }
  return out;
}
const bytes = (...parts: number[][]) => Uint8Array.from(parts.flat());

describe('levelsAllEqual', () => {
  it('accepts constant runs in either encoding, rejects any other value', () => {
    assert.equal(levelsAllEqual(bytes(rle(100, 3)), 2, 100, 3), true);
    assert.equal(levelsAllEqual(bytes(rle(60, 1), packed([1, 1, 1, 1, 1, 1, 1, 1])), 1, 68, 1), true);
    assert.equal(levelsAllEqual(bytes(rle(60, 1), packed([1, 1, 1, 0, 1, 1, 1, 1])), 1, 68, 1), false);
    assert.equal(levelsAllEqual(bytes(rle(100, 2)), 2, 100, 3), false);
  });
  it('padding after the last value is ignored; a stream with too few values is rejected', () => {
    assert.equal(levelsAllEqual(bytes(packed([1, 1, 1, 0, 0, 0, 0, 0])), 1, 3, 1), true);
    assert.equal(levelsAllEqual(bytes(rle(10, 1)), 1, 11, 1), false);
  });
  it('a multi-byte varint run header', () => {
    assert.equal(levelsAllEqual(bytes([0x80, 0x10], [1]), 1, 1024, 1), true);
  });
});

describe('fixedRowRepetition', () => {
  it('rows of 3 as RLE runs (0 ×1, 1 ×2) and as bit-packed groups', () => {
    const runs = bytes(rle(1, 0), rle(2, 1), rle(1, 0), rle(2, 1));
    assert.equal(fixedRowRepetition(runs, 1, 6, 3, 0), 0);
    assert.equal(fixedRowRepetition(bytes(packed([0, 1, 1, 0, 1, 1])), 1, 6, 3, 0), 0);
  });
  it('rows of another size, or a row start in the middle of a row, are rejected', () => {
    assert.equal(fixedRowRepetition(bytes(packed([0, 1, 1, 0, 1, 1])), 1, 6, 2, 0), -1);
    assert.equal(fixedRowRepetition(bytes(packed([0, 1, 0, 1, 1, 0])), 1, 6, 3, 0), -1);
    assert.equal(fixedRowRepetition(bytes(rle(1, 0), rle(3, 1)), 1, 4, 3, 0), -1);
  });
  it('carries the position inside a row across pages', () => {
    const first = fixedRowRepetition(bytes(packed([0, 1, 1, 0, 1])), 1, 5, 3, 0);
    assert.equal(first, 2);
    assert.equal(fixedRowRepetition(bytes(rle(1, 1), rle(1, 0), rle(2, 1)), 1, 4, 3, first), 0);
    assert.equal(fixedRowRepetition(bytes(rle(1, 0)), 1, 1, 3, first), -1);
  });
  it('rows of one value are all-zero levels', () => {
    assert.equal(fixedRowRepetition(bytes(rle(50, 0)), 1, 50, 1, 0), 0);
  });
  it('levelBitWidth', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 7, 8].map(levelBitWidth), [0, 1, 2, 2, 3, 3, 4]);
  });
  it('long rows as bit-packed groups (whole bytes of ones inside a row), and a 0 hidden in one', () => {
    const rows = (n: number, size: number) =>
      Array.from({ length: n * size }, (_, i) => (i % size === 0 ? 0 : 1));
    const good = rows(5, 20);
    assert.equal(fixedRowRepetition(bytes(packed(good)), 1, good.length, 20, 0), 0);
    assert.equal(fixedRowRepetition(bytes(packed(good)), 1, good.length, 25, 0), -1);
    const bad = [...good];
    bad[9] = 0; // inside row 0, in the second byte (all ones otherwise)
    assert.equal(fixedRowRepetition(bytes(packed(bad)), 1, bad.length, 20, 0), -1);
  });
  it("the writer's own rows (bit-packed [0,1×7] + an RLE run of ones) are recognised whole, and a changed byte is not", () => {
    const row = [...packed([0, 1, 1, 1, 1, 1, 1, 1]), ...rle(12, 1)];
    const three = bytes(row, row, row);
    assert.equal(fixedRowRepetition(three, 1, 60, 20, 0), 0);
    assert.equal(fixedRowRepetition(three, 1, 60, 30, 0), -1, 'another row size');
    const changed = Uint8Array.from(three);
    changed[row.length + 1] = 0xfc; // row 1 starts with two zeros
    assert.equal(fixedRowRepetition(changed, 1, 60, 20, 0), -1);
  });
});

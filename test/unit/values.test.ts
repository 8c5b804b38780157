import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import type { ColumnSpec, Dtype } from '../../src/config/types.ts';
import { type ColumnValues, sliceRows, valuesRowCount } from '../../src/dataset/column-values.ts';
import { resolveDataset } from '../../src/dataset/run-plan.ts';
import {
  columnValues,
  objectRowCount,
  streamKey,
  type ValueContext,
  valueKindOf,
} from '../../src/dataset/values.ts';

const ctx: ValueContext = { seed: 123, fileIndex: 7, partition: null };

function spec(dtype: Dtype, size = 1, extra: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name: `c_${dtype}`, dtype, size, read: true, ...extra };
}

/** Row `r` of `v` as comparable bytes. */
function rowBytes(v: ColumnValues, r: number): Buffer {
  if (v.kind === 'bytes') return Buffer.from(v.data.subarray(v.offsets[r], v.offsets[r + 1]));
  const s = sliceRows(v, r, r + 1);
  if (s.kind === 'bytes') throw new Error('unreachable');
  return Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength);
}

const ALL: ColumnSpec[] = [
  spec('float32'),
  spec('float32', 64),
  spec('float64', 3),
  spec('float16', 5),
  spec('int8', 4),
  spec('int32'),
  spec('int64', 2),
  spec('bool', 9),
  spec('string', 13),
  spec('binary', 10),
  spec('binary', 12),
  spec('list', 8),
  spec('int32', 1, { cardinality: 8 }),
  spec('string', 1, { cardinality: 5 }),
];

describe('columnValues', () => {
  it('is deterministic and random-access by row range for every dtype', () => {
    for (const s of ALL) {
      const whole = columnValues(s, ctx, 100, 50);
      assert.equal(whole.kind, valueKindOf(s));
      assert.equal(valuesRowCount(whole), 50);
      const again = columnValues(s, ctx, 100, 50);
      const part = columnValues(s, ctx, 117, 9);
      for (let r = 0; r < 50; r++)
        assert.deepEqual(rowBytes(again, r), rowBytes(whole, r), `${s.name} row ${r}`);
      for (let r = 0; r < 9; r++)
        assert.deepEqual(rowBytes(part, r), rowBytes(whole, 17 + r), `${s.name} slice row ${r}`);
    }
  });

  it('differs between seeds, files, partitions, columns and rows', () => {
    const s = spec('float32', 16);
    const base = rowBytes(columnValues(s, ctx, 0, 1), 0);
    const variants: ColumnValues[] = [
      columnValues(s, { ...ctx, seed: 124 }, 0, 1),
      columnValues(s, { ...ctx, fileIndex: 8 }, 0, 1),
      columnValues(s, { ...ctx, partition: 0 }, 0, 1),
      columnValues({ ...s, name: 'other' }, ctx, 0, 1),
      columnValues(s, ctx, 1, 1),
    ];
    for (const v of variants) assert.notDeepEqual(rowBytes(v, 0), base);
    assert.notEqual(streamKey(ctx, 'a'), streamKey(ctx, 'b'));
  });

  it('produces floats spread over [-1, 1), never constant', () => {
    const v = columnValues(spec('float32', 512), ctx, 0, 40);
    assert.equal(v.kind, 'f32');
    let min = 1;
    let max = -1;
    let sum = 0;
    for (const x of v.data as Float32Array) {
      assert.ok(x >= -1 && x < 1);
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    assert.ok(min < -0.99 && max > 0.99, `range ${min}..${max}`);
    assert.ok(Math.abs(sum / v.data.length) < 0.02, 'mean near 0');
    assert.equal(new Set(v.data as Float32Array).size > v.data.length * 0.99, true);
    const d = columnValues(spec('float64', 100), ctx, 0, 10);
    for (const x of d.data as Float64Array) assert.ok(x >= -1 && x < 1);
  });

  it('keeps float16 finite and inside (-1, 1)', () => {
    const v = columnValues(spec('float16', 1000), ctx, 0, 10);
    assert.equal(v.kind, 'f16');
    for (const h of v.data as Uint16Array) {
      assert.ok((h & 0x7c00) !== 0x7c00, 'finite');
      assert.ok((h & 0x7fff) < 0x3c00, 'magnitude below 1');
    }
    assert.ok(new Set(v.data as Uint16Array).size > 1000);
  });

  it('keeps integers in their range and honours cardinality', () => {
    const i8 = columnValues(spec('int8', 100), ctx, 0, 100).data as Int32Array;
    assert.ok(i8.every((x) => x >= -128 && x <= 127));
    assert.ok(Math.min(...i8) < -120 && Math.max(...i8) > 120);
    const card = columnValues(spec('int32', 1, { cardinality: 8 }), ctx, 0, 1000).data as Int32Array;
    assert.deepEqual([...new Set(card)].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    const c64 = columnValues(spec('int64', 1, { cardinality: 3 }), ctx, 0, 300).data as BigInt64Array;
    assert.deepEqual([...new Set(c64)].sort(), [0n, 1n, 2n]);
    const i64 = columnValues(spec('int64'), ctx, 0, 100).data as BigInt64Array;
    assert.ok(i64.some((x) => x < 0n) && i64.some((x) => x > 2n ** 40n));
    const bools = columnValues(spec('bool', 1000), ctx, 0, 1).data as Uint8Array;
    const ones = bools.reduce((a, b) => a + b, 0);
    assert.ok(bools.every((b) => b === 0 || b === 1) && ones > 400 && ones < 600);
  });

  it('makes strings of exactly size characters, or v<k> under cardinality', () => {
    const v = columnValues(spec('string', 13), ctx, 0, 50);
    assert.equal(v.kind, 'bytes');
    if (v.kind !== 'bytes') return;
    for (let r = 0; r < 50; r++) assert.match(rowBytes(v, r).toString('latin1'), /^[a-z0-9 ]{13}$/);
    const c = columnValues(spec('string', 1, { cardinality: 5 }), ctx, 0, 200);
    const seen = new Set<string>();
    for (let r = 0; r < 200; r++) seen.add(rowBytes(c, r).toString());
    assert.deepEqual([...seen].sort(), ['v0', 'v1', 'v2', 'v3', 'v4']);
  });

  it('makes binary of size bytes, or record_length ± stdev', () => {
    const fixed = columnValues(spec('binary', 10), ctx, 0, 20);
    if (fixed.kind !== 'bytes') throw new Error('bytes expected');
    for (let r = 0; r < 20; r++) assert.equal(fixed.offsets[r + 1] - fixed.offsets[r], 10);
    const varied = columnValues(
      { name: 'data', dtype: 'binary', size: 761, read: true },
      { ...ctx, recordLengthStdev: 100 },
      0,
      2000,
    );
    if (varied.kind !== 'bytes') throw new Error('bytes expected');
    const lengths = Array.from({ length: 2000 }, (_, r) => varied.offsets[r + 1] - varied.offsets[r]);
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    const sd = Math.sqrt(lengths.reduce((a, b) => a + (b - mean) ** 2, 0) / lengths.length);
    assert.ok(Math.abs(mean - 761) < 10, `mean ${mean}`);
    assert.ok(Math.abs(sd - 100) < 10, `stdev ${sd}`);
    assert.ok(lengths.every((l) => l >= 0));
  });
});

describe('objectRowCount', () => {
  const w = defaultWorkload([
    'dataset.num_samples_per_file=1003',
    'dataset.parquet.partition_by=day',
    'dataset.parquet.columns=[{name: c_float32, dtype: float32}, {name: day, dtype: int32, cardinality: 4}]',
  ]);

  it('spreads a file over its partitions without losing a row', () => {
    const counts = [0, 1, 2, 3].map((p) => objectRowCount(resolveDataset(w), p));
    assert.deepEqual(counts, [251, 251, 251, 250]);
    assert.equal(objectRowCount(resolveDataset(w), null), 1003);
  });
});

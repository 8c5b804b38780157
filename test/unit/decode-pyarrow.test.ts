/**
 * The fast path on files pyarrow wrote (test/fixtures/pyarrow, made by
 * bench/py/make_fixtures.py): dictionary pages (V1 and V2, with the fallback
 * to PLAIN mid-chunk), PLAIN V2 pages, nullable-but-non-null LIST elements and
 * fixed-size vectors — every column, every row group decoded without the
 * generic decoder, equal value for value to hyparquet and to the values
 * pyarrow recorded in expected.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type ColumnValues, joinPieces } from '../../src/dataset/column-values.ts';
import { hyparquetCompressors } from '../../src/parquet/codec/codecs.ts';
import { type DecodeTarget, decodeColumnChunkDetailed } from '../../src/parquet/read/decode.ts';
import { dictionaryOf, gatherDictionaryPage, wordsOver } from '../../src/parquet/read/decode-dictionary.ts';
import { planColumnRanges } from '../../src/parquet/read/plan.ts';
import {
  assertSameRows,
  halfToNumber,
  hyparquetRows,
  metadataOf,
  poisonedMemory,
  rowOf,
} from './decode-fixtures.ts';

const FIXTURES = new URL('../fixtures/pyarrow/', import.meta.url);

interface ExpectedColumn {
  arrow_type: string;
  rows: number;
  values: number;
  first_rows: unknown[];
  last_row: unknown;
  sum: number;
}
const EXPECTED: Record<string, { num_rows: number; columns: Record<string, ExpectedColumn> }> = JSON.parse(
  readFileSync(new URL('expected.json', FIXTURES), 'utf8'),
);

/** The decode target a training loader would ask for, from pyarrow's type. */
function targetOf(arrowType: string, column: ExpectedColumn): DecodeTarget {
  const size = column.values / column.rows;
  if (arrowType.startsWith('list<element: float>')) return { kind: 'f32', size };
  if (arrowType === 'fixed_size_binary[64]') return { kind: 'f32', size: 16 };
  if (arrowType === 'fixed_size_binary[32]') return { kind: 'f16', size: 16 };
  const scalar: Record<string, DecodeTarget['kind']> = {
    float: 'f32',
    double: 'f64',
    int32: 'i32',
    int64: 'i64',
  };
  const kind = scalar[arrowType];
  assert.ok(kind, `no target for ${arrowType}`);
  return { kind, size: 1 };
}

/** A decoded value as pyarrow's JSON has it: numbers (float16 bits widened), bigints as numbers. */
function asJson(values: ColumnValues, r: number): unknown {
  const row = rowOf(values, r);
  const plain = (v: unknown) => (values.kind === 'f16' ? halfToNumber(v as number) : Number(v));
  return Array.isArray(row) ? row.map(plain) : plain(row);
}

function sumOf(values: ColumnValues): number {
  if (values.kind === 'bytes') return Number.NaN;
  let sum = 0;
  for (const v of values.data as Iterable<number | bigint>)
    sum += values.kind === 'f16' ? halfToNumber(v as number) : Number(v);
  return sum;
}

for (const [file, expected] of Object.entries(EXPECTED)) {
  describe(`pyarrow fixture ${file}`, () => {
    const bytes = new Uint8Array(readFileSync(new URL(file, FIXTURES)));
    const metadata = metadataOf(bytes);
    for (const [name, column] of Object.entries(expected.columns)) {
      it(`${name} (${column.arrow_type}): fast path in every row group, equal to hyparquet and to pyarrow's values`, async () => {
        const target = targetOf(column.arrow_type, column);
        const reference = await hyparquetRows(bytes, name);
        const decoded: ColumnValues[] = [];
        let rowStart = 0;
        for (let g = 0; g < metadata.row_groups.length; g++) {
          const [chunk] = planColumnRanges({
            metadata,
            columns: [name],
            rowGroups: [g],
            coalesceGapBytes: 0,
            maxRequestBytes: 1 << 30,
          }).chunks;
          const input = {
            bytes: bytes.subarray(chunk.start, chunk.end),
            metadata,
            rowGroup: g,
            leaf: chunk.leaf,
            target,
            compressors: hyparquetCompressors,
            key: file,
          };
          const fast = decodeColumnChunkDetailed(input);
          assert.equal(fast.path, 'fast', `${file} ${name} row group ${g}`);
          const values = joinPieces(fast.pieces);
          assertSameRows(values, reference, rowStart, `${file} ${name} row group ${g}`);
          assert.deepEqual(values, joinPieces(decodeColumnChunkDetailed({ ...input, generic: true }).pieces));
          // Into pooled page memory (poisoned): the same values; compressed pages and dictionary
          // gathers take it, the dictionary itself only when the page is unaligned.
          const memory = poisonedMemory();
          const pooled = decodeColumnChunkDetailed({ ...input, memory: memory.memory });
          assert.equal(pooled.path, 'fast');
          assert.deepEqual(joinPieces(pooled.pieces), values);
          if (!file.startsWith('plain_none')) assert.ok(memory.taken() > 0, 'page memory was used');
          decoded.push(values);
          rowStart += Number(metadata.row_groups[g].num_rows);
        }
        assert.equal(rowStart, column.rows);
        const first = decoded[0];
        const last = decoded[decoded.length - 1];
        const lastRows = last.kind === 'bytes' ? 0 : last.data.length / last.size;
        assert.deepEqual(
          [0, 1, 2].map((r) => asJson(first, r)),
          column.first_rows,
        );
        assert.deepEqual(asJson(last, lastRows - 1), column.last_row);
        const sum = decoded.reduce((s, v) => s + sumOf(v), 0);
        assert.ok(
          Math.abs(sum - column.sum) <= 1e-9 * Math.max(1, Math.abs(column.sum)),
          `${name} sum ${sum} vs ${column.sum}`,
        );
      });
    }
  });
}

describe('gatherDictionaryPage', () => {
  const dictionary = dictionaryOf(new Uint8Array(new Float32Array([10, 20, 30]).buffer), 3, 4);
  assert.ok(dictionary);

  it('gathers RLE runs and bit-packed groups, and rejects indices past the dictionary or past the section', () => {
    // bit width 2; RLE run of 3 × index 2; bit-packed group of 8: 0,1,2,0,1,2,0,1 (LSB first).
    const packed = [0, 1, 2, 0, 1, 2, 0, 1].reduce((acc, v, i) => acc + v * 4 ** i, 0);
    const section = new Uint8Array([2, 3 << 1, 2, (1 << 1) | 1, packed & 0xff, (packed >> 8) & 0xff]);
    const out = new Uint32Array(11);
    assert.equal(gatherDictionaryPage(section, 11, dictionary, out, 0), true);
    assert.deepEqual(Array.from(new Float32Array(out.buffer)), [30, 30, 30, 10, 20, 30, 10, 20, 30, 10, 20]);
    const pastDictionary = new Uint8Array([2, 1 << 1, 3]);
    assert.equal(gatherDictionaryPage(pastDictionary, 1, dictionary, out, 0), false);
    assert.equal(gatherDictionaryPage(section.subarray(0, 5), 11, dictionary, out, 0), false);
    assert.equal(gatherDictionaryPage(new Uint8Array([30, 2, 0]), 1, dictionary, out, 0), false);
  });
});

/** Indices as an RLE / bit-packed hybrid section (bit width byte first): runs of ≥ 8 equal indices as RLE. */
function hybridSection(indices: number[], bitWidth: number): Uint8Array {
  const out: number[] = [bitWidth];
  const varint = (n: number) => {
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    out.push(n);
  };
  let i = 0;
  while (i < indices.length) {
    let run = 1;
    while (i + run < indices.length && indices[i + run] === indices[i]) run++;
    if (run >= 8) {
      varint(run * 2);
      for (let b = 0; b < (bitWidth + 7) >> 3; b++) out.push((indices[i] >> (8 * b)) & 0xff);
      i += run;
      continue;
    }
    const groups = Math.min(63, Math.ceil((indices.length - i) / 8));
    varint(groups * 2 + 1);
    const bytes = new Uint8Array(groups * bitWidth);
    for (let k = 0; k < groups * 8; k++) {
      const v = indices[i + k] ?? 0;
      for (let b = 0; b < bitWidth; b++)
        if ((v >> b) & 1) bytes[(k * bitWidth + b) >> 3] |= 1 << ((k * bitWidth + b) & 7);
    }
    out.push(...bytes);
    i += groups * 8;
  }
  return Uint8Array.from(out);
}

describe('gatherDictionaryPage: every value width against a naive gather', () => {
  // 4 and 8 bytes have loops of their own; 2 (float16), 12 (3 words) and 3 (bytes) take the generic one, 80 (20 words) a memcpy per value.
  for (const width of [4, 8, 2, 12, 3, 80]) {
    it(`${width}-byte values, bit-packed and RLE runs, indices up to the dictionary's end`, () => {
      let seed = width;
      const random = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed / 2 ** 32;
      };
      const count = 3000;
      const dictBytes = Uint8Array.from({ length: count * width }, () => Math.floor(random() * 256));
      const indices: number[] = [];
      while (indices.length < 5000) {
        const index = Math.floor(random() * count);
        const repeat = random() < 0.1 ? 9 + Math.floor(random() * 30) : 1;
        for (let r = 0; r < repeat; r++) indices.push(index);
      }
      indices.push(count - 1);
      const section = hybridSection(indices, 12);
      const dictionary = dictionaryOf(dictBytes, count, width);
      assert.ok(dictionary);
      const outBytes = new Uint8Array((indices.length + 3) * width);
      const unit = width % 4 === 0 ? 4 : width % 2 === 0 ? 2 : 1;
      const words = wordsOver(unit, outBytes);
      assert.equal(gatherDictionaryPage(section, indices.length, dictionary, words, 3), true);
      const expected = new Uint8Array(outBytes.length);
      for (const [i, index] of indices.entries())
        expected.set(dictBytes.subarray(index * width, (index + 1) * width), (i + 3) * width);
      assert.deepEqual(outBytes, expected);
      // One index past the dictionary, last in the section: rejected.
      const past = hybridSection([...indices.slice(0, 20), count], 12);
      assert.equal(gatherDictionaryPage(past, 21, dictionary, words, 0), false);
    });
  }
});

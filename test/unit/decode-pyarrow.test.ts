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
import { dictionaryOf, gatherDictionaryPage } from '../../src/parquet/read/decode-dictionary.ts';
import { planColumnRanges } from '../../src/parquet/read/plan.ts';
import { assertSameRows, halfToNumber, hyparquetRows, metadataOf, rowOf } from './decode-fixtures.ts';

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

/**
 * Decoders value for value against hyparquet on the same bytes: the PLAIN
 * fast path and the generic fallback, on files written by hyparquet-writer
 * and by DuckDB (V1 and V2 pages, dictionary, nullable LIST elements, codecs).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileMetaData } from 'hyparquet';
import { joinPieces, piecewiseRows } from '../../src/dataset/column-values.ts';
import { CorruptParquetError, SchemaMismatchError } from '../../src/errors.ts';
import { hyparquetCompressors } from '../../src/parquet/codec/codecs.ts';
import {
  type DecodeTarget,
  decodeColumnChunk,
  decodeColumnChunkDetailed,
  decodeColumnChunkPieces,
} from '../../src/parquet/read/decode.ts';
import { planColumnRanges } from '../../src/parquet/read/plan.ts';
import {
  assertSameRows,
  duckdbParquet,
  halfToNumber,
  hyparquetRows,
  hyparquetWriterFile,
  metadataOf,
} from './decode-fixtures.ts';

/** Decodes every row group of `column` both ways, compares with hyparquet, returns the fast/generic path used per group. */
async function checkColumn(
  bytes: Uint8Array,
  column: string,
  target: DecodeTarget,
  label: string,
): Promise<string[]> {
  const metadata = metadataOf(bytes);
  const reference = await hyparquetRows(bytes, column);
  const paths: string[] = [];
  let rowStart = 0;
  for (let g = 0; g < metadata.row_groups.length; g++) {
    const [chunk] = planColumnRanges({
      metadata,
      columns: [column],
      rowGroups: [g],
      coalesceGapBytes: 0,
      maxRequestBytes: 1 << 30,
    }).chunks;
    for (const generic of [false, true]) {
      const decoded = decodeColumnChunkDetailed({
        bytes: bytes.subarray(chunk.start, chunk.end),
        metadata,
        rowGroup: g,
        leaf: chunk.leaf,
        target,
        compressors: hyparquetCompressors,
        key: 'file.parquet',
        generic,
      });
      if (!generic) paths.push(decoded.path);
      assert.equal(decoded.path, generic ? 'generic' : decoded.path);
      assertSameRows(
        joinPieces(decoded.pieces),
        reference,
        rowStart,
        `${label} ${column} group ${g}${generic ? ' (generic)' : ''}`,
      );
    }
    rowStart += Number(metadata.row_groups[g].num_rows);
  }
  assert.equal(rowStart, reference.length);
  return paths;
}

const WRITER_TARGETS: Record<string, DecodeTarget> = {
  f: { kind: 'f32', size: 1 },
  d: { kind: 'f64', size: 1 },
  i: { kind: 'i32', size: 1 },
  big: { kind: 'i64', size: 1 },
  flag: { kind: 'bool', size: 1 },
  name: { kind: 'bytes', size: 1 },
  vec: { kind: 'f32', size: 8 },
  fixed: { kind: 'f32', size: 8 },
  half: { kind: 'f16', size: 1 },
};

describe('files written by hyparquet-writer', () => {
  for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'ZSTD'] as const) {
    it(`every column, ${codec}: fast path equals hyparquet and the generic decoder`, async () => {
      // Small pages: several data pages per chunk, so values are stitched across pages.
      const bytes = hyparquetWriterFile({ rows: 700, rowGroupSize: 300, codec, pageSize: 2048 });
      for (const [column, target] of Object.entries(WRITER_TARGETS)) {
        const paths = await checkColumn(bytes, column, target, codec);
        // hyparquet-writer dictionary-encodes low-cardinality columns (flag, half); the rest must take the fast path.
        if (!['flag', 'half', 'name'].includes(column))
          assert.deepEqual(new Set(paths), new Set(['fast']), `${codec} ${column}`);
      }
    });
  }

  it('an uncompressed multi-page vector chunk decodes to one raw piece per page, each a view of the given bytes', () => {
    const bytes = hyparquetWriterFile({ rows: 300, rowGroupSize: 300, pageSize: 2048 });
    const metadata = metadataOf(bytes);
    for (const column of ['fixed', 'vec', 'f']) {
      const [chunk] = planColumnRanges({
        metadata,
        columns: [column],
        rowGroups: [0],
        coalesceGapBytes: 0,
        maxRequestBytes: 1 << 30,
      }).chunks;
      const own = bytes.slice(chunk.start, chunk.end);
      const target: DecodeTarget = { kind: 'f32', size: column === 'f' ? 1 : 8 };
      const input = { bytes: own, metadata, rowGroup: 0, leaf: chunk.leaf, target, key: 'k' };
      const pieces = decodeColumnChunkPieces(input);
      if (column !== 'f') assert.ok(pieces.pieces.length > 1, `${column}: several pages`);
      for (const piece of pieces.pieces) {
        assert.ok('raw' in piece, `${column}: raw piece`);
        assert.equal(piece.raw.buffer, own.buffer, `${column}: a view, not a copy`);
        assert.equal(piece.raw.length, piece.rows * target.size * 4, column);
      }
      assert.equal(piecewiseRows(pieces), 300, column);
      const joined = joinPieces(pieces);
      assert.notEqual(joined.kind === 'bytes' ? null : joined.data.buffer, own.buffer, column);
      assert.deepEqual(joined, decodeColumnChunk({ ...input, generic: true }), column);
    }
  });

  it('float16 values come back as the IEEE half bit patterns', async () => {
    const bytes = hyparquetWriterFile({ rows: 70, rowGroupSize: 70 });
    const metadata = metadataOf(bytes);
    const [chunk] = planColumnRanges({
      metadata,
      columns: ['half'],
      rowGroups: [0],
      coalesceGapBytes: 0,
      maxRequestBytes: 1 << 30,
    }).chunks;
    const values = decodeColumnChunk({
      bytes: bytes.subarray(chunk.start, chunk.end),
      metadata,
      rowGroup: 0,
      leaf: chunk.leaf,
      target: { kind: 'f16', size: 1 },
      key: 'k',
    });
    assert.equal(values.kind, 'f16');
    assert.equal(halfToNumber(values.data[65] as number), 0.25);
  });
});

const DUCK_SELECT = `SELECT i::INTEGER AS id, (i * 0.5)::FLOAT AS f, (i * 0.25)::DOUBLE AS d, (i * 1000000007)::BIGINT AS big,
  (i % 3 = 0) AS flag, 'row-' || i AS name, list_transform(range(8), j -> (i + j / 8)::FLOAT) AS vec,
  (i % 5)::TINYINT AS small, (i % 4)::INTEGER AS low FROM range(5000) t(i)`;

const DUCK_TARGETS: Record<string, DecodeTarget> = {
  id: { kind: 'i32', size: 1 },
  f: { kind: 'f32', size: 1 },
  d: { kind: 'f64', size: 1 },
  big: { kind: 'i64', size: 1 },
  flag: { kind: 'bool', size: 1 },
  name: { kind: 'bytes', size: 1 },
  vec: { kind: 'f32', size: 8 },
  small: { kind: 'i32', size: 1 },
  low: { kind: 'i32', size: 1 },
};

describe('files written by DuckDB', () => {
  for (const options of [
    'ROW_GROUP_SIZE 2048, COMPRESSION uncompressed',
    'ROW_GROUP_SIZE 2048, COMPRESSION zstd',
    'ROW_GROUP_SIZE 2048, COMPRESSION snappy, PARQUET_VERSION V2',
    'ROW_GROUP_SIZE 2048, COMPRESSION gzip',
  ]) {
    it(`every column (${options}) equals hyparquet, fast path for PLAIN`, async () => {
      const bytes = await duckdbParquet(DUCK_SELECT, options);
      const metadata = metadataOf(bytes);
      for (const [column, target] of Object.entries(DUCK_TARGETS)) {
        const paths = await checkColumn(bytes, column, target, options);
        if (allPlain(metadata, column))
          assert.deepEqual(new Set(paths), new Set(['fast']), `${options} ${column}`);
      }
    });
  }

  it('nullable LIST<FLOAT> elements (DuckDB/pyarrow style, max definition level 3) take the fast path', async () => {
    const bytes = await duckdbParquet(
      'SELECT list_transform(range(512), j -> (i * 512 + j)::FLOAT) AS emb FROM range(600) t(i)',
      'ROW_GROUP_SIZE 2048',
    );
    const paths = await checkColumn(bytes, 'emb', { kind: 'f32', size: 512 }, 'emb');
    assert.deepEqual(paths, ['fast']);
  });

  it('a null row or a list of another length is a SchemaMismatchError naming file, row group and column', async () => {
    const bytes = await duckdbParquet(
      'SELECT CASE WHEN i = 7 THEN NULL ELSE [i::FLOAT, 1::FLOAT] END AS v, CASE WHEN i = 9 THEN [1::FLOAT] ELSE [i::FLOAT, 2::FLOAT] END AS w FROM range(20) t(i)',
    );
    const metadata = metadataOf(bytes);
    for (const [column, row] of [
      ['v', 7],
      ['w', 9],
    ] as const) {
      const [chunk] = planColumnRanges({
        metadata,
        columns: [column],
        rowGroups: [0],
        coalesceGapBytes: 0,
        maxRequestBytes: 1 << 30,
      }).chunks;
      assert.throws(
        () =>
          decodeColumnChunk({
            bytes: bytes.subarray(chunk.start, chunk.end),
            metadata,
            rowGroup: 0,
            leaf: chunk.leaf,
            target: { kind: 'f32', size: 2 },
            key: 'dir/x.parquet',
          }),
        (err: unknown) =>
          err instanceof SchemaMismatchError &&
          err.message.includes('dir/x.parquet') &&
          err.message.includes('row group 0') &&
          err.message.includes(`"${column}.list.element"`) &&
          err.message.includes(`row ${row}`),
      );
    }
  });

  it('garbage chunk bytes are a CorruptParquetError, not a crash', async () => {
    const bytes = await duckdbParquet('SELECT (i * 0.5)::FLOAT AS f FROM range(100) t(i)');
    const metadata = metadataOf(bytes);
    const [chunk] = planColumnRanges({
      metadata,
      columns: ['f'],
      rowGroups: [0],
      coalesceGapBytes: 0,
      maxRequestBytes: 1 << 30,
    }).chunks;
    const garbage = bytes.slice(chunk.start, chunk.end).fill(0xff, 0, 40);
    assert.throws(
      () =>
        decodeColumnChunk({
          bytes: garbage,
          metadata,
          rowGroup: 0,
          leaf: chunk.leaf,
          target: { kind: 'f32', size: 1 },
          key: 'bad.parquet',
        }),
      (err: unknown) =>
        err instanceof CorruptParquetError &&
        err.message.includes('bad.parquet') &&
        err.message.includes('"f"'),
    );
  });
});

function allPlain(metadata: FileMetaData, column: string): boolean {
  return metadata.row_groups.every((group) =>
    group.columns
      .filter((c) => c.meta_data?.path_in_schema[0] === column)
      .every((c) => (c.meta_data?.encodings ?? []).every((e) => e === 'PLAIN' || e === 'RLE')),
  );
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { writePlain } from 'hyparquet-writer/src/plain.js';
import type { ColumnSpec, Dtype, VectorLayout } from '../../src/config/types.ts';
import { columnValues } from '../../src/dataset/values.ts';
import { decompress, hyparquetCompressors } from '../../src/parquet/codec/codecs.ts';
import { constantLevels, encodeHybrid, listRepetitionLevels } from '../../src/parquet/write/encode-levels.ts';
import { columnShape, PQBENCH_COLUMNS_KEY, parquetSchemaFor } from '../../src/parquet/write/schema.ts';
import { ParquetStreamWriter } from '../../src/parquet/write/writer.ts';
import {
  arrayBufferOf,
  canonical,
  expectedCanonical,
  metadataOf,
  pagesOf,
  TEST_CTX,
  writeTestFile,
} from './parquet-writer-helpers.ts';

function col(name: string, dtype: Dtype, size = 1, extra: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name, dtype, size, read: true, ...extra };
}

function hyparquetLevels(values: number[]): Uint8Array {
  const w = new ByteWriter();
  writeRleBitPackedHybrid(w, values, 1);
  return new Uint8Array(w.getBuffer());
}

describe('level encoding', () => {
  it('matches hyparquet-writer byte for byte for list repetition levels', () => {
    for (const size of [1, 2, 3, 7, 8, 9, 15, 16, 17, 40, 512, 524_328]) {
      for (const rows of [1, 2, 3, 5]) {
        if (size * rows > 2_000_000) continue;
        const levels = Array.from({ length: rows * size }, (_, i) => (i % size === 0 ? 0 : 1));
        assert.deepEqual(
          listRepetitionLevels(rows, size),
          hyparquetLevels(levels),
          `size ${size} rows ${rows}`,
        );
      }
    }
  });

  it('matches hyparquet-writer for constant definition levels and arbitrary patterns', () => {
    for (const n of [1, 5, 7, 8, 9, 100, 100_000]) {
      assert.deepEqual(constantLevels(n, 1), hyparquetLevels(new Array(n).fill(1)), `n ${n}`);
    }
    const pattern = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 13 < 4 ? 1 : 0));
    assert.deepEqual(encodeHybrid(pattern, 1), hyparquetLevels(pattern));
  });
});

describe('ParquetStreamWriter', () => {
  it('writes PLAIN pages byte-identical to hyparquet-writer for each physical type', async () => {
    const columns = [
      col('f', 'float32'),
      col('d', 'float64'),
      col('i', 'int32'),
      col('l', 'int64'),
      col('b', 'bool'),
      col('s', 'binary', 7),
      col('v', 'float32', 4),
    ];
    const rows = 37;
    const { bytes } = await writeTestFile({
      columns,
      vectorLayout: 'fixed',
      codec: 'none',
      rowGroups: [rows],
    });
    const meta = metadataOf(bytes);
    for (const [i, spec] of columns.entries()) {
      const [page] = pagesOf(bytes, meta, 0, i);
      const v = columnValues(spec, TEST_CTX, 0, rows);
      const w = new ByteWriter();
      const leaf = meta.schema[i + 1];
      let plainInput: unknown[];
      if (v.kind === 'bytes')
        plainInput = Array.from({ length: rows }, (_, r) => v.data.slice(v.offsets[r], v.offsets[r + 1]));
      else if (v.kind === 'bool') plainInput = Array.from(v.data, (x) => x === 1);
      else if (spec.size > 1)
        plainInput = Array.from({ length: rows }, (_, r) => new Uint8Array(v.data.buffer, r * 16, 16));
      else plainInput = Array.from(v.data as ArrayLike<number | bigint>);
      writePlain(w, plainInput as never, leaf.type as never, leaf.type_length);
      assert.deepEqual(Uint8Array.from(page.body), new Uint8Array(w.getBuffer()), spec.name);
      assert.equal(page.header.data_page_header?.num_values, rows);
      assert.equal(page.header.data_page_header?.encoding, 'PLAIN');
    }
  });

  it('maps every dtype and layout to the agreed schema', () => {
    const columns = [
      col('f16', 'float16'),
      col('i8', 'int8'),
      col('s', 'string', 4),
      col('vec', 'float32', 3),
      col('lst', 'list', 3),
    ];
    const list = parquetSchemaFor(columns, 'list');
    assert.deepEqual(list.slice(1, 4), [
      {
        name: 'f16',
        type: 'FIXED_LEN_BYTE_ARRAY',
        repetition_type: 'REQUIRED',
        type_length: 2,
        logical_type: { type: 'FLOAT16' },
      },
      {
        name: 'i8',
        type: 'INT32',
        repetition_type: 'REQUIRED',
        converted_type: 'INT_8',
        logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: true },
      },
      {
        name: 's',
        type: 'BYTE_ARRAY',
        repetition_type: 'REQUIRED',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      },
    ]);
    assert.deepEqual(list.slice(4, 7), [
      {
        name: 'vec',
        repetition_type: 'REQUIRED',
        num_children: 1,
        converted_type: 'LIST',
        logical_type: { type: 'LIST' },
      },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ]);
    const fixed = parquetSchemaFor(columns, 'fixed');
    assert.deepEqual(fixed[4], {
      name: 'vec',
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 12,
      repetition_type: 'REQUIRED',
    });
    // dtype `list` is a LIST whatever the layout
    assert.equal(fixed[5].converted_type, 'LIST');
    assert.equal(columnShape(col('x', 'int8', 5), 'fixed'), 'fixed');
  });

  it('writes a footer hyparquet parses: schema, row groups, offsets, key-value metadata', async () => {
    const columns = [col('a', 'int32'), col('v', 'float16', 3), col('s', 'string', 6)];
    const { bytes, result } = await writeTestFile({
      columns,
      vectorLayout: 'list',
      codec: 'snappy',
      rowGroups: [10, 4],
    });
    const meta = metadataOf(bytes);
    assert.equal(result.bytes, bytes.length);
    assert.equal(meta.num_rows, 14n);
    assert.deepEqual(
      meta.schema.map((e) => e.name),
      parquetSchemaFor(columns, 'list').map((e) => e.name),
    );
    assert.equal(meta.row_groups.length, 2);
    assert.equal(result.footerBytes, meta.metadata_length + 8);
    let expectedOffset = 4;
    for (const [g, rg] of meta.row_groups.entries()) {
      assert.equal(rg.num_rows, BigInt([10, 4][g]));
      for (const [c, chunk] of rg.columns.entries()) {
        const m = chunk.meta_data;
        assert.ok(m);
        assert.equal(Number(m.data_page_offset), expectedOffset, `group ${g} column ${c}`);
        assert.equal(m.codec, 'SNAPPY');
        assert.equal(Number(m.data_page_offset), result.groups[g].columns[c].offset);
        expectedOffset += Number(m.total_compressed_size);
      }
    }
    assert.equal(expectedOffset, bytes.length - result.footerBytes);
    assert.equal(meta.row_groups[0].columns[1].meta_data?.num_values, 30n);
    assert.deepEqual(meta.row_groups[0].columns[1].meta_data?.path_in_schema, ['v', 'list', 'element']);
    const kv = meta.key_value_metadata?.find((e) => e.key === PQBENCH_COLUMNS_KEY);
    assert.deepEqual(JSON.parse(kv?.value ?? ''), [
      { name: 'a', dtype: 'int32', size: 1, shape: 'scalar' },
      { name: 'v', dtype: 'float16', size: 3, shape: 'list' },
      { name: 's', dtype: 'string', size: 6, shape: 'scalar' },
    ]);
  });

  it('records min/max/null_count on scalar columns and none on vectors', async () => {
    const columns = [col('f', 'float32'), col('l', 'int64'), col('v', 'float32', 8), col('s', 'string', 3)];
    const rows = 200;
    const { bytes } = await writeTestFile({
      columns,
      vectorLayout: 'list',
      codec: 'none',
      rowGroups: [rows],
      batchRows: 33,
    });
    const meta = metadataOf(bytes);
    const chunks = meta.row_groups[0].columns;
    const f = columnValues(columns[0], TEST_CTX, 0, rows).data as Float32Array;
    assert.equal(chunks[0].meta_data?.statistics?.min_value, Math.min(...f));
    assert.equal(chunks[0].meta_data?.statistics?.max_value, Math.max(...f));
    assert.equal(chunks[0].meta_data?.statistics?.null_count, 0n);
    const l = [...(columnValues(columns[1], TEST_CTX, 0, rows).data as BigInt64Array)].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    assert.equal(chunks[1].meta_data?.statistics?.min_value, l[0]);
    assert.equal(chunks[1].meta_data?.statistics?.max_value, l[rows - 1]);
    assert.equal(chunks[2].meta_data?.statistics, undefined);
    const s = columnValues(columns[3], TEST_CTX, 0, rows);
    if (s.kind !== 'bytes') throw new Error('bytes expected');
    const strings = Array.from({ length: rows }, (_, r) =>
      Buffer.from(s.data.subarray(s.offsets[r], s.offsets[r + 1])).toString(),
    ).sort();
    assert.equal(chunks[3].meta_data?.statistics?.min_value, strings[0]);
    assert.equal(chunks[3].meta_data?.statistics?.max_value, strings[rows - 1]);
    const off = await writeTestFile({
      columns,
      vectorLayout: 'list',
      codec: 'none',
      rowGroups: [rows],
      statistics: false,
    });
    assert.equal(metadataOf(off.bytes).row_groups[0].columns[0].meta_data?.statistics, undefined);
  });

  it('cuts pages at page_size on whole rows and streams them before the row group ends', async () => {
    const columns = [col('v', 'float32', 100), col('s', 'binary', 50), col('b', 'bool', 3)];
    const sinkSizesAtEnd: number[] = [];
    let sunk = 0;
    const writer = new ParquetStreamWriter({
      columns,
      vectorLayout: 'list',
      codec: 'zstd',
      pageSize: 1000,
      sinkChunkBytes: 1,
      sink: async (chunk) => {
        sunk += chunk.length;
      },
    });
    writer.beginRowGroup(100);
    await writer.writeColumn(0, columnValues(columns[0], TEST_CTX, 0, 60));
    sinkSizesAtEnd.push(sunk);
    await writer.writeColumn(0, columnValues(columns[0], TEST_CTX, 60, 40));
    // 60 rows × 400 bytes: all but the last partial page already reached the sink
    assert.ok(sinkSizesAtEnd[0] > 20_000, `pages streamed during the first batch: ${sinkSizesAtEnd[0]}`);

    const rows = 100;
    const { bytes } = await writeTestFile({
      columns,
      vectorLayout: 'list',
      codec: 'none',
      pageSize: 1000,
      rowGroups: [rows],
      batchRows: 7,
    });
    const meta = metadataOf(bytes);
    const vectorPages = pagesOf(bytes, meta, 0, 0);
    // 400 bytes of values per row → 2 rows (800 bytes) per page
    assert.equal(vectorPages.length, 50);
    for (const p of vectorPages) assert.equal(p.header.data_page_header?.num_values, 200);
    const binaryPages = pagesOf(bytes, meta, 0, 1);
    // 54 bytes per row → 18 rows per page
    assert.deepEqual(
      binaryPages.map((p) => p.header.data_page_header?.num_values),
      [18, 18, 18, 18, 18, 10],
    );
    const boolPages = pagesOf(bytes, meta, 0, 2);
    assert.equal(boolPages.length, 1);
    const decoded = await parquetReadObjects({ file: arrayBufferOf(bytes), utf8: false });
    const v = columnValues(columns[0], TEST_CTX, 0, rows);
    for (let r = 0; r < rows; r++)
      assert.equal(canonical(decoded[r].v), expectedCanonical(columns[0], 'list', v, r));
  });

  it('fits a row larger than page_size into a page of its own', async () => {
    const columns = [col('big', 'float32', 5000)];
    const { bytes } = await writeTestFile({
      columns,
      vectorLayout: 'fixed',
      codec: 'lz4',
      pageSize: 1000,
      rowGroups: [3],
    });
    const pages = pagesOf(bytes, metadataOf(bytes), 0, 0);
    assert.equal(pages.length, 3);
    for (const p of pages)
      assert.equal(decompress('LZ4_RAW', p.body, p.header.uncompressed_page_size).length, 20_000);
  });

  it('reads back value for value through hyparquet, for every dtype, layout and codec', async () => {
    const columns = [
      col('f32', 'float32'),
      col('f64', 'float64'),
      col('f16', 'float16'),
      col('i8', 'int8'),
      col('i32', 'int32', 1, { cardinality: 9 }),
      col('i64', 'int64'),
      col('bool', 'bool'),
      col('str', 'string', 11),
      col('bin', 'binary', 9),
      col('lst', 'list', 5),
      col('vf32', 'float32', 6),
      col('vf64', 'float64', 3),
      col('vf16', 'float16', 4),
      col('vi8', 'int8', 5),
      col('vi32', 'int32', 3),
      col('vi64', 'int64', 2),
      col('vbool', 'bool', 11),
    ];
    for (const layout of ['list', 'fixed'] as VectorLayout[]) {
      for (const codec of ['none', 'snappy', 'gzip', 'zstd', 'lz4', 'brotli'] as const) {
        const groups = [13, 8];
        const { bytes } = await writeTestFile({
          columns,
          vectorLayout: layout,
          codec,
          pageSize: 64,
          rowGroups: groups,
          batchRows: 5,
        });
        const rows = await parquetReadObjects({
          file: arrayBufferOf(bytes),
          compressors: hyparquetCompressors,
          utf8: false,
        });
        assert.equal(rows.length, 21);
        for (const spec of columns) {
          const v = columnValues(spec, TEST_CTX, 0, 21);
          const shape = columnShape(spec, layout);
          for (let r = 0; r < 21; r++) {
            assert.equal(
              canonical(rows[r][spec.name]),
              expectedCanonical(spec, shape, v, r),
              `${layout} ${codec} ${spec.name} row ${r}`,
            );
          }
        }
      }
    }
  });

  it('rejects misuse: column order, row counts, value kinds', async () => {
    const columns = [col('a', 'float32'), col('b', 'int32')];
    const make = () =>
      new ParquetStreamWriter({
        columns,
        vectorLayout: 'list',
        codec: 'none',
        pageSize: 1024,
        sink: async () => {},
      });
    const a = (n: number) => columnValues(columns[0], TEST_CTX, 0, n);
    const b = (n: number) => columnValues(columns[1], TEST_CTX, 0, n);
    let w = make();
    await assert.rejects(() => w.writeColumn(0, a(1)), /outside a row group/);
    w.beginRowGroup(4);
    await assert.rejects(() => w.writeColumn(1, b(4)), /incomplete or out of order/);
    await w.writeColumn(0, a(3));
    await assert.rejects(() => w.writeColumn(1, b(4)), /incomplete/);
    await assert.rejects(() => w.writeColumn(0, a(2)), /given 5 rows for a row group of 4/);
    await assert.rejects(() => w.writeColumn(0, b(1)), /expected f32 values, got i32/);
    await w.writeColumn(0, a(1));
    await assert.rejects(() => w.endRowGroup(), /before every column/);
    await w.writeColumn(1, b(4));
    await w.endRowGroup();
    assert.equal((await w.finish()).rows, 4);
    const chunks: Uint8Array[] = [];
    w = new ParquetStreamWriter({
      columns,
      vectorLayout: 'list',
      codec: 'none',
      pageSize: 1024,
      sink: async (c) => void chunks.push(c),
    });
    assert.throws(() => w.beginRowGroup(0), /≥ 1 row/);
    const empty = await w.finish();
    assert.equal(empty.rows, 0);
    const meta = metadataOf(Buffer.concat(chunks));
    assert.equal(meta.num_rows, 0n);
    assert.equal(meta.row_groups.length, 0);
  });
});

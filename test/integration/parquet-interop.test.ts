/**
 * Acceptance: every dtype × layout × codec pqbench writes reads back with the
 * same values, row counts and types in hyparquet and in DuckDB. Files are
 * small and written to a temp dir; one DuckDB instance serves the matrix.
 * (pyarrow is not installed on this machine; DuckDB stands in for the
 * C++/Arrow-side reader.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBBlobValue, type DuckDBConnection, DuckDBInstance, DuckDBListValue } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import type { Codec, ColumnSpec, Dtype, VectorLayout } from '../../src/config/types.ts';
import { CODECS } from '../../src/config/types.ts';
import { columnValues, type ValueContext } from '../../src/dataset/values.ts';
import { hyparquetCompressors, parquetCodecOf } from '../../src/parquet/codec/codecs.ts';
import { columnShape } from '../../src/parquet/write/schema.ts';
import {
  arrayBufferOf,
  canonical,
  expectedCanonical,
  writeTestFile,
} from '../unit/parquet-writer-helpers.ts';

function col(name: string, dtype: Dtype, size = 1, extra: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name, dtype, size, read: true, ...extra };
}

const COLUMNS: ColumnSpec[] = [
  col('f32', 'float32'),
  col('f64', 'float64'),
  col('f16', 'float16'),
  col('i8', 'int8'),
  col('i32', 'int32'),
  col('day', 'int32', 1, { cardinality: 8 }),
  col('i64', 'int64'),
  col('flag', 'bool'),
  col('str', 'string', 12),
  col('cat', 'string', 1, { cardinality: 4 }),
  col('bin', 'binary', 10),
  col('data', 'binary', 40),
  col('lst', 'list', 6),
  col('vf32', 'float32', 16),
  col('vf64', 'float64', 3),
  col('vf16', 'float16', 5),
  col('vi8', 'int8', 7),
  col('vi32', 'int32', 4),
  col('vi64', 'int64', 2),
  col('vbool', 'bool', 9),
  col('i16', 'int16'),
  col('u8', 'uint8'),
  col('u16', 'uint16'),
  col('u32', 'uint32'),
  col('u64', 'uint64'),
  col('vi16', 'int16', 3),
  col('vu8', 'uint8', 5),
  col('vu64', 'uint64', 2),
];
const CTX: ValueContext = { seed: 99, fileIndex: 12, partition: 2, recordLengthStdev: 8 };
const GROUPS = [40, 25, 7];
const ROWS = GROUPS.reduce((a, b) => a + b, 0);

const DUCKDB_SCALAR: Record<Dtype, string> = {
  float32: 'FLOAT',
  float64: 'DOUBLE',
  float16: 'FLOAT',
  int8: 'TINYINT',
  int16: 'SMALLINT',
  int32: 'INTEGER',
  int64: 'BIGINT',
  uint8: 'UTINYINT',
  uint16: 'USMALLINT',
  uint32: 'UINTEGER',
  uint64: 'UBIGINT',
  bool: 'BOOLEAN',
  string: 'VARCHAR',
  binary: 'BLOB',
  list: 'FLOAT',
};

function expectedDuckdbType(spec: ColumnSpec, layout: VectorLayout): string {
  const shape = columnShape(spec, layout);
  if (shape === 'fixed') return 'BLOB';
  if (shape === 'list') return `${DUCKDB_SCALAR[spec.dtype]}[]`;
  return DUCKDB_SCALAR[spec.dtype];
}

/** DuckDB's JS values → the plain values `canonical` understands. */
function plain(x: unknown): unknown {
  if (x instanceof DuckDBBlobValue) return x.bytes;
  if (x instanceof DuckDBListValue) return x.items.map(plain);
  return x;
}

/** Columns pyarrow writes without a dictionary: BOOLEAN, and pqbench's int8 FIXED_LEN_BYTE_ARRAY vectors. */
function plainOnly(spec: ColumnSpec, layout: VectorLayout): boolean {
  return spec.dtype === 'bool' || (columnShape(spec, layout) === 'fixed' && spec.dtype === 'int8');
}

/** Every chunk has a dictionary_page_offset (the fork's _rg_byte_range needs it) exactly when written with one. */
async function assertDictionaryPages(
  duck: DuckDBConnection,
  path: string,
  dictionary: boolean,
  layout: VectorLayout,
): Promise<void> {
  const rows = await duck.runAndReadAll(
    `SELECT path_in_schema, dictionary_page_offset, data_page_offset FROM parquet_metadata('${path}')`,
  );
  for (const [column, dictOffset, dataOffset] of rows.getRows()) {
    const top = String(column).split(', ')[0];
    const spec = COLUMNS.find((c) => c.name === top);
    assert.ok(spec, `column ${column}`);
    const want = dictionary && !plainOnly(spec, layout);
    assert.equal(dictOffset !== null, want, `${column}: dictionary_page_offset ${dictOffset}`);
    if (want) assert.ok(Number(dictOffset) < Number(dataOffset), `${column}: dictionary page first`);
  }
}

describe('Parquet interop: pqbench writer → hyparquet and DuckDB', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duck: DuckDBConnection;
  const expected = new Map<string, string[]>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pqbench-interop-'));
    instance = await DuckDBInstance.create(':memory:');
    duck = await instance.connect();
    for (const spec of COLUMNS) {
      const values = columnValues(spec, CTX, 0, ROWS);
      for (const layout of ['list', 'fixed'] as const) {
        const shape = columnShape(spec, layout);
        expected.set(
          `${layout}/${spec.name}`,
          Array.from({ length: ROWS }, (_, r) => expectedCanonical(spec, shape, values, r)),
        );
      }
    }
  });

  after(() => {
    duck?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  // Dictionary pages as pyarrow writes them: a 256-byte limit makes most chunks fall back to PLAIN mid-chunk.
  const VARIANTS = [
    ...(['list', 'fixed'] as VectorLayout[]).flatMap((layout) =>
      (CODECS as readonly Codec[]).map((codec) => ({
        layout,
        codec,
        dictionary: undefined as number | undefined,
      })),
    ),
    { layout: 'list' as VectorLayout, codec: 'zstd' as Codec, dictionary: 256 },
    { layout: 'fixed' as VectorLayout, codec: 'snappy' as Codec, dictionary: 256 },
    { layout: 'list' as VectorLayout, codec: 'none' as Codec, dictionary: 1 << 20 },
  ];
  for (const { layout, codec, dictionary } of VARIANTS) {
    const name = `${layout} × ${codec}${dictionary ? ` × dictionary ${dictionary} B` : ''}`;
    it(name, async () => {
      const { bytes } = await writeTestFile({
        columns: COLUMNS,
        vectorLayout: layout,
        codec,
        pageSize: 512,
        rowGroups: GROUPS,
        batchRows: 16,
        ctx: CTX,
        dictionaryPageSizeLimit: dictionary,
      });
      const path = join(dir, `${layout}-${codec}${dictionary ? `-dict${dictionary}` : ''}.parquet`);
      writeFileSync(path, bytes);

      const hyRows = await parquetReadObjects({
        file: arrayBufferOf(bytes),
        compressors: hyparquetCompressors,
        utf8: false,
      });
      assert.equal(hyRows.length, ROWS);

      const describeResult = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
      const types = Object.fromEntries(
        describeResult.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]),
      );
      const rowsResult = await duck.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
      const duckRows = rowsResult.getRowObjects();
      assert.equal(duckRows.length, ROWS);
      const meta = await duck.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`);
      assert.deepEqual(
        meta.getRows().map((r) => r[0]),
        [parquetCodecOf(codec)],
      );
      await assertDictionaryPages(duck, path, dictionary !== undefined, layout);

      for (const spec of COLUMNS) {
        assert.equal(types[spec.name], expectedDuckdbType(spec, layout), `DuckDB type of ${spec.name}`);
        const want = expected.get(`${layout}/${spec.name}`) ?? [];
        for (let r = 0; r < ROWS; r++) {
          assert.equal(canonical(hyRows[r][spec.name]), want[r], `hyparquet ${spec.name} row ${r}`);
          assert.equal(canonical(plain(duckRows[r][spec.name])), want[r], `DuckDB ${spec.name} row ${r}`);
        }
      }
    });
  }

  it('DuckDB sees the scalar statistics', async () => {
    const path = join(dir, 'list-zstd.parquet');
    const stats = await duck.runAndReadAll(
      `SELECT stats_min_value, stats_max_value FROM parquet_metadata('${path}') WHERE path_in_schema = 'f32' AND row_group_id = 0`,
    );
    const f32 = columnValues(COLUMNS[0], CTX, 0, GROUPS[0]).data as Float32Array;
    const [[min, max]] = stats.getRows();
    // DuckDB prints the float32 statistics in their shortest decimal form
    assert.equal(Math.fround(Number(min)), Math.min(...f32));
    assert.equal(Math.fround(Number(max)), Math.max(...f32));
    const filtered = await duck.runAndReadAll(`SELECT count(*) FROM read_parquet('${path}') WHERE day = 3`);
    const day = columnValues(COLUMNS[5], CTX, 0, ROWS).data as Int32Array;
    assert.equal(Number(filtered.getRows()[0][0]), day.filter((d) => d === 3).length);
  });
});

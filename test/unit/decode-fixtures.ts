/**
 * Test helpers for the read side: Parquet files written by DuckDB and by
 * hyparquet-writer (files pqbench did not write), and a reference read of the
 * same bytes through hyparquet's public API, to compare decoders value by value.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type FileMetaData, parquetMetadata, parquetReadObjects, type SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnValues } from '../../src/dataset/column-values.ts';
import { compress, hyparquetCompressors } from '../../src/parquet/codec/codecs.ts';

/** Runs `COPY (<select>) TO file (FORMAT parquet, <options>)` in DuckDB and returns the file's bytes. */
export async function duckdbParquet(select: string, options = ''): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pqbench-duck-'));
  const file = path.join(dir, 'f.parquet');
  try {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (${select}) TO '${file}' (FORMAT parquet${options ? `, ${options}` : ''})`);
    connection.closeSync();
    instance.closeSync();
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function metadataOf(bytes: Uint8Array): FileMetaData {
  return parquetMetadata(bytes);
}

/** One column read through hyparquet's public API: one JS value per row (bytes stay bytes). */
export async function hyparquetRows(bytes: Uint8Array, column: string): Promise<unknown[]> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({
    file: buffer,
    columns: [column],
    utf8: false,
    compressors: hyparquetCompressors,
    parsers: { stringFromBytes: (b: Uint8Array) => b as unknown as string },
  });
  return rows.map((row) => row[column]);
}

/** Row `r` of decoded values, in the shape hyparquet returns it (number / bigint / array / bytes). */
export function rowOf(values: ColumnValues, r: number): unknown {
  if (values.kind === 'bytes') return values.data.subarray(values.offsets[r], values.offsets[r + 1]);
  const slice = Array.from(
    values.data.subarray(r * values.size, (r + 1) * values.size) as ArrayLike<number | bigint>,
  );
  return values.size === 1 ? slice[0] : slice;
}

/** Canonical comparable form: booleans → 0/1, strings/bytes → byte arrays, float16 bits → numbers. */
function canonical(value: unknown, half: boolean): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return Array.from(new TextEncoder().encode(value));
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map((v) => canonical(v, half));
  if (half && typeof value === 'number') return halfToNumber(value);
  return value;
}

export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Asserts `values` (rows `[rowStart, rowStart + n)`) equal hyparquet's rows.
 * `rawBytes`: the reference yields each row as bytes (FIXED_LEN_BYTE_ARRAY vectors).
 */
export function assertSameRows(
  values: ColumnValues,
  reference: unknown[],
  rowStart: number,
  label: string,
): void {
  const rows = values.kind === 'bytes' ? values.offsets.length - 1 : values.data.length / values.size;
  for (let r = 0; r < rows; r++) {
    const expected = reference[rowStart + r];
    let actual: unknown = rowOf(values, r);
    if (expected instanceof Uint8Array && values.kind !== 'bytes') {
      // A FIXED_LEN_BYTE_ARRAY vector: compare the row's bytes as stored (int8 narrowed back).
      const row = values.data.subarray(r * values.size, (r + 1) * values.size);
      const narrow =
        values.kind === 'i32' && expected.byteLength === values.size
          ? Int8Array.from(row as Int32Array)
          : row;
      actual = new Uint8Array(narrow.buffer, narrow.byteOffset, narrow.byteLength);
    }
    const half = values.kind === 'f16' && !(expected instanceof Uint8Array);
    const a = canonical(actual, half);
    const e = canonical(expected, false);
    if (JSON.stringify(a, bigintJson) !== JSON.stringify(e, bigintJson)) {
      assert.fail(
        `${label}: row ${rowStart + r} differs: decoded ${JSON.stringify(a, bigintJson)} vs hyparquet ${JSON.stringify(e, bigintJson)}`,
      );
    }
  }
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

/**
 * A file written by hyparquet-writer with every shape pqbench reads: scalars
 * of each physical type, a required 3-level LIST<FLOAT>, a FIXED_LEN_BYTE_ARRAY
 * vector of float32 and a FLOAT16 scalar. Row r's values are simple functions of r.
 */
export function hyparquetWriterFile(options: {
  rows: number;
  rowGroupSize: number;
  codec?: 'UNCOMPRESSED' | 'SNAPPY' | 'ZSTD';
  vectorSize?: number;
  pageSize?: number;
}): Uint8Array {
  const { rows, rowGroupSize, codec = 'UNCOMPRESSED', vectorSize = 8, pageSize } = options;
  const range = Array.from({ length: rows }, (_, r) => r);
  const vector = (r: number) => Array.from({ length: vectorSize }, (_, e) => Math.fround(r + e / 8));
  const schema: SchemaElement[] = [
    { name: 'root', num_children: 9 },
    { name: 'f', type: 'FLOAT', repetition_type: 'REQUIRED' },
    { name: 'd', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    { name: 'i', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'big', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'flag', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
    { name: 'name', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED', converted_type: 'UTF8' },
    { name: 'vec', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    { name: 'fixed', type: 'FIXED_LEN_BYTE_ARRAY', type_length: vectorSize * 4, repetition_type: 'REQUIRED' },
    {
      name: 'half',
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 2,
      repetition_type: 'REQUIRED',
      logical_type: { type: 'FLOAT16' },
    },
  ];
  const buffer = parquetWriteBuffer({
    schema,
    codec,
    compressors: { ZSTD: (input: Uint8Array) => compress('zstd', input) },
    statistics: false,
    rowGroupSize,
    pageSize,
    columnData: [
      { name: 'f', data: Float32Array.from(range, (r) => r * 0.5) },
      { name: 'd', data: Float64Array.from(range, (r) => r * 0.25) },
      { name: 'i', data: Int32Array.from(range, (r) => r - 7) },
      { name: 'big', data: BigInt64Array.from(range, (r) => BigInt(r) * 1_000_000_007n) },
      { name: 'flag', data: range.map((r) => r % 3 === 0) },
      { name: 'name', data: range.map((r) => `row-${r}`) },
      { name: 'vec', data: range.map(vector) },
      { name: 'fixed', data: range.map((r) => new Uint8Array(Float32Array.from(vector(r)).buffer)) },
      { name: 'half', data: range.map((r) => (r % 64) / 4) },
    ],
  });
  return new Uint8Array(buffer);
}

/**
 * Page memory as a loader's pool hands it out — but poisoned (0xA5 in every
 * byte) and never reused, so a decoder that leaves a byte unwritten, or a
 * piece that outlives its page, shows up as wrong values. `taken` counts
 * what was asked for.
 */
export function poisonedMemory(): { memory: (bytes: number) => Uint8Array; taken: () => number } {
  let taken = 0;
  return {
    memory(bytes) {
      taken++;
      return new Uint8Array(bytes).fill(0xa5);
    },
    taken: () => taken,
  };
}

/**
 * `verify: true` (SPEC §4): every decoded value is compared, bit for bit,
 * with what the generator produces for the same (seed, file, partition,
 * column, row). The first difference is a VerifyError naming the object,
 * row group, column and row.
 */
import type { ColumnSpec } from '../config/types.ts';
import {
  type BytesValues,
  type ColumnValues,
  joinPieces,
  type NumericValues,
} from '../dataset/column-values.ts';
import { columnValues, type ValueContext } from '../dataset/values.ts';
import { VerifyError } from '../errors.ts';
import { constantColumn, type RowGroupData } from '../parquet/index.ts';

export interface VerifyInput {
  key: string;
  data: RowGroupData;
  /** Projected columns (the partition column, restored from the path, is checked against the partition value). */
  columns: ColumnSpec[];
  context: ValueContext;
  /** Hive partition column name, if any. */
  partitionBy?: string | null;
}

/** Throws VerifyError at the first value that differs from the generator's. */
export function verifyRowGroup({ key, data, columns, context, partitionBy }: VerifyInput): void {
  if (!data.columns)
    throw new VerifyError(`${key}: row group ${data.rowGroup}: verify needs decoded values (decode is off)`);
  for (const spec of columns) {
    const pieces = data.columns[spec.name];
    const where = `${key}: row group ${data.rowGroup}, column "${spec.name}"`;
    if (!pieces) throw new VerifyError(`${where}: column was not read`);
    const actual = joinPieces(pieces);
    const restored = partitionBy === spec.name && context.partition !== null;
    const expected = restored
      ? constantColumn(spec, context.partition as number, data.numRows)
      : columnValues(spec, context, data.rowStart, data.numRows);
    const problem = firstDifference(expected, actual);
    if (problem) {
      const row = data.rowStart + problem.row;
      throw new VerifyError(`${where}, row ${row} (row ${problem.row} of the group): ${problem.what}`);
    }
  }
}

export interface Difference {
  /** Row index within the compared values. */
  row: number;
  what: string;
}

/** The first row where `actual` differs from `expected` (bitwise for numbers), or undefined. */
export function firstDifference(expected: ColumnValues, actual: ColumnValues): Difference | undefined {
  if (expected.kind !== actual.kind)
    return { row: 0, what: `expected ${expected.kind} values, read ${actual.kind}` };
  if (expected.kind === 'bytes') return bytesDifference(expected, actual as BytesValues);
  const read = actual as NumericValues;
  if (expected.size !== read.size)
    return { row: 0, what: `expected ${expected.size} values per row, read ${read.size}` };
  if (expected.data.length !== read.data.length) {
    return {
      row: Math.min(expected.data.length, read.data.length) / expected.size,
      what: `expected ${expected.data.length / expected.size} rows, read ${read.data.length / read.size}`,
    };
  }
  const a = bytesOf(expected.data);
  const b = bytesOf(read.data);
  if (
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  ) {
    return undefined;
  }
  const width = expected.data.BYTES_PER_ELEMENT;
  for (let i = 0; i < expected.data.length; i++) {
    if (!sameBits(a, b, i * width, width)) {
      const row = Math.floor(i / expected.size);
      const element = i % expected.size;
      return {
        row,
        what: `${expected.size > 1 ? `element ${element}: ` : ''}expected ${String(expected.data[i])}, read ${String(read.data[i])}`,
      };
    }
  }
  return undefined;
}

function bytesOf(array: NumericValues['data']): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function sameBits(a: Uint8Array, b: Uint8Array, offset: number, width: number): boolean {
  for (let k = 0; k < width; k++) if (a[offset + k] !== b[offset + k]) return false;
  return true;
}

function bytesDifference(expected: BytesValues, actual: BytesValues): Difference | undefined {
  const rows = expected.offsets.length - 1;
  if (actual.offsets.length - 1 !== rows) {
    return {
      row: Math.min(rows, actual.offsets.length - 1),
      what: `expected ${rows} rows, read ${actual.offsets.length - 1}`,
    };
  }
  for (let r = 0; r < rows; r++) {
    const e = expected.data.subarray(expected.offsets[r], expected.offsets[r + 1]);
    const a = actual.data.subarray(actual.offsets[r], actual.offsets[r + 1]);
    if (
      !Buffer.from(e.buffer, e.byteOffset, e.byteLength).equals(
        Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      )
    ) {
      return { row: r, what: `expected ${preview(e)}, read ${preview(a)}` };
    }
  }
  return undefined;
}

function preview(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${bytes.byteLength} bytes 0x${head}${bytes.byteLength > 16 ? '…' : ''}`;
}

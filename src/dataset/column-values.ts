/**
 * In-memory column values: the hand-over format between the value generator,
 * the Parquet writer and the reader's verifier. Flat typed arrays, never one
 * object per value, so a batch of 512-float vectors is one Float32Array.
 */

/** Numeric and boolean columns: `size` values per row, row-major. */
export type NumericValues =
  | { kind: 'f32'; data: Float32Array; size: number }
  | { kind: 'f64'; data: Float64Array; size: number }
  /** IEEE 754 half-precision bit patterns. */
  | { kind: 'f16'; data: Uint16Array; size: number }
  /** int32, and int8 widened to int32. */
  | { kind: 'i32'; data: Int32Array; size: number }
  | { kind: 'i64'; data: BigInt64Array; size: number }
  /** 0 / 1 per value. */
  | { kind: 'bool'; data: Uint8Array; size: number };

/** string / binary columns: row r is `data[offsets[r] .. offsets[r+1])`; offsets has rowCount+1 entries. */
export interface BytesValues {
  kind: 'bytes';
  data: Uint8Array;
  offsets: Uint32Array;
}

export type ColumnValues = NumericValues | BytesValues;
export type { ValueKind } from '../config/dtypes.ts';

/** Rows held by `values`. */
export function valuesRowCount(values: ColumnValues): number {
  if (values.kind === 'bytes') return values.offsets.length - 1;
  return values.size === 0 ? 0 : values.data.length / values.size;
}

/** Rows `[start, end)` of `values` as views (no copy). */
export function sliceRows(values: ColumnValues, start: number, end: number): ColumnValues {
  if (values.kind === 'bytes') {
    return { kind: 'bytes', data: values.data, offsets: values.offsets.subarray(start, end + 1) };
  }
  const s = values.size;
  // The spread keeps the discriminant and size; subarray keeps the array type.
  return { ...values, data: values.data.subarray(start * s, end * s) } as NumericValues;
}

/** Byte length of row `row` of a bytes column. */
export function bytesRowLength(values: BytesValues, row: number): number {
  return values.offsets[row + 1] - values.offsets[row];
}

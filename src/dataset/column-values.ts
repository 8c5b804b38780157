/**
 * In-memory column values: the hand-over format between the value generator,
 * the Parquet writer and the reader's verifier. Flat typed arrays, never one
 * object per value, so a batch of 512-float vectors is one Float32Array.
 */
import { KIND_BYTES, type ValueKind } from '../config/dtypes.ts';

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

/**
 * A run of consecutive rows, as decoded: typed `values`, or — when the file
 * stores the values exactly as memory holds them (float32 as FLOAT, …) — the
 * page's own bytes, at whatever alignment the page put them (`raw`: rows ×
 * size × width bytes, little-endian). Raw pieces spare a copy: a loader
 * copies them straight into its batch.
 */
export type ColumnPiece = { rows: number; values: ColumnValues } | { rows: number; raw: Uint8Array };

/** One column of a row group as pieces, in row order: a decoded column chunk holds one per data page. */
export interface PiecewiseValues {
  kind: ValueKind;
  /** Values per row for numeric kinds (1 for bytes). */
  size: number;
  pieces: ColumnPiece[];
}

export function wholePiece(values: ColumnValues): PiecewiseValues {
  return {
    kind: values.kind,
    size: values.kind === 'bytes' ? 1 : values.size,
    pieces: [{ rows: valuesRowCount(values), values }],
  };
}

export function piecewiseRows(column: PiecewiseValues): number {
  return column.pieces.reduce((n, p) => n + p.rows, 0);
}

/** The pieces joined into one ColumnValues (a copy unless there is one typed piece). */
export function joinPieces(column: PiecewiseValues): ColumnValues {
  const only = column.pieces[0];
  if (column.pieces.length === 1 && only && 'values' in only) return only.values;
  if (column.kind === 'bytes') return joinBytes(column.pieces);
  const width = KIND_BYTES[column.kind];
  const out = new Uint8Array(piecewiseRows(column) * column.size * width);
  let at = 0;
  for (const piece of column.pieces) {
    const bytes = 'raw' in piece ? piece.raw : numericBytes(piece.values as NumericValues);
    out.set(bytes, at);
    at += bytes.length;
  }
  return typedOver(column.kind as NumericValues['kind'], out, column.size);
}

/** The bytes under a numeric column's values. */
export function numericBytes(values: NumericValues): Uint8Array {
  return new Uint8Array(values.data.buffer, values.data.byteOffset, values.data.byteLength);
}

/** `bytes` (aligned, owned) viewed as a numeric column of `kind`. */
export function typedOver(kind: NumericValues['kind'], bytes: Uint8Array, size: number): NumericValues {
  const { buffer, byteOffset, byteLength } = bytes;
  switch (kind) {
    case 'f32':
      return { kind, data: new Float32Array(buffer, byteOffset, byteLength / 4), size };
    case 'f64':
      return { kind, data: new Float64Array(buffer, byteOffset, byteLength / 8), size };
    case 'f16':
      return { kind, data: new Uint16Array(buffer, byteOffset, byteLength / 2), size };
    case 'i32':
      return { kind, data: new Int32Array(buffer, byteOffset, byteLength / 4), size };
    case 'i64':
      return { kind, data: new BigInt64Array(buffer, byteOffset, byteLength / 8), size };
    case 'bool':
      return { kind, data: bytes, size };
  }
}

function joinBytes(pieces: ColumnPiece[]): BytesValues {
  const parts = pieces.map((p) => ('values' in p ? p.values : null) as BytesValues);
  const rows = parts.reduce((n, v) => n + v.offsets.length - 1, 0);
  const offsets = new Uint32Array(rows + 1);
  const data = new Uint8Array(
    parts.reduce((n, v) => n + (v.offsets[v.offsets.length - 1] ?? 0) - (v.offsets[0] ?? 0), 0),
  );
  let row = 0;
  let at = 0;
  for (const v of parts) {
    for (let r = 0; r + 1 < v.offsets.length; r++) {
      const piece = v.data.subarray(v.offsets[r], v.offsets[r + 1]);
      data.set(piece, at);
      at += piece.length;
      offsets[++row] = at;
    }
  }
  return { kind: 'bytes', data, offsets };
}

/**
 * The dtype table (SPEC §1): for each workload dtype, how one element is
 * stored in Parquet and held in memory. Every other module asks this table —
 * the writer's schema, the reader's validation and decode target, the
 * generator's batch sizing and the cloud plan's size estimate — so a dtype's
 * width is stated exactly once.
 *
 * It sits in config/ because the workload vocabulary is defined here: the
 * schema validates dtype names and cardinality against it, and every floor
 * above may read it.
 */
import type { ColumnSpec, Dtype, VectorLayout } from './types.ts';

/** In-memory representation of a column's values (see dataset/column-values.ts). */
export type ValueKind = 'f32' | 'f64' | 'f16' | 'i32' | 'i64' | 'bool' | 'bytes';

export type ParquetPhysicalType =
  | 'BOOLEAN'
  | 'INT32'
  | 'INT64'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BYTE_ARRAY'
  | 'FIXED_LEN_BYTE_ARRAY';

/** The subset of Parquet's LogicalType this tool writes. */
export type LogicalAnnotation =
  | { type: 'FLOAT16' }
  | { type: 'STRING' }
  | { type: 'INTEGER'; bitWidth: number; isSigned: boolean };

export interface DtypeInfo {
  /** Physical type of one element (a scalar, or the element of a LIST). */
  physical: ParquetPhysicalType;
  /** FIXED_LEN_BYTE_ARRAY width of one element (float16: 2). */
  typeLength?: number;
  logical?: LogicalAnnotation;
  /**
   * Legacy ConvertedType written beside the logical type (readers that
   * predate LogicalType, DuckDB among them, key integer widths on it).
   */
  converted?: 'INT_8' | 'INT_16' | 'UINT_8' | 'UINT_16' | 'UINT_32' | 'UINT_64' | 'UTF8';
  /** Bytes of one element in PLAIN encoding; 0 for bit-packed BOOLEAN, -1 for variable-length BYTE_ARRAY. */
  plainBytes: number;
  /**
   * Bytes of one element inside a `fixed` vector; 0 where a dtype is never a
   * fixed vector (its vectors are always a LIST, what pyarrow writes for DLIO).
   */
  fixedBytes: number;
  /** What the generator produces and decoders return for this dtype. */
  kind: ValueKind;
  /** `size` counts characters or bytes of one value, not elements (string, binary). */
  variable: boolean;
  /** May carry `cardinality` (values 0..n-1), and so be a Hive partition column. */
  cardinal: boolean;
  /** Largest cardinality the dtype holds (values 0..n-1), where it is narrower than 2^31. */
  cardinalityLimit?: number;
  /**
   * Bytes per `size` unit in DLIO's record size (statscounter.py record_size:
   * its width table, 4 for any dtype it does not list — string, binary, list),
   * which its train_io_* figures multiply samples/s by.
   */
  dlioBytes: number;
}

/** An integer dtype stored as annotated INT32 (held as i32 in memory). */
function narrowInteger(bitWidth: 8 | 16 | 32, isSigned: boolean, dlioBytes: number): DtypeInfo {
  const values = 2 ** (isSigned ? bitWidth - 1 : bitWidth);
  return {
    physical: 'INT32',
    logical: { type: 'INTEGER', bitWidth, isSigned },
    converted: `${isSigned ? 'INT' : 'UINT'}_${bitWidth}` as DtypeInfo['converted'],
    plainBytes: 4,
    fixedBytes: 0,
    kind: 'i32',
    variable: false,
    cardinal: true,
    ...(bitWidth < 32 ? { cardinalityLimit: values } : {}),
    dlioBytes,
  };
}

export const DTYPE_INFO: Record<Dtype, DtypeInfo> = {
  float32: {
    physical: 'FLOAT',
    plainBytes: 4,
    fixedBytes: 4,
    kind: 'f32',
    variable: false,
    cardinal: true,
    dlioBytes: 4,
  },
  float64: {
    physical: 'DOUBLE',
    plainBytes: 8,
    fixedBytes: 8,
    kind: 'f64',
    variable: false,
    cardinal: true,
    dlioBytes: 8,
  },
  float16: {
    physical: 'FIXED_LEN_BYTE_ARRAY',
    typeLength: 2,
    logical: { type: 'FLOAT16' },
    plainBytes: 2,
    fixedBytes: 2,
    kind: 'f16',
    variable: false,
    cardinal: false,
    dlioBytes: 2,
  },
  int8: {
    physical: 'INT32',
    logical: { type: 'INTEGER', bitWidth: 8, isSigned: true },
    converted: 'INT_8',
    plainBytes: 4,
    fixedBytes: 1,
    kind: 'i32',
    variable: false,
    cardinal: true,
    cardinalityLimit: 128,
    dlioBytes: 1,
  },
  // DLIO's parquet generator also writes int16 and the unsigned integers
  // (pa.int16(), pa.uint8()…); Parquet stores them as INT32/INT64 with an
  // INTEGER annotation. Their vectors are LISTs whatever vector_layout says.
  int16: narrowInteger(16, true, 2),
  uint8: narrowInteger(8, false, 1),
  uint16: narrowInteger(16, false, 2),
  uint32: narrowInteger(32, false, 4),
  uint64: {
    physical: 'INT64',
    logical: { type: 'INTEGER', bitWidth: 64, isSigned: false },
    converted: 'UINT_64',
    plainBytes: 8,
    fixedBytes: 0,
    kind: 'i64',
    variable: false,
    cardinal: true,
    dlioBytes: 8,
  },
  int32: {
    physical: 'INT32',
    plainBytes: 4,
    fixedBytes: 4,
    kind: 'i32',
    variable: false,
    cardinal: true,
    dlioBytes: 4,
  },
  int64: {
    physical: 'INT64',
    plainBytes: 8,
    fixedBytes: 8,
    kind: 'i64',
    variable: false,
    cardinal: true,
    dlioBytes: 8,
  },
  bool: {
    physical: 'BOOLEAN',
    plainBytes: 0,
    fixedBytes: 1,
    kind: 'bool',
    variable: false,
    cardinal: false,
    dlioBytes: 1,
  },
  string: {
    physical: 'BYTE_ARRAY',
    logical: { type: 'STRING' },
    converted: 'UTF8',
    plainBytes: -1,
    fixedBytes: 0,
    kind: 'bytes',
    variable: true,
    cardinal: true,
    dlioBytes: 4,
  },
  binary: {
    physical: 'BYTE_ARRAY',
    plainBytes: -1,
    fixedBytes: 0,
    kind: 'bytes',
    variable: true,
    cardinal: false,
    dlioBytes: 4,
  },
  // DLIO's `list` dtype: a LIST<FLOAT> of `size` elements, whatever vector_layout says.
  list: {
    physical: 'FLOAT',
    plainBytes: 4,
    fixedBytes: 0,
    kind: 'f32',
    variable: false,
    cardinal: false,
    dlioBytes: 4,
  },
};

/** Bytes per value of each in-memory kind ('bytes': one byte). */
export const KIND_BYTES: Record<ValueKind, number> = {
  f32: 4,
  f64: 8,
  f16: 2,
  i32: 4,
  i64: 8,
  bool: 1,
  bytes: 1,
};

/** How a column is laid out in a file: one value per row, a LIST, or one FIXED_LEN_BYTE_ARRAY per row. */
export type ColumnShape = 'scalar' | 'list' | 'fixed';

/**
 * The shape a column is written in: string/binary are always scalar, dtype
 * `list` always a LIST, and a dtype that is never a fixed vector a LIST.
 */
export function columnShape(spec: Pick<ColumnSpec, 'dtype' | 'size'>, layout: VectorLayout): ColumnShape {
  if (spec.dtype === 'list') return 'list';
  const info = DTYPE_INFO[spec.dtype];
  if (info.variable || spec.size <= 1) return 'scalar';
  if (layout === 'fixed' && info.fixedBytes === 0) return 'list';
  return layout;
}

/** Integer dtypes: the width and signedness of their values (INTEGER annotation; plain INT32/INT64 are signed). */
export function integerRange(dtype: Dtype): { bits: number; signed: boolean } | null {
  const info = DTYPE_INFO[dtype];
  if (info.kind !== 'i32' && info.kind !== 'i64') return null;
  const logical = info.logical;
  if (logical?.type === 'INTEGER') return { bits: logical.bitWidth, signed: logical.isSigned };
  return { bits: info.kind === 'i32' ? 32 : 64, signed: true };
}

/** Bytes one row of the column occupies in memory as generated (the generator's batch sizing). */
export function memoryRowBytes(spec: Pick<ColumnSpec, 'dtype' | 'size'>): number {
  return Math.max(1, spec.size) * KIND_BYTES[DTYPE_INFO[spec.dtype].kind];
}

/** Uncompressed PLAIN bytes of one row of the column as written (a sizing estimate; levels not counted). */
export function encodedRowBytes(spec: Pick<ColumnSpec, 'dtype' | 'size'>, layout: VectorLayout): number {
  const info = DTYPE_INFO[spec.dtype];
  const size = Math.max(1, spec.size);
  if (info.variable) return 4 + size;
  if (columnShape(spec, layout) === 'fixed') return size * info.fixedBytes;
  return info.plainBytes === 0 ? Math.ceil(size / 8) : size * info.plainBytes;
}

/** DLIO's record size of a workload: Σ size × its widths over every column, else record_length. */
export function dlioRecordBytes(columns: Pick<ColumnSpec, 'dtype' | 'size'>[], recordLength: number): number {
  if (columns.length === 0) return recordLength;
  return columns.reduce((n, c) => n + c.size * DTYPE_INFO[c.dtype].dlioBytes, 0);
}

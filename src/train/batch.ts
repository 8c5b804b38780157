/**
 * A batch as a loader hands it to its accelerator: `samples` rows of every
 * projected column in typed arrays (transferred to the accelerator's thread,
 * never copied again, and handed back once its step is done so the next
 * batch reuses them), and, when asked, the id of each sample.
 */

import { KIND_BYTES } from '../config/dtypes.ts';
import type { ColumnSpec } from '../config/types.ts';
import {
  type BytesValues,
  type ColumnPiece,
  type ColumnValues,
  type NumericValues,
  numericBytes,
  type PiecewiseValues,
} from '../dataset/column-values.ts';
import { BufferPool } from '../storage/buffer-pool.ts';
import type { UnitRef } from './schedule.ts';

export interface Batch {
  samples: number;
  /** Decoded projected columns; undefined when decode is off. */
  columns?: Record<string, ColumnValues>;
  /** Sample ids as (unit, row) pairs, when collected (tests, verification of delivery). */
  ids?: Int32Array;
}

/** The buffers to transfer with a batch (structured clone would copy them). */
export function batchTransferList(batch: Batch): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const values of Object.values(batch.columns ?? {})) {
    buffers.push(values.data.buffer as ArrayBuffer);
    if (values.kind === 'bytes') buffers.push(values.offsets.buffer as ArrayBuffer);
  }
  if (batch.ids) buffers.push(batch.ids.buffer as ArrayBuffer);
  return buffers;
}

/** The column buffers an accelerator hands back once it is done with a batch (ids are kept: they are logged). */
export function recyclableBuffers(batch: Batch): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const values of Object.values(batch.columns ?? {}))
    if (values.kind !== 'bytes') buffers.push(values.data.buffer as ArrayBuffer);
  return buffers;
}

/** Where the rows being added come from: a loaded row group of an object. */
export interface RowSource {
  ref: UnitRef;
  /** Object row of `columns`' first row. */
  rowStart: number;
  columns?: Record<string, PiecewiseValues>;
}

function allocate(kind: NumericValues['kind'], length: number, pool: BufferPool): NumericValues['data'] {
  const buffer = pool.take(length * KIND_BYTES[kind]);
  switch (kind) {
    case 'f32':
      return new Float32Array(buffer, 0, length);
    case 'f64':
      return new Float64Array(buffer, 0, length);
    case 'f16':
      return new Uint16Array(buffer, 0, length);
    case 'i32':
      return new Int32Array(buffer, 0, length);
    case 'i64':
      return new BigInt64Array(buffer, 0, length);
    case 'bool':
      return new Uint8Array(buffer, 0, length);
  }
}

/** Variable-length rows gathered as views, joined when the batch is taken. */
interface BytesColumn {
  kind: 'bytes';
  rows: Uint8Array[];
}

/** A numeric batch column, with a byte view to copy raw page bytes into. */
type NumericColumn = NumericValues & { bytes: Uint8Array };

type ColumnBuffer = NumericColumn | BytesColumn;

/** Fills batches of `size` rows, one row or one run of rows at a time. */
export class BatchBuilder {
  private filled = 0;
  private columns: Record<string, ColumnBuffer> | null = null;
  private ids: Int32Array | null = null;

  constructor(
    readonly size: number,
    /** The columns to copy (null when decode is off: only samples are counted). */
    private readonly specs: ColumnSpec[] | null,
    private readonly collectIds: boolean,
    private readonly pool: BufferPool = new BufferPool(),
  ) {}

  get full(): boolean {
    return this.filled === this.size;
  }

  get room(): number {
    return this.size - this.filled;
  }

  /** Adds rows [from, from + count) of `source` (row indexes within its columns), in order. */
  addRun(source: RowSource, from: number, count: number): void {
    this.open(source);
    if (this.columns && source.columns) {
      for (const [name, buffer] of Object.entries(this.columns)) {
        copyRows(buffer, source.columns[name] as PiecewiseValues, from, this.filled, count);
      }
    }
    if (this.ids) {
      for (let i = 0; i < count; i++) this.setId(this.filled + i, source, from + i);
    }
    this.filled += count;
  }

  /** Adds one row of `source`. */
  addRow(source: RowSource, row: number): void {
    this.addRun(source, row, 1);
  }

  take(): Batch {
    const batch: Batch = { samples: this.filled };
    if (this.columns) {
      batch.columns = Object.fromEntries(Object.entries(this.columns).map(([n, b]) => [n, finish(b)]));
    }
    if (this.ids) batch.ids = this.ids;
    this.filled = 0;
    this.columns = null;
    this.ids = null;
    return batch;
  }

  private open(source: RowSource): void {
    if (this.filled > 0 || this.columns || this.ids) return;
    if (this.collectIds) this.ids = new Int32Array(this.size * 2);
    if (this.specs && source.columns) this.columns = this.allocateColumns(source.columns);
  }

  private allocateColumns(like: Record<string, PiecewiseValues>): Record<string, ColumnBuffer> {
    const out: Record<string, ColumnBuffer> = {};
    for (const spec of this.specs ?? []) {
      const column = like[spec.name];
      if (!column) throw new Error(`column ${spec.name} was not loaded`);
      if (column.kind === 'bytes') {
        out[spec.name] = { kind: 'bytes', rows: [] };
        continue;
      }
      const data = allocate(column.kind, this.size * column.size, this.pool);
      const values = { kind: column.kind, size: column.size, data } as NumericValues;
      out[spec.name] = { ...values, bytes: numericBytes(values) };
    }
    return out;
  }

  private setId(slot: number, source: RowSource, row: number): void {
    const ids = this.ids as Int32Array;
    ids[slot * 2] = source.ref.unit;
    ids[slot * 2 + 1] = source.rowStart + row;
  }
}

/** Copies rows [row, row + count) of a piecewise column into batch slots [slot, slot + count). */
function copyRows(into: ColumnBuffer, from: PiecewiseValues, row: number, slot: number, count: number): void {
  let first = 0;
  for (const piece of from.pieces) {
    if (count === 0) return;
    if (row >= first + piece.rows) {
      first += piece.rows;
      continue;
    }
    const n = Math.min(count, first + piece.rows - row);
    copyFromPiece(into, piece, row - first, slot, n);
    row += n;
    slot += n;
    count -= n;
    first += piece.rows;
  }
  if (count > 0) throw new RangeError(`rows ${row}..${row + count} are not in the loaded column`);
}

function copyFromPiece(
  into: ColumnBuffer,
  piece: ColumnPiece,
  row: number,
  slot: number,
  count: number,
): void {
  if (into.kind === 'bytes') {
    const bytes = (piece as { values: BytesValues }).values;
    for (let i = 0; i < count; i++)
      into.rows.push(bytes.data.subarray(bytes.offsets[row + i], bytes.offsets[row + i + 1]));
    return;
  }
  const rowBytes = into.size * KIND_BYTES[into.kind];
  if ('raw' in piece) {
    copyBytes(into.bytes, slot * rowBytes, piece.raw, row * rowBytes, count * rowBytes);
    return;
  }
  const src = (piece.values as NumericValues).data;
  if (into.size === 1 && count === 1) into.data[slot] = src[row] as never;
  else
    (into.data as Float32Array).set(
      (src as Float32Array).subarray(row * into.size, (row + count) * into.size),
      slot * into.size,
    );
}

/** memcpy; a loop for the few bytes of one scalar, where a subarray would cost more than the copy. */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n <= 16) for (let i = 0; i < n; i++) dst[at + i] = src[from + i] as number;
  else dst.set(src.subarray(from, from + n), at);
}

function finish(buffer: ColumnBuffer): ColumnValues {
  if (buffer.kind !== 'bytes') {
    const { bytes: _bytes, ...values } = buffer;
    return values as NumericValues;
  }
  const offsets = new Uint32Array(buffer.rows.length + 1);
  let total = 0;
  for (const [i, row] of buffer.rows.entries()) {
    total += row.byteLength;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (const [i, row] of buffer.rows.entries()) data.set(row, offsets[i]);
  return { kind: 'bytes', data, offsets };
}

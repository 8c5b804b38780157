/**
 * A batch as a loader hands it to its accelerator: `samples` rows of every
 * projected column in fresh typed arrays (transferred to the accelerator's
 * thread, never copied again), and, when asked, the id of each sample.
 */
import type { ColumnSpec } from '../config/types.ts';
import type { BytesValues, ColumnValues, NumericValues } from '../dataset/column-values.ts';
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

/** Where the rows being added come from: a loaded row group of an object. */
export interface RowSource {
  ref: UnitRef;
  /** Object row of `columns`' first row. */
  rowStart: number;
  columns?: Record<string, ColumnValues>;
}

function allocate(kind: NumericValues['kind'], length: number): NumericValues['data'] {
  switch (kind) {
    case 'f32':
      return new Float32Array(length);
    case 'f64':
      return new Float64Array(length);
    case 'f16':
      return new Uint16Array(length);
    case 'i32':
      return new Int32Array(length);
    case 'i64':
      return new BigInt64Array(length);
    case 'bool':
      return new Uint8Array(length);
  }
}

/** Variable-length rows gathered as views, joined when the batch is taken. */
interface BytesColumn {
  kind: 'bytes';
  rows: Uint8Array[];
}

type ColumnBuffer = NumericValues | BytesColumn;

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
        copyRun(buffer, source.columns[name] as ColumnValues, from, this.filled, count);
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

  private allocateColumns(like: Record<string, ColumnValues>): Record<string, ColumnBuffer> {
    const out: Record<string, ColumnBuffer> = {};
    for (const spec of this.specs ?? []) {
      const values = like[spec.name];
      if (!values) throw new Error(`column ${spec.name} was not loaded`);
      out[spec.name] =
        values.kind === 'bytes'
          ? { kind: 'bytes', rows: [] }
          : ({
              kind: values.kind,
              size: values.size,
              data: allocate(values.kind, this.size * values.size),
            } as NumericValues);
    }
    return out;
  }

  private setId(slot: number, source: RowSource, row: number): void {
    const ids = this.ids as Int32Array;
    ids[slot * 2] = source.ref.unit;
    ids[slot * 2 + 1] = source.rowStart + row;
  }
}

function copyRun(into: ColumnBuffer, from: ColumnValues, row: number, slot: number, count: number): void {
  if (into.kind === 'bytes') {
    const bytes = from as BytesValues;
    for (let i = 0; i < count; i++)
      into.rows.push(bytes.data.subarray(bytes.offsets[row + i], bytes.offsets[row + i + 1]));
    return;
  }
  const size = into.size;
  const src = (from as NumericValues).data;
  if (size === 1 && count === 1) {
    into.data[slot] = src[row] as never;
    return;
  }
  (into.data as Float32Array).set(
    (src as Float32Array).subarray(row * size, (row + count) * size),
    slot * size,
  );
}

function finish(buffer: ColumnBuffer): ColumnValues {
  if (buffer.kind !== 'bytes') return buffer;
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

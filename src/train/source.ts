/**
 * Where a loader gets samples from: objects opened by reference and read a
 * row group at a time or whole. The Parquet reader implements it
 * (parquet-source.ts); tests use in-memory sources.
 */
import type { PiecewiseValues } from '../dataset/column-values.ts';
import type { UnitRef } from './schedule.ts';

/** One row group as loaded: where its rows sit in the object and, when decoding, its projected columns. */
export interface LoadedRowGroup {
  rowGroup: number;
  rowStart: number;
  numRows: number;
  /** Bytes of the group's projected column chunks. */
  projectedBytes: number;
  /** Decoded projected columns by name, page by page; undefined when decode is off. */
  columns?: Record<string, PiecewiseValues>;
  /** The loader copied every row it needs: the buffers behind `columns` may be reused. */
  release?(): void;
}

export interface OpenedObject {
  /** Rows per row group, in file order. */
  readonly rowGroupRows: readonly number[];
  /** Fetches the given row groups (one request plan) and decodes them when decoding; in the order given. */
  read(rowGroups: number[]): Promise<LoadedRowGroup[]>;
}

export interface SampleSource {
  open(ref: UnitRef): Promise<OpenedObject>;
}

/**
 * The request planner (SPEC §4): which byte ranges to GET for the projected
 * columns of some row groups. Pure — the plan is data, so the number of GETs
 * and bytes a read will cost is known before any I/O, and tests can assert it.
 */
import type { ColumnMetaData, FileMetaData } from 'hyparquet';
import { CorruptParquetError, SchemaMismatchError } from '../../errors.ts';

/** `[start, end)` in bytes. */
export interface ByteSpan {
  start: number;
  end: number;
}

export interface PlannedChunk extends ByteSpan {
  rowGroup: number;
  /** Projected (top-level) column name. */
  column: string;
  /** Index of the leaf column chunk inside the row group. */
  leaf: number;
  /** The leaf's path in the schema, e.g. ["vec", "list", "element"]. */
  path: string[];
}

export interface ReadPlan {
  /** GETs to issue, sorted by start, non-overlapping. */
  requests: ByteSpan[];
  /** Projected column chunks, sorted by start. */
  chunks: PlannedChunk[];
  /** Σ chunk sizes: what the projection strictly needs. */
  projectedBytes: number;
  /** Σ request sizes: what will be transferred (≥ projectedBytes because of coalesced gaps). */
  requestBytes: number;
}

export interface PlanInput {
  metadata: FileMetaData;
  /** Top-level column names to read. */
  columns: string[];
  /** Row group indexes to read. */
  rowGroups: number[];
  coalesceGapBytes: number;
  maxRequestBytes: number;
  /** End of the column data (object size − footer); chunks beyond it mean a corrupt footer. */
  dataEnd?: number;
  /** Named in errors. */
  key?: string;
}

/** Leaf column indexes for each top-level column name (a LIST column has one leaf, a struct several). */
export function leafColumnsByName(metadata: FileMetaData): Map<string, number[]> {
  const leaves = new Map<string, number[]>();
  const rowGroup = metadata.row_groups[0];
  if (rowGroup) {
    rowGroup.columns.forEach((chunk, index) => {
      const top = chunk.meta_data?.path_in_schema[0];
      if (top === undefined) return;
      const list = leaves.get(top) ?? [];
      list.push(index);
      leaves.set(top, list);
    });
    return leaves;
  }
  // No row groups: derive leaf order from the flattened schema (leaves = elements with a type).
  let leaf = 0;
  const walk = (start: number, top: string | null): number => {
    const element = metadata.schema[start];
    const children = element.num_children ?? 0;
    let next = start + 1;
    if (children === 0 && start > 0) {
      const name = top ?? element.name;
      const list = leaves.get(name) ?? [];
      list.push(leaf++);
      leaves.set(name, list);
    }
    for (let c = 0; c < children; c++) next = walk(next, start === 0 ? metadata.schema[next].name : top);
    return next;
  };
  if (metadata.schema.length > 0) walk(0, null);
  return leaves;
}

/**
 * First byte of a column chunk. dictionary_page_offset is only trusted when it
 * is a plausible position before the data pages: some writers store 0 (or
 * omit it) when there is no dictionary, and offset 0 is the file's magic.
 */
export function chunkStart(meta: ColumnMetaData): number {
  const data = Number(meta.data_page_offset);
  const dict = meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset);
  return dict !== undefined && dict >= 4 && dict < data ? dict : data;
}

export function chunkSpan(meta: ColumnMetaData): ByteSpan {
  const start = chunkStart(meta);
  return { start, end: start + Number(meta.total_compressed_size) };
}

export function planColumnRanges(input: PlanInput): ReadPlan {
  const { metadata, columns, rowGroups, key = 'object' } = input;
  const leaves = leafColumnsByName(metadata);
  const chunks: PlannedChunk[] = [];
  for (const rowGroup of rowGroups) {
    const group = metadata.row_groups[rowGroup];
    if (!group) {
      throw new RangeError(
        `${key}: row group ${rowGroup} does not exist (file has ${metadata.row_groups.length})`,
      );
    }
    for (const column of columns) {
      const indexes = leaves.get(column);
      if (!indexes) {
        throw new SchemaMismatchError(
          `${key}: column "${column}" not found; file has ${[...leaves.keys()].join(', ')}`,
        );
      }
      // A row group of no rows (pyarrow writes one for an empty table) has nothing to fetch.
      if (Number(group.num_rows) === 0) continue;
      for (const leaf of indexes) {
        const meta = group.columns[leaf]?.meta_data;
        if (!meta)
          throw new CorruptParquetError(
            `${key}: row group ${rowGroup} has no metadata for column "${column}"`,
          );
        const span = chunkSpan(meta);
        if (!Number.isSafeInteger(span.start) || !Number.isSafeInteger(span.end)) {
          throw new CorruptParquetError(
            `${key}: column "${column}" in row group ${rowGroup} has no valid offset or size in the footer`,
          );
        }
        if (
          !(span.start >= 4 && span.end >= span.start) ||
          (input.dataEnd !== undefined && span.end > input.dataEnd)
        ) {
          throw new CorruptParquetError(
            `${key}: column "${column}" in row group ${rowGroup} points outside the data (bytes ${span.start}-${span.end}${
              input.dataEnd !== undefined ? `, data ends at ${input.dataEnd}` : ''
            })`,
          );
        }
        chunks.push({ rowGroup, column, leaf, path: meta.path_in_schema, ...span });
      }
    }
  }
  chunks.sort((a, b) => a.start - b.start || a.end - b.end);
  const requests = coalesceRanges(chunks, input.coalesceGapBytes, input.maxRequestBytes);
  return {
    requests,
    chunks,
    projectedBytes: chunks.reduce((sum, c) => sum + c.end - c.start, 0),
    requestBytes: requests.reduce((sum, r) => sum + r.end - r.start, 0),
  };
}

/**
 * Merge sorted ranges that touch or whose gap is < `gapBytes`, as long as the merged request
 * stays ≤ `maxBytes` (so small chunks never straddle a split); a single range
 * larger than `maxBytes` is split into equal pieces ≤ `maxBytes`.
 */
export function coalesceRanges(sorted: readonly ByteSpan[], gapBytes: number, maxBytes: number): ByteSpan[] {
  if (!(maxBytes >= 1)) throw new RangeError(`maxRequestBytes must be ≥ 1 (got ${maxBytes})`);
  const merged: ByteSpan[] = [];
  let current: ByteSpan | undefined;
  for (const range of sorted) {
    if (range.end <= range.start) continue;
    if (
      current &&
      (range.start <= current.end || range.start - current.end < gapBytes) &&
      Math.max(current.end, range.end) - current.start <= maxBytes
    ) {
      current.end = Math.max(current.end, range.end);
    } else if (current && range.start < current.end) {
      // Overlap that would exceed maxBytes: take only the new part.
      if (range.end > current.end) {
        merged.push(current);
        current = { start: current.end, end: range.end };
      }
    } else {
      if (current) merged.push(current);
      current = { start: range.start, end: range.end };
    }
  }
  if (current) merged.push(current);
  const requests: ByteSpan[] = [];
  for (const range of merged) {
    const length = range.end - range.start;
    const pieces = Math.ceil(length / maxBytes);
    const pieceBytes = Math.ceil(length / pieces);
    for (let start = range.start; start < range.end; start += pieceBytes) {
      requests.push({ start, end: Math.min(range.end, start + pieceBytes) });
    }
  }
  return requests;
}

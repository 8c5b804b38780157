/**
 * ParquetObjectReader: one Parquet object read the way a data loader does
 * (SPEC §4). `open` fetches the footer (1 suffix GET, a 2nd only for a large
 * footer) and validates the projection; `readRowGroups` plans, fetches and
 * (optionally) decodes the projected column chunks of some row groups.
 *
 *   const r = await ParquetObjectReader.open(storage, key, options);
 *   // read_mode default: every row group in one plan
 *   const groups = await r.readRowGroups(r.rowGroups.map((_, i) => i));
 *   // read_mode row_group: one at a time
 *   for (let i = 0; i < r.rowGroups.length; i++) { const [g] = await r.readRowGroups([i]); }
 *
 * With `decode: false` only bytes move (RowGroupData.columns is undefined).
 */
import type { Compressors, FileMetaData } from 'hyparquet';
import type { ColumnSpec, VectorLayout } from '../../config/types.ts';
import { type ColumnValues, type PiecewiseValues, wholePiece } from '../../dataset/column-values.ts';
import type { BufferPool } from '../../storage/buffer-pool.ts';
import type { Storage } from '../../storage/types.ts';
import { hyparquetCompressors, type PageMemory } from '../codec/codecs.ts';
import { decodeColumnChunkPieces } from './decode.ts';
import { targetForSpec } from './decode-target.ts';
import { fetchPlan } from './fetch.ts';
import { readFooter } from './footer.ts';
import { planColumnRanges, type ReadPlan } from './plan.ts';
import { validateProjection } from './validate.ts';

export interface ParquetReaderOptions {
  /** reader.footer_fetch_bytes */
  footerFetchBytes: number;
  /** The projected columns (read: true). */
  columns: ColumnSpec[];
  vectorLayout: VectorLayout;
  coalesceGapBytes: number;
  maxRequestBytes: number;
  /** reader.read_threads: GETs in flight per readRowGroups call. */
  readThreads: number;
  /** false = fetch bytes only. */
  decode: boolean;
  /** Hive partition column (not stored in the file) and this object's value of it; restored on decode. */
  partition?: { column: string; value: number } | null;
  /** Decompressors by Parquet codec name; default: codecs.ts. */
  compressors?: Compressors;
  signal?: AbortSignal;
  /** Fetch into reused buffers (a loader's); see RowGroupData.release. */
  buffers?: BufferPool;
  /** Check page CRCs where the writer stored them (on with reader.verify). */
  checkCrc?: boolean;
}

export interface RowGroupInfo {
  numRows: number;
  /** Index of the group's first row in the object. */
  rowStart: number;
}

export interface RowGroupData {
  rowGroup: number;
  rowStart: number;
  numRows: number;
  /**
   * Bytes transferred for this row group (its chunks plus coalesced gaps);
   * summed over one readRowGroups call it equals the bytes that call fetched.
   */
  bytesFetched: number;
  /** GETs attributed to this row group (a GET is counted for the group its first byte belongs to). */
  requests: number;
  /** Bytes of this group's projected column chunks (read amplification = bytesFetched / projectedBytes). */
  projectedBytes: number;
  /** Decoded projected columns by name, page by page; undefined when decode is off. */
  columns?: Record<string, PiecewiseValues>;
  /**
   * Nothing will read `columns` again: with a buffer pool, the group's
   * decompressed pages go back to it, and the fetch buffers (which
   * uncompressed pages are views of) once every group of the same
   * readRowGroups call was released. Optional to call.
   */
  release(): void;
}

export class ParquetObjectReader {
  readonly numRows: number;
  readonly rowGroups: RowGroupInfo[];
  /** Projected column names stored in the file (the partition column is not). */
  private readonly fileColumns: ColumnSpec[];

  private constructor(
    private readonly storage: Storage,
    readonly key: string,
    readonly metadata: FileMetaData,
    readonly objectSize: number,
    /** Requests and bytes the footer read cost. */
    readonly footer: { requests: number; bytesFetched: number; footerBytes: number; etag?: string },
    private readonly options: ParquetReaderOptions,
  ) {
    let rowStart = 0;
    this.rowGroups = metadata.row_groups.map((group) => {
      const info = { numRows: Number(group.num_rows), rowStart };
      rowStart += info.numRows;
      return info;
    });
    this.numRows = rowStart;
    const partitionColumn = options.partition?.column;
    this.fileColumns = options.columns.filter((c) => c.name !== partitionColumn);
  }

  /** Reads the footer and validates the projection (SchemaMismatchError / CorruptParquetError). */
  static async open(
    storage: Storage,
    key: string,
    options: ParquetReaderOptions,
  ): Promise<ParquetObjectReader> {
    const footer = await readFooter(storage, key, options.footerFetchBytes);
    validateProjection(footer.metadata, options.columns, options.vectorLayout, key, {
      partitionBy: options.partition?.column ?? null,
    });
    const { requests, bytesFetched, footerBytes, etag } = footer;
    return new ParquetObjectReader(
      storage,
      key,
      footer.metadata,
      footer.objectSize,
      { requests, bytesFetched, footerBytes, etag },
      options,
    );
  }

  /** The request plan for some row groups (pure; what readRowGroups will fetch). */
  plan(rowGroups: number[]): ReadPlan {
    return planColumnRanges({
      metadata: this.metadata,
      columns: this.fileColumns.map((c) => c.name),
      rowGroups,
      coalesceGapBytes: this.options.coalesceGapBytes,
      maxRequestBytes: this.options.maxRequestBytes,
      dataEnd: this.objectSize - this.footer.footerBytes,
      key: this.key,
    });
  }

  /** Fetches (one plan for all given groups) and decodes when enabled; results in the order given. */
  async readRowGroups(rowGroups: number[]): Promise<RowGroupData[]> {
    const plan = this.plan(rowGroups);
    const fetched = await fetchPlan(this.storage, this.key, plan, {
      concurrency: this.options.readThreads,
      signal: this.options.signal,
      buffers: this.options.buffers,
      ifMatch: this.footer.etag,
    });
    const attribution = attributeRequests(plan);
    let unreleased = this.options.decode ? rowGroups.length : 0;
    if (unreleased === 0) fetched.release();
    const release = () => {
      if (unreleased > 0 && --unreleased === 0) fetched.release();
    };
    return rowGroups.map((rowGroup) => {
      const info = this.rowGroups[rowGroup];
      const pages = this.options.decode ? pageMemory(this.options.buffers) : undefined;
      const data: RowGroupData = {
        rowGroup,
        rowStart: info.rowStart,
        numRows: info.numRows,
        bytesFetched: attribution.bytes.get(rowGroup) ?? 0,
        requests: attribution.requests.get(rowGroup) ?? 0,
        projectedBytes: plan.chunks.reduce((n, c) => (c.rowGroup === rowGroup ? n + c.end - c.start : n), 0),
        release: once(() => {
          pages?.release();
          release();
        }),
      };
      if (this.options.decode) {
        const columns: Record<string, PiecewiseValues> = {};
        for (const chunk of plan.chunks) {
          if (chunk.rowGroup !== rowGroup) continue;
          const spec = this.fileColumns.find((c) => c.name === chunk.column) as ColumnSpec;
          columns[chunk.column] = decodeColumnChunkPieces({
            bytes: fetched.bytes(chunk),
            metadata: this.metadata,
            rowGroup,
            leaf: chunk.leaf,
            target: targetForSpec(spec),
            compressors: this.options.compressors ?? hyparquetCompressors,
            key: this.key,
            checkCrc: this.options.checkCrc,
            memory: pages?.memory,
          });
        }
        if (info.numRows === 0) for (const spec of this.fileColumns) columns[spec.name] = emptyColumn(spec);
        const partition = this.options.partition;
        const partitionSpec = partition && this.options.columns.find((c) => c.name === partition.column);
        if (partition && partitionSpec)
          columns[partition.column] = wholePiece(
            constantColumn(partitionSpec, partition.value, info.numRows),
          );
        data.columns = columns;
      }
      return data;
    });
  }
}

/** A column of no rows, shaped as its spec decodes. */
function emptyColumn(spec: ColumnSpec): PiecewiseValues {
  const target = targetForSpec(spec);
  return { kind: target.kind, size: target.size, pieces: [] };
}

/**
 * Memory for one row group's decompressed pages and gathered dictionary
 * values, from the loader's pool, given back with the group's release;
 * without a pool, fresh arrays.
 */
function pageMemory(pool: BufferPool | undefined): { memory?: PageMemory; release(): void } {
  if (!pool) return { release() {} };
  const taken: ArrayBuffer[] = [];
  return {
    memory(bytes) {
      const buffer = pool.take(bytes);
      taken.push(buffer);
      return new Uint8Array(buffer, 0, bytes);
    },
    release: () => pool.give(taken.splice(0)),
  };
}

function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (!called) fn();
    called = true;
  };
}

/** Splits a plan's request bytes among row groups: each request goes to the group of the chunk at its first byte. */
function attributeRequests(plan: ReadPlan): { bytes: Map<number, number>; requests: Map<number, number> } {
  const bytes = new Map<number, number>();
  const requests = new Map<number, number>();
  let c = 0;
  for (const request of plan.requests) {
    while (c + 1 < plan.chunks.length && plan.chunks[c].end <= request.start) c++;
    const group = plan.chunks[c]?.rowGroup ?? 0;
    bytes.set(group, (bytes.get(group) ?? 0) + request.end - request.start);
    requests.set(group, (requests.get(group) ?? 0) + 1);
  }
  return { bytes, requests };
}

/** The partition column restored from the path: every row holds the partition value (strings "v<value>"). */
export function constantColumn(spec: ColumnSpec, value: number, numRows: number): ColumnValues {
  const target = targetForSpec(spec);
  switch (target.kind) {
    case 'bytes': {
      const text = new TextEncoder().encode(spec.dtype === 'string' ? `v${value}` : String(value));
      const data = new Uint8Array(text.length * numRows);
      const offsets = new Uint32Array(numRows + 1);
      for (let r = 0; r < numRows; r++) {
        data.set(text, r * text.length);
        offsets[r + 1] = (r + 1) * text.length;
      }
      return { kind: 'bytes', data, offsets };
    }
    case 'f32':
      return { kind: 'f32', data: new Float32Array(numRows * target.size).fill(value), size: target.size };
    case 'f64':
      return { kind: 'f64', data: new Float64Array(numRows * target.size).fill(value), size: target.size };
    case 'i64':
      return {
        kind: 'i64',
        data: new BigInt64Array(numRows * target.size).fill(BigInt(value)),
        size: target.size,
      };
    case 'bool':
      return {
        kind: 'bool',
        data: new Uint8Array(numRows * target.size).fill(value ? 1 : 0),
        size: target.size,
      };
    case 'f16':
      throw new RangeError(`partition column ${spec.name}: float16 cannot be a partition column`);
    default:
      return { kind: 'i32', data: new Int32Array(numRows * target.size).fill(value), size: target.size };
  }
}

/**
 * ParquetStreamWriter: a column-major streaming Parquet writer.
 *
 *   const w = new ParquetStreamWriter({ columns, vectorLayout, codec, compressionLevel, pageSize, sink });
 *   w.beginRowGroup(1024);
 *   for (const [i, column] of columns.entries())
 *     for (const batch of batches) await w.writeColumn(i, columnValues(column, ctx, batch.start, batch.rows));
 *   await w.endRowGroup();
 *   const { bytes } = await w.finish();
 *
 * Within a row group, columns are written in schema order, each completely
 * (in as many `writeColumn` batches as wanted) before the next; pages go to
 * the sink as they fill. Memory is a page per column in progress plus the
 * caller's batch — never a row group. DataPage V1 with PLAIN values and RLE
 * levels, which pyarrow, DuckDB, hyparquet and every other reader handle.
 *
 * The sink receives arrays it may keep (never reused by the writer); batches
 * are copied into pages, so the caller may reuse them once writeColumn resolves.
 */

import type { Codec, ColumnSpec, VectorLayout } from '../../config/types.ts';
import type { ColumnValues } from '../../dataset/column-values.ts';
import { valuesRowCount } from '../../dataset/column-values.ts';
import { TOOL_NAME, TOOL_VERSION } from '../../version.ts';
import { ColumnChunkWriter, type PageOutput } from './column-chunk.ts';
import { encodeFileMetadata, type RowGroupInfo } from './footer.ts';
import {
  columnsMetadataValue,
  type LeafColumn,
  leafColumnsFor,
  PQBENCH_COLUMNS_KEY,
  parquetSchemaFor,
} from './schema.ts';
import { CompactWriter } from './thrift-write.ts';

export const CREATED_BY = `${TOOL_NAME} version ${TOOL_VERSION}`;
const MAGIC = new TextEncoder().encode('PAR1');

export interface ParquetStreamWriterOptions {
  columns: ColumnSpec[];
  vectorLayout: VectorLayout;
  codec: Codec;
  /** null = the codec's default (codecs.ts DEFAULT_LEVELS). */
  compressionLevel?: number | null;
  /** Target bytes of encoded values per data page. */
  pageSize: number;
  /** Dictionary-encode as pyarrow does, falling back to PLAIN past this many dictionary bytes; null/absent = PLAIN only. */
  dictionaryPageSizeLimit?: number | null;
  /** min/max/null_count on scalar columns (vectors never get them). Default true. */
  statistics?: boolean;
  kvMetadata?: { key: string; value: string }[];
  /** Receives the file's bytes in order; awaited (backpressure). */
  sink: (chunk: Uint8Array) => Promise<void>;
  /** Sink calls carry at least this many bytes (small headers and pages are coalesced). Default 256 KiB. */
  sinkChunkBytes?: number;
}

export interface WrittenColumnChunk {
  name: string;
  offset: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface WrittenRowGroup {
  numRows: number;
  offset: number;
  columns: WrittenColumnChunk[];
}

export interface ParquetWriteResult {
  /** Total file size. */
  bytes: number;
  rows: number;
  rowGroups: number;
  /** Footer size including its 4-byte length and the trailing magic. */
  footerBytes: number;
  groups: WrittenRowGroup[];
}

/** Coalesces small writes so the sink sees few, reasonably large chunks. */
class CoalescingOutput implements PageOutput {
  offset = 0;
  private pending: Uint8Array;
  private used = 0;

  constructor(
    private readonly sink: (chunk: Uint8Array) => Promise<void>,
    private readonly chunkBytes: number,
  ) {
    this.pending = new Uint8Array(chunkBytes);
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.offset += chunk.length;
    if (this.used + chunk.length <= this.pending.length) {
      this.pending.set(chunk, this.used);
      this.used += chunk.length;
      if (this.used === this.pending.length) await this.flush();
      return;
    }
    await this.flush();
    if (chunk.length >= this.chunkBytes / 2) {
      await this.sink(chunk);
    } else {
      this.pending.set(chunk, 0);
      this.used = chunk.length;
    }
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const out = this.pending.subarray(0, this.used);
    this.pending = new Uint8Array(this.chunkBytes);
    this.used = 0;
    await this.sink(out);
  }
}

export class ParquetStreamWriter {
  private readonly leaves: LeafColumn[];
  private readonly out: CoalescingOutput;
  private readonly thrift = new CompactWriter(64);
  private readonly groups: RowGroupInfo[] = [];
  private started = false;
  private finished = false;
  private busy = false;
  private group: { numRows: number; offset: number; column: number; chunk: ColumnChunkWriter | null } | null =
    null;
  private groupColumns: RowGroupInfo['columns'] = [];
  private totalRows = 0;

  constructor(private readonly options: ParquetStreamWriterOptions) {
    if (options.columns.length === 0) throw new Error('ParquetStreamWriter needs at least one column');
    this.leaves = leafColumnsFor(options.columns, options.vectorLayout);
    this.out = new CoalescingOutput(options.sink, options.sinkChunkBytes ?? 256 * 1024);
  }

  /** Bytes produced so far (written or buffered for the sink). */
  get offset(): number {
    return this.out.offset;
  }

  /** Starts a row group of exactly `numRows` rows. */
  beginRowGroup(numRows: number): void {
    if (this.finished) throw new Error('ParquetStreamWriter: already finished');
    if (this.group) throw new Error('ParquetStreamWriter: previous row group not ended');
    if (!Number.isInteger(numRows) || numRows < 1) throw new Error(`row group needs ≥ 1 row, got ${numRows}`);
    this.group = { numRows, offset: -1, column: 0, chunk: null };
    this.groupColumns = [];
  }

  /**
   * Appends rows to column `columnIndex` of the current row group. Columns go
   * in order: moving on to column i+1 requires column i to have all rows.
   */
  async writeColumn(columnIndex: number, values: ColumnValues): Promise<void> {
    const group = this.group;
    if (!group) throw new Error('ParquetStreamWriter: writeColumn outside a row group');
    if (this.busy) throw new Error('ParquetStreamWriter: await each writeColumn before the next');
    this.busy = true;
    try {
      if (!this.started) {
        this.started = true;
        await this.out.write(MAGIC);
      }
      if (group.offset < 0) group.offset = this.out.offset;
      if (columnIndex !== group.column) {
        if (columnIndex !== group.column + 1 || !group.chunk || group.chunk.rowsWritten !== group.numRows) {
          throw new Error(
            `ParquetStreamWriter: column ${columnIndex} written while column ${group.column} is incomplete or out of order`,
          );
        }
        await this.closeChunk();
        group.column = columnIndex;
      }
      const leaf = this.leaves[columnIndex];
      if (!leaf) throw new Error(`ParquetStreamWriter: no column ${columnIndex}`);
      checkValues(leaf, values);
      group.chunk ??= new ColumnChunkWriter(
        leaf,
        {
          codec: this.options.codec,
          compressionLevel: this.options.compressionLevel ?? null,
          pageSize: this.options.pageSize,
          dictionaryPageSizeLimit: this.options.dictionaryPageSizeLimit ?? null,
          statistics: this.options.statistics ?? true,
        },
        this.out,
        this.thrift,
      );
      const rows = valuesRowCount(values);
      if (group.chunk.rowsWritten + rows > group.numRows) {
        throw new Error(
          `ParquetStreamWriter: column ${leaf.spec.name} given ${group.chunk.rowsWritten + rows} rows for a row group of ${group.numRows}`,
        );
      }
      await group.chunk.append(values, 0, rows);
    } finally {
      this.busy = false;
    }
  }

  private async closeChunk(): Promise<void> {
    const group = this.group;
    if (!group?.chunk) return;
    this.groupColumns.push(await group.chunk.finish());
    group.chunk = null;
  }

  /** Ends the row group; every column must have received all its rows. */
  async endRowGroup(): Promise<void> {
    const group = this.group;
    if (!group) throw new Error('ParquetStreamWriter: no row group to end');
    const last = this.leaves.length - 1;
    if (group.column !== last || !group.chunk || group.chunk.rowsWritten !== group.numRows) {
      throw new Error(
        `ParquetStreamWriter: row group ended before every column got ${group.numRows} rows (at column ${group.column}, ${group.chunk?.rowsWritten ?? 0} rows)`,
      );
    }
    await this.closeChunk();
    this.groups.push({ numRows: group.numRows, fileOffset: group.offset, columns: this.groupColumns });
    this.totalRows += group.numRows;
    this.group = null;
  }

  /** Writes the footer and flushes everything to the sink. */
  async finish(): Promise<ParquetWriteResult> {
    if (this.group) throw new Error('ParquetStreamWriter: finish() inside an open row group');
    if (this.finished) throw new Error('ParquetStreamWriter: already finished');
    this.finished = true;
    if (!this.started) {
      this.started = true;
      await this.out.write(MAGIC);
    }
    const metadata = encodeFileMetadata({
      schema: parquetSchemaFor(this.options.columns, this.options.vectorLayout),
      numRows: this.totalRows,
      rowGroups: this.groups,
      keyValueMetadata: [
        ...(this.options.kvMetadata ?? []),
        {
          key: PQBENCH_COLUMNS_KEY,
          value: columnsMetadataValue(this.options.columns, this.options.vectorLayout),
        },
      ],
      createdBy: CREATED_BY,
    });
    const tail = new Uint8Array(metadata.length + 8);
    tail.set(metadata);
    new DataView(tail.buffer).setUint32(metadata.length, metadata.length, true);
    tail.set(MAGIC, metadata.length + 4);
    await this.out.write(tail);
    await this.out.flush();
    return {
      bytes: this.out.offset,
      rows: this.totalRows,
      rowGroups: this.groups.length,
      footerBytes: tail.length,
      groups: this.groups.map((g) => ({
        numRows: g.numRows,
        offset: g.fileOffset,
        columns: g.columns.map((c, i) => ({
          name: this.options.columns[i].name,
          offset: c.dataPageOffset,
          compressedBytes: c.totalCompressedSize,
          uncompressedBytes: c.totalUncompressedSize,
        })),
      })),
    };
  }
}

function checkValues(leaf: LeafColumn, values: ColumnValues): void {
  if (values.kind !== leaf.valueKind) {
    throw new Error(`column ${leaf.spec.name}: expected ${leaf.valueKind} values, got ${values.kind}`);
  }
  if (values.kind !== 'bytes' && values.size !== leaf.spec.size && leaf.spec.size > 0) {
    throw new Error(
      `column ${leaf.spec.name}: expected ${leaf.spec.size} values per row, got ${values.size}`,
    );
  }
}

/** Shared by the writer's unit and interop tests: write a synthetic file into memory, walk its pages. */
import type { FileMetaData, PageHeader } from 'hyparquet';
import { parquetMetadata } from 'hyparquet';
import type { Codec, ColumnSpec, VectorLayout } from '../../src/config/types.ts';
import { columnValues, type ValueContext } from '../../src/dataset/values.ts';
import { parquetHeader } from '../../src/parquet/hyparquet.ts';
import { ParquetStreamWriter, type ParquetWriteResult } from '../../src/parquet/write/writer.ts';

export interface TestFileOptions {
  columns: ColumnSpec[];
  vectorLayout: VectorLayout;
  codec: Codec;
  compressionLevel?: number | null;
  pageSize?: number;
  /** Rows per row group, e.g. [5, 3]. */
  rowGroups: number[];
  /** Rows per writeColumn call. */
  batchRows?: number;
  statistics?: boolean;
  ctx?: ValueContext;
  /** Dictionary pages, PLAIN past this many dictionary bytes (default: PLAIN only). */
  dictionaryPageSizeLimit?: number;
}

export const TEST_CTX: ValueContext = { seed: 42, fileIndex: 3, partition: null };

export async function writeTestFile(
  o: TestFileOptions,
): Promise<{ bytes: Uint8Array; result: ParquetWriteResult; sinkChunks: number[] }> {
  const chunks: Uint8Array[] = [];
  const writer = new ParquetStreamWriter({
    columns: o.columns,
    vectorLayout: o.vectorLayout,
    codec: o.codec,
    compressionLevel: o.compressionLevel ?? null,
    pageSize: o.pageSize ?? 1 << 20,
    statistics: o.statistics,
    dictionaryPageSizeLimit: o.dictionaryPageSizeLimit ?? null,
    sink: async (chunk) => {
      chunks.push(chunk);
    },
  });
  const ctx = o.ctx ?? TEST_CTX;
  let rowStart = 0;
  for (const rows of o.rowGroups) {
    writer.beginRowGroup(rows);
    for (const [i, column] of o.columns.entries()) {
      const batch = o.batchRows ?? rows;
      for (let r = 0; r < rows; r += batch) {
        await writer.writeColumn(i, columnValues(column, ctx, rowStart + r, Math.min(batch, rows - r)));
      }
    }
    await writer.endRowGroup();
    rowStart += rows;
  }
  const result = await writer.finish();
  return { bytes: Buffer.concat(chunks), result, sinkChunks: chunks.map((c) => c.length) };
}

export function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function metadataOf(bytes: Uint8Array): FileMetaData {
  return parquetMetadata(arrayBufferOf(bytes));
}

/** Every page of one column chunk: header and (still compressed) body. */
export function pagesOf(
  bytes: Uint8Array,
  metadata: FileMetaData,
  rowGroup: number,
  column: number,
): { header: PageHeader; body: Uint8Array }[] {
  const meta = metadata.row_groups[rowGroup].columns[column].meta_data;
  if (!meta) throw new Error('no column metadata');
  const start = Number(meta.data_page_offset);
  const end = start + Number(meta.total_compressed_size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = { view, offset: start };
  const pages: { header: PageHeader; body: Uint8Array }[] = [];
  while (reader.offset < end) {
    const header = parquetHeader(reader);
    const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    pages.push({ header, body });
  }
  if (reader.offset !== end) throw new Error(`pages overrun the chunk: ${reader.offset} vs ${end}`);
  return pages;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 31;
  const m = h & 1023;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * A reader-independent text form of one value, so hyparquet's and DuckDB's
 * representations compare with the generator's typed arrays: numbers and
 * booleans as numbers, int64 as bigint, strings and binary as hex bytes,
 * lists as bracketed element lists.
 */
export function canonical(x: unknown): string {
  if (x instanceof Uint8Array) return `b:${Buffer.from(x).toString('hex')}`;
  if (typeof x === 'string') return `s:${Buffer.from(x, 'utf8').toString('hex')}`;
  if (typeof x === 'number') return `n:${Object.is(x, -0) ? '-0' : String(x)}`;
  if (typeof x === 'boolean') return `n:${x ? 1 : 0}`;
  if (typeof x === 'bigint') return `i:${x}`;
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  throw new Error(`no canonical form for ${typeof x}: ${String(x)}`);
}

/** The canonical form a reader should return for row `r` of the generator's values of `spec`. */
export function expectedCanonical(
  spec: ColumnSpec,
  shape: 'scalar' | 'list' | 'fixed',
  v: ReturnType<typeof columnValues>,
  r: number,
): string {
  if (v.kind === 'bytes') {
    const bytes = v.data.subarray(v.offsets[r], v.offsets[r + 1]);
    return spec.dtype === 'string'
      ? `s:${Buffer.from(bytes).toString('hex')}`
      : `b:${Buffer.from(bytes).toString('hex')}`;
  }
  const n = v.size;
  const element = (i: number): string => {
    switch (v.kind) {
      case 'f16':
        return canonical(halfToFloat(v.data[i]));
      case 'i64':
        return canonical(v.data[i]);
      default:
        return canonical(v.data[i]);
    }
  };
  if (shape === 'scalar') return element(r);
  if (shape === 'list') return `[${Array.from({ length: n }, (_, e) => element(r * n + e)).join(',')}]`;
  if (spec.dtype === 'int8') {
    return `b:${Buffer.from(Uint8Array.from(v.data.subarray(r * n, (r + 1) * n) as Int32Array, (x) => x & 0xff)).toString('hex')}`;
  }
  const bpe = v.data.BYTES_PER_ELEMENT;
  return `b:${Buffer.from(v.data.buffer, v.data.byteOffset + r * n * bpe, n * bpe).toString('hex')}`;
}

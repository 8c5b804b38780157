/**
 * Column chunk → ColumnValues. Tries the PLAIN fast path first and falls back
 * to hyparquet's generic decoder for everything else; any decoding failure
 * becomes a CorruptParquetError naming the object, row group and column.
 */
import type { Compressors, FileMetaData } from 'hyparquet';
import type { ColumnValues } from '../../dataset/column-values.ts';
import { CorruptParquetError, PqbenchError } from '../../errors.ts';
import { decodeGenericChunk } from './decode-generic.ts';
import { decodePlainChunk } from './decode-plain.ts';
import { type DecodeTarget, leafInfo } from './decode-target.ts';

export type { DecodeTarget } from './decode-target.ts';
export { targetForSpec } from './decode-target.ts';

export interface DecodeChunkInput {
  /** The column chunk's bytes, `[chunkStart, chunkStart + total_compressed_size)`. */
  bytes: Uint8Array;
  metadata: FileMetaData;
  rowGroup: number;
  /** Leaf column index in the row group. */
  leaf: number;
  target: DecodeTarget;
  /** Decompressors by Parquet codec name (codecs.ts `hyparquetCompressors`); SNAPPY is built in. */
  compressors?: Compressors;
  /** Object key, named in errors. */
  key: string;
  /**
   * The caller gives up `bytes`: the fast path may rearrange them and return
   * views into them instead of copies (the reader's fetched buffers).
   */
  inPlace?: boolean;
  /** Force the generic decoder (tests compare both paths on the same bytes). */
  generic?: boolean;
}

export interface DecodedChunk {
  values: ColumnValues;
  /** Which decoder produced the values. */
  path: 'fast' | 'generic';
}

export function decodeColumnChunk(input: DecodeChunkInput): ColumnValues {
  return decodeColumnChunkDetailed(input).values;
}

export function decodeColumnChunkDetailed(input: DecodeChunkInput): DecodedChunk {
  const group = input.metadata.row_groups[input.rowGroup];
  const meta = group?.columns[input.leaf]?.meta_data;
  const column = meta?.path_in_schema.join('.') ?? `#${input.leaf}`;
  const where = `${input.key}: row group ${input.rowGroup}, column "${column}"`;
  if (!meta) throw new CorruptParquetError(`${where}: no column metadata`);
  const numRows = Number(group.num_rows);
  try {
    const leaf = leafInfo(input.metadata, meta);
    if (!input.generic) {
      const values = decodePlainChunk(
        input.bytes,
        leaf,
        input.target,
        numRows,
        input.compressors,
        input.inPlace,
      );
      if (values) return { values, path: 'fast' };
    }
    return {
      values: decodeGenericChunk(input.bytes, leaf, input.target, numRows, input.compressors, where),
      path: 'generic',
    };
  } catch (err) {
    if (err instanceof PqbenchError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new CorruptParquetError(`${where}: cannot decode (${why})`);
  }
}

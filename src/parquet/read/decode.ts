/**
 * Column chunk → ColumnValues. Tries the PLAIN fast path first and falls back
 * to hyparquet's generic decoder for everything else; any decoding failure
 * becomes a CorruptParquetError naming the object, row group and column.
 */
import type { Compressors, FileMetaData } from 'hyparquet';
import {
  type ColumnValues,
  joinPieces,
  type PiecewiseValues,
  wholePiece,
} from '../../dataset/column-values.ts';
import { CorruptParquetError, PqbenchError } from '../../errors.ts';
import type { PageMemory } from '../codec/codecs.ts';
import { corruptReason } from './corrupt.ts';
import { checkPageCrcs } from './crc.ts';
import { decodeFastChunk } from './decode-fast.ts';
import { decodeGenericChunk } from './decode-generic.ts';
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
  /**
   * The generic decoder's decompressors by Parquet codec name (codecs.ts
   * `hyparquetCompressors`; SNAPPY is built in). The fast path uses codecs.ts.
   */
  compressors?: Compressors;
  /**
   * Memory for decompressed pages and gathered dictionary values (a loader's
   * pooled buffers, given back once the chunk's rows are batched): the
   * returned pieces may be views of it. Default: fresh arrays.
   */
  memory?: PageMemory;
  /** Object key, named in errors. */
  key: string;
  /** Force the generic decoder (tests compare both paths on the same bytes). */
  generic?: boolean;
  /** Check the CRC of every page that carries one (reader.verify). */
  checkCrc?: boolean;
}

export interface DecodedChunk {
  /** One piece per data page (fast path: views of the pages where possible), or one for the generic decoder. */
  pieces: PiecewiseValues;
  /** Which decoder produced the values. */
  path: 'fast' | 'generic';
}

/** The chunk's values as one ColumnValues (the pieces joined: a copy when there are several). */
export function decodeColumnChunk(input: DecodeChunkInput): ColumnValues {
  return joinPieces(decodeColumnChunkDetailed(input).pieces);
}

/** The chunk's values as pieces: what a loader copies straight into its batches. */
export function decodeColumnChunkPieces(input: DecodeChunkInput): PiecewiseValues {
  return decodeColumnChunkDetailed(input).pieces;
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
    if (input.checkCrc) checkPageCrcs(input.bytes, where);
    if (!input.generic) {
      const pieces = decodeFastChunk(input.bytes, leaf, input.target, numRows, input.memory);
      if (pieces) return { pieces, path: 'fast' };
    }
    const values = decodeGenericChunk(input.bytes, leaf, input.target, numRows, input.compressors, where);
    return { pieces: wholePiece(values), path: 'generic' };
  } catch (err) {
    if (err instanceof PqbenchError) throw err;
    throw new CorruptParquetError(`${where}: cannot decode: ${corruptReason(err, 'a page')}`);
  }
}

/**
 * Page compression for both directions: the writer's `compress`, the reader's
 * `decompress` fast path, and the `compressors` map hyparquet takes.
 *
 * All synchronous (hyparquet calls decompressors synchronously; the writer
 * compresses page by page) and none needs a native addon, so the same code
 * runs in the linux-arm64 Lambda bundle: gzip and brotli through Node's zlib,
 * zstd through the fastest backend this process has (zstd.ts: node:zlib's
 * zstd, else the optional native addon, else libzstd compiled to WASM),
 * LZ4_RAW through a small JS block compressor (lz4.ts), snappy through
 * hyparquet-writer's JS compressor and hysnappy's WASM decompressor.
 */

import { brotliCompressSync, brotliDecompressSync, constants, gzipSync, unzipSync } from 'node:zlib';
import { decompressLz4, decompressLz4Raw } from 'hyparquet-compressors';
import { snappyUncompressor } from 'hysnappy';
import { DEFAULT_LEVELS } from '../../config/codecs.ts';
import type { Codec } from '../../config/types.ts';
import { snappyCompress } from '../hyparquet.ts';
import { lz4CompressBlock } from './lz4.ts';
import { zstdCompress, zstdDecompress } from './zstd.ts';

export { type ZstdBackendName, zstdBackendName } from './zstd.ts';

/** Parquet's CompressionCodec names (the thrift enum order is significant: index = wire value). */
export const PARQUET_CODECS = [
  'UNCOMPRESSED',
  'SNAPPY',
  'GZIP',
  'LZO',
  'BROTLI',
  'LZ4',
  'ZSTD',
  'LZ4_RAW',
] as const;
export type ParquetCodec = (typeof PARQUET_CODECS)[number];

const PARQUET_NAME: Record<Codec, ParquetCodec> = {
  none: 'UNCOMPRESSED',
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  zstd: 'ZSTD',
  // Hadoop-framed LZ4 is not readable by DuckDB; LZ4_RAW is the portable one.
  lz4: 'LZ4_RAW',
  brotli: 'BROTLI',
};

/** The Parquet codec a pqbench codec is written as. */
export function parquetCodecOf(codec: Codec): ParquetCodec {
  return PARQUET_NAME[codec];
}

/** Thrift wire value of a Parquet codec. */
export function parquetCodecId(codec: ParquetCodec): number {
  return PARQUET_CODECS.indexOf(codec);
}

export { compressionLevelProblem, DEFAULT_LEVELS } from '../../config/codecs.ts';

/** Compresses one page body. The result may be a fresh array or (for none) the input itself. */
export function compress(codec: Codec, bytes: Uint8Array, level: number | null = null): Uint8Array {
  const lvl = level ?? DEFAULT_LEVELS[codec];
  switch (codec) {
    case 'none':
      return bytes;
    case 'snappy':
      return snappyCompress(bytes);
    case 'gzip':
      return asBytes(gzipSync(bytes, { level: lvl }));
    case 'zstd':
      return zstdCompress(bytes, lvl);
    case 'lz4':
      return lz4CompressBlock(bytes);
    case 'brotli':
      return asBytes(
        brotliCompressSync(bytes, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: lvl ?? 4,
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        }),
      );
  }
}

let snappyDecoder: ((input: Uint8Array, outputLength: number) => Uint8Array) | null = null;

function decompressSnappy(input: Uint8Array, outputLength: number): Uint8Array {
  snappyDecoder ??= snappyUncompressor();
  return snappyDecoder(input, outputLength);
}

function checkedLength(out: Uint8Array, expected: number, codec: string): Uint8Array {
  if (out.length !== expected) {
    throw new Error(`${codec} page decompressed to ${out.length} bytes, expected ${expected}`);
  }
  return out;
}

/**
 * Decompresses one page body to exactly `uncompressedSize` bytes. Accepts a
 * pqbench codec name or a Parquet one (as found in file metadata).
 */
export function decompress(
  codec: Codec | ParquetCodec,
  input: Uint8Array,
  uncompressedSize: number,
): Uint8Array {
  if (uncompressedSize === 0 && codec !== 'none' && codec !== 'UNCOMPRESSED') return new Uint8Array(0);
  switch (codec) {
    case 'none':
    case 'UNCOMPRESSED':
      return input;
    case 'snappy':
    case 'SNAPPY':
      return decompressSnappy(input, uncompressedSize);
    case 'gzip':
    case 'GZIP':
      return checkedLength(asBytes(unzipSync(input)), uncompressedSize, 'gzip');
    case 'zstd':
    case 'ZSTD':
      return zstdDecompress(input, uncompressedSize);
    case 'lz4':
    case 'LZ4_RAW':
      return decompressLz4Raw(input, uncompressedSize);
    case 'LZ4':
      return decompressLz4(input, uncompressedSize);
    case 'brotli':
    case 'BROTLI':
      return checkedLength(asBytes(brotliDecompressSync(input)), uncompressedSize, 'brotli');
    case 'LZO':
      throw new Error('LZO-compressed Parquet is not supported');
  }
}

/** Decompressors for hyparquet's `compressors` option (every codec pqbench writes, plus Hadoop LZ4). */
export const hyparquetCompressors: Partial<
  Record<ParquetCodec, (input: Uint8Array, outputLength: number) => Uint8Array>
> = {
  SNAPPY: (input, n) => decompressSnappy(input, n),
  GZIP: (input, n) => decompress('GZIP', input, n),
  ZSTD: (input, n) => zstdDecompress(input, n),
  LZ4: (input, n) => decompressLz4(input, n),
  LZ4_RAW: (input, n) => decompressLz4Raw(input, n),
  BROTLI: (input, n) => decompress('BROTLI', input, n),
};

/** A Buffer as a plain Uint8Array view (same memory), so callers never meet Buffer semantics. */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

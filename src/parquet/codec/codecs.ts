/**
 * Page compression for both directions: the writer's `compress`, the reader's
 * `decompress` fast path, and the `compressors` map hyparquet takes.
 *
 * All synchronous (hyparquet calls decompressors synchronously; the writer
 * compresses page by page). gzip and brotli go through Node's zlib, told the
 * page's size; snappy, LZ4_RAW and zstd through the fastest backend this
 * process has — a native addon with prebuilt linux x64/arm64 binaries where
 * it loads (node:zlib's own zstd first), else WASM or JS (snappy.ts, lz4.ts,
 * zstd.ts; select.ts picks once per process). A Lambda bundle carries no
 * addon and uses the fallbacks, and Node 24's zlib zstd.
 */

import { DEFAULT_LEVELS } from '../../config/codecs.ts';
import type { Codec } from '../../config/types.ts';
import { decompressLz4 } from '../hyparquet.ts';
import { lz4Backends } from './lz4.ts';
import { asBytes, type PageMemory } from './select.ts';

export type { PageMemory } from './select.ts';

import { snappyBackends } from './snappy.ts';
import { zlib } from './zlib.ts';
import { zstdBackendName, zstdCompress, zstdDecompress } from './zstd.ts';

export { type ZstdBackendName, zstdBackendName } from './zstd.ts';

/** Which implementation this process uses for each codec that has a choice (benchmark headers). */
export function codecBackends(): Record<'snappy' | 'lz4' | 'zstd', string> {
  return { snappy: snappyBackends.get().name, lz4: lz4Backends.get().name, zstd: zstdBackendName() };
}

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
      return snappyBackends.get().compress(bytes);
    case 'gzip':
      return asBytes(zlib().gzipSync(bytes, { level: lvl }));
    case 'zstd':
      return zstdCompress(bytes, lvl);
    case 'lz4':
      return lz4Backends.get().compress(bytes);
    case 'brotli':
      return asBytes(
        zlib().brotliCompressSync(bytes, {
          params: {
            [zlib().constants.BROTLI_PARAM_QUALITY]: lvl ?? 4,
            [zlib().constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        }),
      );
  }
}

/** zlib told the output size: one chunk of exactly that, no 16 KiB pieces to join (1.2-1.7× on gzip pages). */
function sized(size: number): { chunkSize: number; maxOutputLength: number } {
  return { chunkSize: Math.max(64, size + 1), maxOutputLength: Math.max(1, size) };
}

function checkedLength(out: Uint8Array, expected: number, codec: string): Uint8Array {
  if (out.length !== expected) {
    throw new Error(`${codec} page decompressed to ${out.length} bytes, expected ${expected}`);
  }
  return out;
}

/**
 * Decompresses one page body to exactly `uncompressedSize` bytes. Accepts a
 * pqbench codec name or a Parquet one (as found in file metadata). Given
 * `memory` (a pooled page), snappy, LZ4_RAW and zstd decode into it where
 * their backend can write into memory it is given; otherwise, and for
 * gzip/brotli (zlib), the result is memory of the backend's own — never a
 * second copy. An uncompressed page is the input itself.
 */
export function decompress(
  codec: Codec | ParquetCodec,
  input: Uint8Array,
  uncompressedSize: number,
  memory?: PageMemory,
): Uint8Array {
  if (uncompressedSize === 0 && codec !== 'none' && codec !== 'UNCOMPRESSED') return new Uint8Array(0);
  switch (codec) {
    case 'none':
    case 'UNCOMPRESSED':
      return input;
    case 'snappy':
    case 'SNAPPY':
      return snappyBackends.get().decompress(input, uncompressedSize, memory);
    case 'gzip':
    case 'GZIP':
      return checkedLength(
        asBytes(zlib().unzipSync(input, sized(uncompressedSize))),
        uncompressedSize,
        'gzip',
      );
    case 'zstd':
    case 'ZSTD':
      return zstdDecompress(input, uncompressedSize, memory);
    case 'lz4':
    case 'LZ4_RAW':
      return lz4Backends.get().decompress(input, uncompressedSize, memory);
    case 'LZ4':
      return decompressLz4(input, uncompressedSize);
    case 'brotli':
    case 'BROTLI':
      return checkedLength(
        asBytes(zlib().brotliDecompressSync(input, sized(uncompressedSize))),
        uncompressedSize,
        'brotli',
      );
    case 'LZO':
      throw new Error('LZO-compressed Parquet is not supported');
  }
}

/** Decompressors for hyparquet's `compressors` option (every codec pqbench writes, plus Hadoop LZ4). */
/**
 * Loads and exercises `codec`'s backend once (a page's round trip), so a
 * loader thread pays for it before it reports ready, not inside the first
 * measured request.
 */
export function warmCodec(codec: Codec): void {
  const page = new Uint8Array(4096).map((_, i) => i % 251);
  decompress(codec, compress(codec, page), page.length);
}

export const hyparquetCompressors: Partial<
  Record<ParquetCodec, (input: Uint8Array, outputLength: number) => Uint8Array>
> = {
  SNAPPY: (input, n) => decompress('SNAPPY', input, n),
  GZIP: (input, n) => decompress('GZIP', input, n),
  ZSTD: (input, n) => zstdDecompress(input, n),
  LZ4: (input, n) => decompressLz4(input, n),
  LZ4_RAW: (input, n) => decompress('LZ4_RAW', input, n),
  BROTLI: (input, n) => decompress('BROTLI', input, n),
};

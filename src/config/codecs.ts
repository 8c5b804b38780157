/**
 * Compression levels per codec: what a workload may ask for and what null
 * means. The config rules validate with it, the page compressors apply it.
 */
import type { Codec } from './types.ts';

/**
 * Levels used when `compression_level` is null. zstd 3 is libzstd's and
 * DuckDB's default; gzip 6 is zlib's; brotli 4 rather than the library's 11,
 * which would make generation CPU-bound at a few MB/s.
 */
export const DEFAULT_LEVELS: Partial<Record<Codec, number>> = { zstd: 3, gzip: 6, brotli: 4 };

/** Allowed levels; codecs without an entry (none, snappy, lz4) take no level. */
export const LEVEL_RANGES: Partial<Record<Codec, [number, number]>> = {
  zstd: [-7, 22],
  gzip: [0, 9],
  brotli: [0, 11],
};

/** Why `level` is not valid for `codec`, or null when it is (null level = default; ignored by none/snappy/lz4). */
export function compressionLevelProblem(codec: Codec, level: number | null): string | null {
  if (level === null) return null;
  const range = LEVEL_RANGES[codec];
  if (!range) return null;
  if (!Number.isInteger(level) || level < range[0] || level > range[1]) {
    return `${codec} compression_level must be an integer in ${range[0]}..${range[1]}, got ${level}`;
  }
  return null;
}

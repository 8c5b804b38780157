/**
 * Byte-range arithmetic shared by the backends, as pure functions. A ByteRange
 * is `[start, end)` or a suffix; HTTP wants inclusive ends; S3 clips ranges
 * that run past the end and answers 416 for ranges that start past it.
 */
import type { ByteRange } from './types.ts';

/** Why a range can never be satisfied whatever the object size, or undefined. */
export function rangeProblem(range: ByteRange): string | undefined {
  if ('suffix' in range) {
    if (!Number.isSafeInteger(range.suffix) || range.suffix <= 0) {
      return `suffix length must be a positive integer, got ${range.suffix}`;
    }
    return undefined;
  }
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0) {
    return `range bounds must be non-negative integers, got [${start}, ${end})`;
  }
  if (end <= start) return `range [${start}, ${end}) is empty`;
  return undefined;
}

/** The HTTP Range header value: `bytes=a-b` (inclusive) or `bytes=-N`. */
export function rangeHeader(range: ByteRange): string {
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return `bytes=${range.start}-${range.end - 1}`;
}

/**
 * The `[start, end)` an S3 server would serve for `range` on an object of
 * `size` bytes, or undefined where S3 answers 416 (range starts at or past the
 * end; any range of an empty object).
 */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } | undefined {
  if (size === 0) return undefined;
  if ('suffix' in range) return { start: Math.max(0, size - range.suffix), end: size };
  if (range.start >= size) return undefined;
  return { start: range.start, end: Math.min(range.end, size) };
}

/** Parses `bytes a-b/size` (Content-Range) into `[a, b+1)` and the total size (undefined when `*`). */
export function parseContentRange(
  header: string,
): { start: number; end: number; size: number | undefined } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]) + 1, size: m[3] === '*' ? undefined : Number(m[3]) };
}

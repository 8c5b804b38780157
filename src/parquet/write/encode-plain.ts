/**
 * PLAIN encoding straight from typed arrays. On a little-endian host (x64,
 * arm64 — everything Node and Lambda run on) the PLAIN bytes of FLOAT, DOUBLE,
 * INT32, INT64, a FLOAT16 FIXED_LEN_BYTE_ARRAY(2) and a FIXED_LEN_BYTE_ARRAY
 * vector of those are the typed array's own bytes, so encoding is a view.
 */

import type { BytesValues, NumericValues } from '../../dataset/column-values.ts';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('pqbench writes Parquet by memory copy and needs a little-endian host');
}

/** The raw bytes of values `[start, end)` of a numeric array (not bool), as a view. */
export function rawBytes(values: NumericValues, start: number, end: number): Uint8Array {
  const bpe = values.data.BYTES_PER_ELEMENT;
  return new Uint8Array(values.data.buffer, values.data.byteOffset + start * bpe, (end - start) * bpe);
}

/**
 * Bit-packs `count` 0/1 bytes from `src[start..]` into `out`, LSB first,
 * starting at bit `bit` of `out` (PLAIN BOOLEAN). `out`'s bytes from that bit
 * on must be zero.
 */
export function packBools(src: Uint8Array, start: number, count: number, out: Uint8Array, bit: number): void {
  let i = 0;
  // Head until byte-aligned, then whole bytes, then the tail.
  for (; i < count && (bit + i) & 7; i++) out[(bit + i) >>> 3] |= (src[start + i] & 1) << ((bit + i) & 7);
  let o = (bit + i) >>> 3;
  for (; i + 8 <= count; i += 8) {
    const s = start + i;
    out[o++] =
      (src[s] & 1) |
      ((src[s + 1] & 1) << 1) |
      ((src[s + 2] & 1) << 2) |
      ((src[s + 3] & 1) << 3) |
      ((src[s + 4] & 1) << 4) |
      ((src[s + 5] & 1) << 5) |
      ((src[s + 6] & 1) << 6) |
      ((src[s + 7] & 1) << 7);
  }
  for (; i < count; i++) out[(bit + i) >>> 3] |= (src[start + i] & 1) << ((bit + i) & 7);
}

/** int8 values held in an Int32Array, narrowed to one byte each (a `fixed` int8 vector). */
export function narrowInt8(
  src: Int32Array,
  start: number,
  count: number,
  out: Uint8Array,
  pos: number,
): void {
  for (let i = 0; i < count; i++) out[pos + i] = src[start + i] & 0xff;
}

/** Encoded size of rows `[start, end)` of a BYTE_ARRAY column: a 4-byte length per row plus the bytes. */
export function byteArrayEncodedLength(values: BytesValues, start: number, end: number): number {
  return (end - start) * 4 + values.offsets[end] - values.offsets[start];
}

/** PLAIN BYTE_ARRAY of rows `[start, end)` into `out` at `pos`; returns the end position. */
export function writeByteArrays(
  values: BytesValues,
  start: number,
  end: number,
  out: Uint8Array,
  pos: number,
): number {
  const { data, offsets } = values;
  for (let r = start; r < end; r++) {
    const a = offsets[r];
    const len = offsets[r + 1] - a;
    out[pos] = len & 0xff;
    out[pos + 1] = (len >>> 8) & 0xff;
    out[pos + 2] = (len >>> 16) & 0xff;
    out[pos + 3] = len >>> 24;
    pos += 4;
    if (len < 32) {
      for (let i = 0; i < len; i++) out[pos + i] = data[a + i];
    } else {
      out.set(data.subarray(a, a + len), pos);
    }
    pos += len;
  }
  return pos;
}

/**
 * Snappy (raw block format, what Parquet pages hold) decoded straight into
 * memory the caller owns: a pooled page buffer, so decompressing a page
 * allocates nothing and copies nothing twice. Literals and non-overlapping
 * copies move with memcpy (`set` / `copyWithin`); only overlapping copies —
 * runs shorter than their offset — go byte by byte. The maintained decoders
 * each cost a copy or a slow loop: the napi addon returns memory of its own
 * (copied out, or an external buffer that V8 must finalise), hysnappy's WASM
 * decodes into WASM memory, snappyjs / hyparquet copy literals byte by byte.
 *
 * Strict: the stream must declare `out.length` bytes and produce exactly
 * that; anything else (a truncated tag, an offset before the output's start)
 * throws, as a corrupt page must.
 */

function corrupt(why: string): never {
  throw new Error(`snappy page is corrupt: ${why}`);
}

/** Reads the leading varint (the uncompressed length); returns [length, next position]. */
function header(input: Uint8Array): [number, number] {
  let length = 0;
  for (let i = 0, shift = 0; i < 5 && i < input.length; i++, shift += 7) {
    const b = input[i] as number;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [length, i + 1];
  }
  return corrupt('no valid length header');
}

/** Copies `length` bytes from `offset` back in `out`, ending at `o + length`. */
function backCopy(out: Uint8Array, o: number, offset: number, length: number): void {
  if (offset === 0 || offset > o) corrupt(`copy offset ${offset} at ${o}`);
  if (o + length > out.length) corrupt('copy overruns the page');
  if (offset >= length && length > 48) {
    out.copyWithin(o, o - offset, o - offset + length);
    return;
  }
  const from = o - offset;
  for (let i = 0; i < length; i++) out[o + i] = out[from + i] as number;
}

/** Decodes `input` into all of `out`, which must be exactly the declared length. */
export function snappyDecompressInto(input: Uint8Array, out: Uint8Array): void {
  const [declared, start] = header(input);
  if (declared !== out.length) corrupt(`declares ${declared} bytes, expected ${out.length}`);
  const end = input.length;
  let p = start;
  let o = 0;
  while (p < end) {
    const tag = input[p++] as number;
    const kind = tag & 3;
    if (kind === 0) {
      let length = (tag >>> 2) + 1;
      if (length > 60) {
        const bytes = length - 60;
        if (p + bytes > end) corrupt('truncated literal length');
        length = 0;
        for (let b = 0; b < bytes; b++) length += (input[p + b] as number) * 2 ** (8 * b);
        length += 1;
        p += bytes;
      }
      if (p + length > end || o + length > out.length) corrupt('literal overruns');
      if (length > 48) out.set(input.subarray(p, p + length), o);
      else for (let i = 0; i < length; i++) out[o + i] = input[p + i] as number;
      p += length;
      o += length;
    } else if (kind === 1) {
      if (p >= end) corrupt('truncated copy');
      const length = ((tag >>> 2) & 7) + 4;
      const offset = ((tag >>> 5) << 8) | (input[p++] as number);
      backCopy(out, o, offset, length);
      o += length;
    } else if (kind === 2) {
      if (p + 2 > end) corrupt('truncated copy');
      const offset = (input[p] as number) | ((input[p + 1] as number) << 8);
      p += 2;
      const length = (tag >>> 2) + 1;
      backCopy(out, o, offset, length);
      o += length;
    } else {
      if (p + 4 > end) corrupt('truncated copy');
      const offset =
        ((input[p] as number) | ((input[p + 1] as number) << 8) | ((input[p + 2] as number) << 16)) +
        (input[p + 3] as number) * 2 ** 24;
      p += 4;
      const length = (tag >>> 2) + 1;
      backCopy(out, o, offset, length);
      o += length;
    }
  }
  if (o !== out.length) corrupt(`decoded ${o} bytes, expected ${out.length}`);
}

/**
 * LZ4 block format (Parquet LZ4_RAW) compressor, pure JS.
 *
 * No maintained pure-JS LZ4 *block* compressor exists (lz4-napi is native,
 * the WASM ones decode only), and the format is small: greedy matching over
 * a 4-byte hash table with LZ4's skip acceleration, which keeps random data
 * (most synthetic columns) at near-copy speed. Decompression reuses
 * hyparquet-compressors' decoder.
 */

const HASH_BITS = 14;
const MIN_MATCH = 4;
/** The last match must start this many bytes before the end (LZ4 spec: MFLIMIT). */
const MF_LIMIT = 12;
/** The last this-many bytes are always literals (LZ4 spec: LASTLITERALS). */
const LAST_LITERALS = 5;
const SKIP_STRENGTH = 6;
const MAX_OFFSET = 65535;

const table = new Int32Array(1 << HASH_BITS);

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function hash(seq: number): number {
  return Math.imul(seq, 2654435761) >>> (32 - HASH_BITS);
}

export function lz4CompressBound(size: number): number {
  return size + Math.floor(size / 255) + 16;
}

/** Compresses `src` into one LZ4 block (no frame, no size prefix). */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(lz4CompressBound(n));
  let op = 0;
  let anchor = 0;

  const emit = (literalEnd: number, matchLength: number, offset: number): void => {
    const literals = literalEnd - anchor;
    const tokenAt = op++;
    let token = 0;
    if (literals >= 15) {
      token = 0xf0;
      let rest = literals - 15;
      while (rest >= 255) {
        out[op++] = 255;
        rest -= 255;
      }
      out[op++] = rest;
    } else {
      token = literals << 4;
    }
    out.set(src.subarray(anchor, literalEnd), op);
    op += literals;
    if (matchLength > 0) {
      out[op++] = offset & 0xff;
      out[op++] = offset >>> 8;
      let rest = matchLength - MIN_MATCH;
      if (rest >= 15) {
        token |= 0x0f;
        rest -= 15;
        while (rest >= 255) {
          out[op++] = 255;
          rest -= 255;
        }
        out[op++] = rest;
      } else {
        token |= rest;
      }
    }
    out[tokenAt] = token;
  };

  if (n > MF_LIMIT) {
    table.fill(-1);
    const matchStartLimit = n - MF_LIMIT;
    const matchEndLimit = n - LAST_LITERALS;
    let ip = 0;
    let misses = 1 << SKIP_STRENGTH;
    while (ip < matchStartLimit) {
      const seq = read32(src, ip);
      const h = hash(seq);
      let ref = table[h];
      table[h] = ip;
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        ip += misses++ >> SKIP_STRENGTH;
        continue;
      }
      misses = 1 << SKIP_STRENGTH;
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let len = MIN_MATCH;
      while (ip + len < matchEndLimit && src[ip + len] === src[ref + len]) len++;
      emit(ip, len, ip - ref);
      ip += len;
      anchor = ip;
      if (ip - 2 >= 0 && ip - 2 < matchStartLimit) table[hash(read32(src, ip - 2))] = ip - 2;
    }
  }
  emit(n, 0, 0);
  return out.slice(0, op);
}

/**
 * LZ4 block decompression (the JS fallback), strict: the block must produce
 * exactly `size` bytes, or the page is corrupt. Into `into` (exactly `size`
 * bytes: a pooled page) when given. hyparquet-compressors' decoder
 * (tested against as the reference) returns a zero-padded output instead.
 */
export function lz4DecompressBlock(input: Uint8Array, size: number, into?: Uint8Array): Uint8Array {
  const output = into ?? new Uint8Array(size);
  if (output.length !== size) throw new RangeError(`lz4: output of ${output.length} bytes, expected ${size}`);
  const fail = (why: string): never => {
    throw new Error(`lz4 block is corrupt or not ${size} bytes long: ${why}`);
  };
  let o = 0;
  let i = 0;
  while (i < input.length) {
    const token = input[i++] as number;
    let literals = token >> 4;
    if (literals === 15) for (let b = 255; b === 255; literals += b) b = input[i++] ?? fail('truncated');
    if (o + literals > size || i + literals > input.length) fail('literals overrun');
    output.set(input.subarray(i, i + literals), o);
    o += literals;
    i += literals;
    if (i >= input.length) break;
    const offset = (input[i] as number) | ((input[i + 1] as number) << 8);
    i += 2;
    if (offset === 0 || offset > o) fail(`match offset ${offset}`);
    let match = (token & 15) + MIN_MATCH;
    if ((token & 15) === 15) for (let b = 255; b === 255; match += b) b = input[i++] ?? fail('truncated');
    if (o + match > size) fail('match overruns');
    for (let k = 0; k < match; k++, o++) output[o] = output[o - offset] as number;
  }
  if (o !== size) fail(`${o} bytes`);
  return output;
}

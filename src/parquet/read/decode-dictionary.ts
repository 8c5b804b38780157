/**
 * Dictionary-encoded pages of fixed-width values (pyarrow's default): the
 * page holds a bit width byte and RLE / bit-packed hybrid indices into the
 * chunk's dictionary. The indices are unpacked and the values gathered in one
 * pass, word by word, straight into the output — never an index array, never
 * one object per value. 4-byte values (float32, int32) and 8-byte values
 * (float64, int64: two 32-bit words) have loops of their own; other widths
 * go value by value.
 */
import type { PageMemory } from '../codec/codecs.ts';

/** Unsigned words of the widest size (4, 2 or 1 bytes) that divides the value width. */
export type Words = Uint32Array | Uint16Array | Uint8Array;

export interface Dictionary {
  words: Words;
  /** Words per value. */
  stride: number;
  /** Values in the dictionary. */
  count: number;
}

export function wordUnit(valueBytes: number): 1 | 2 | 4 {
  return valueBytes % 4 === 0 ? 4 : valueBytes % 2 === 0 ? 2 : 1;
}

/** `bytes` (aligned to `unit`) viewed as words. */
export function wordsOver(unit: 1 | 2 | 4, bytes: Uint8Array): Words {
  const { buffer, byteOffset, byteLength } = bytes;
  if (unit === 4) return new Uint32Array(buffer, byteOffset, byteLength / 4);
  if (unit === 2) return new Uint16Array(buffer, byteOffset, byteLength / 2);
  return bytes;
}

/** `length` bytes to gather into: from `memory` (pooled, aligned) when given. */
export function gatherTarget(length: number, memory: PageMemory | undefined): Uint8Array {
  return memory ? memory(length) : new Uint8Array(length);
}

/**
 * The dictionary page's PLAIN values as aligned words — a view of the page
 * when it is aligned (a decompressed, pooled page is), else a copy; undefined
 * when the page is too short. Used only while the chunk is decoded.
 */
export function dictionaryOf(
  bytes: Uint8Array,
  count: number,
  valueBytes: number,
  memory?: PageMemory,
): Dictionary | undefined {
  const need = count * valueBytes;
  if (bytes.byteLength < need) return undefined;
  const unit = wordUnit(valueBytes);
  let aligned = bytes.subarray(0, need);
  if (aligned.byteOffset % unit !== 0) {
    aligned = gatherTarget(need, memory);
    aligned.set(bytes.subarray(0, need));
  }
  return { words: wordsOver(unit, aligned), stride: valueBytes / unit, count };
}

/** Index `i` of a bit-packed run at byte `p`: one unaligned 32-bit little-endian read (indices are ≤ 24 bits). */
function packedIndex(section: Uint8Array, p: number, bitWidth: number, i: number, mask: number): number {
  const bit = i * bitWidth;
  const q = p + (bit >>> 3);
  const word =
    (section[q] as number) |
    ((section[q + 1] ?? 0) << 8) |
    ((section[q + 2] ?? 0) << 16) |
    ((section[q + 3] ?? 0) << 24);
  return (word >>> (bit & 7)) & mask;
}

/** Indices of a run at `p` whose 32-bit read stays inside the section (the last few take packedIndex). */
function safeCount(section: Uint8Array, p: number, n: number, bitWidth: number): number {
  return Math.max(0, Math.min(n, Math.floor(((section.length - p - 4) * 8) / Math.max(1, bitWidth))));
}

/*
 * The hot loops: `n` bit-packed indices at byte `p` gathered into `out` from
 * word `o`, one per value width so V8 keeps each monomorphic. An index is one
 * unaligned DataView read (measured against a bit accumulator and a
 * byte-by-byte read, CPU time per value: 6.2 vs 16 vs 7.2 ns on this machine).
 */

/** 4-byte values (float32, int32). */
function gatherPacked32(
  section: Uint8Array,
  p: number,
  bitWidth: number,
  n: number,
  words: Uint32Array,
  count: number,
  out: Uint32Array,
  o: number,
): boolean {
  const mask = (1 << bitWidth) - 1;
  const safe = safeCount(section, p, n, bitWidth);
  const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
  let bit = 0;
  for (let i = 0; i < safe; i++, bit += bitWidth) {
    const index = (view.getUint32(p + (bit >>> 3), true) >>> (bit & 7)) & mask;
    if (index >= count) return false;
    out[o + i] = words[index] as number;
  }
  for (let i = safe; i < n; i++) {
    const index = packedIndex(section, p, bitWidth, i, mask);
    if (index >= count) return false;
    out[o + i] = words[index] as number;
  }
  return true;
}

/** 8-byte values (float64, int64): two words each. */
function gatherPacked64(
  section: Uint8Array,
  p: number,
  bitWidth: number,
  n: number,
  words: Uint32Array,
  count: number,
  out: Uint32Array,
  o: number,
): boolean {
  const mask = (1 << bitWidth) - 1;
  const safe = safeCount(section, p, n, bitWidth);
  const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
  let bit = 0;
  for (let i = 0; i < n; i++, bit += bitWidth) {
    const index =
      i < safe
        ? (view.getUint32(p + (bit >>> 3), true) >>> (bit & 7)) & mask
        : packedIndex(section, p, bitWidth, i, mask);
    if (index >= count) return false;
    const at = o + 2 * i;
    out[at] = words[2 * index] as number;
    out[at + 1] = words[2 * index + 1] as number;
  }
  return true;
}

/** Any word size and stride: one value at a time. */
function gatherPackedAny(
  section: Uint8Array,
  p: number,
  bitWidth: number,
  n: number,
  dictionary: Dictionary,
  out: Words,
  o: number,
): boolean {
  const { words, stride, count } = dictionary;
  const mask = (1 << bitWidth) - 1;
  for (let i = 0; i < n; i++) {
    const index = packedIndex(section, p, bitWidth, i, mask);
    if (index >= count) return false;
    // Wide values (FIXED_LEN_BYTE_ARRAY vectors: 512 words for float32[512]) move with one memcpy.
    if (stride > WIDE_STRIDE) out.set(words.subarray(index * stride, (index + 1) * stride), o + i * stride);
    else for (let w = 0; w < stride; w++) out[o + i * stride + w] = words[index * stride + w] as number;
  }
  return true;
}

/** Values of more words than this are copied with `set` (a call costs about as much as this many word moves). */
const WIDE_STRIDE = 16;

/** A bit-packed run, by the loop for its value width. */
function gatherPacked(
  section: Uint8Array,
  p: number,
  bitWidth: number,
  n: number,
  dictionary: Dictionary,
  out: Words,
  o: number,
): boolean {
  const { words, stride, count } = dictionary;
  if (words instanceof Uint32Array && out instanceof Uint32Array) {
    if (stride === 1) return gatherPacked32(section, p, bitWidth, n, words, count, out, o);
    if (stride === 2) return gatherPacked64(section, p, bitWidth, n, words, count, out, o);
  }
  return gatherPackedAny(section, p, bitWidth, n, dictionary, out, o);
}

/** An RLE run: `length` copies of value `index` from word `o`. */
function fillRun(dictionary: Dictionary, index: number, length: number, out: Words, o: number): void {
  const { words, stride } = dictionary;
  if (stride === 1) {
    out.fill(words[index] as number, o, o + length);
    return;
  }
  const value = words.subarray(index * stride, index * stride + stride);
  for (let i = 0; i < length; i++) out.set(value, o + i * stride);
}

/** Indices wider than this take the generic decoder (a dictionary of > 16M values). */
const MAX_INDEX_BITS = 24;

/** A ULEB128 run header at `p`: [header, next position], or undefined past the section. */
function runHeader(section: Uint8Array, p: number): [number, number] | undefined {
  let header = 0;
  for (let shift = 0; ; shift += 7) {
    if (p >= section.byteLength || shift > 28) return undefined;
    const byte = section[p++] as number;
    header += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [header, p];
  }
}

/**
 * Gathers the `count` values a dictionary page section encodes into
 * `out`, starting at value `at`. Returns false on a malformed section or an
 * index past the dictionary.
 */
export function gatherDictionaryPage(
  section: Uint8Array,
  count: number,
  dictionary: Dictionary,
  out: Words,
  at: number,
): boolean {
  if (section.byteLength < 1) return count === 0;
  const bitWidth = section[0] as number;
  if (bitWidth > MAX_INDEX_BITS) return false;
  const stride = dictionary.stride;
  const runBytes = (bitWidth + 7) >> 3;
  let p = 1;
  let remaining = count;
  let o = at * stride;
  while (remaining > 0) {
    const run = runHeader(section, p);
    if (!run) return false;
    const [header, next] = run;
    p = next;
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      const packedEnd = p + groups * bitWidth;
      const n = Math.min(groups * 8, remaining);
      if (packedEnd > section.byteLength) return false;
      if (!gatherPacked(section, p, bitWidth, n, dictionary, out, o)) return false;
      o += n * stride;
      p = packedEnd;
      remaining -= n;
    } else {
      const length = Math.min(Math.floor(header / 2), remaining);
      if (p + runBytes > section.byteLength) return false;
      let index = 0;
      for (let b = 0; b < runBytes; b++) index += (section[p + b] as number) * 2 ** (8 * b);
      p += runBytes;
      if (length > 0 && index >= dictionary.count) return false;
      fillRun(dictionary, index, length, out, o);
      o += length * stride;
      remaining -= length;
    }
  }
  return true;
}

/**
 * Deterministic synthetic column values (SPEC §3).
 *
 * Scheme (counter-based, so any row range can be recomputed without the rows
 * before it — the reader's `verify` depends on this):
 *
 *   streamKey = H(seed, fileIndex, partition, FNV-1a(column name))
 *   rowKey(r) = mix(streamKey ^ mix(r + streamKey'))
 *   word(r,e) = mix(rowKey(r) + e * 0x9E3779B9)          (32 random bits)
 *
 * `mix` is the "lowbias32" integer hash (a bijection with full avalanche), so
 * `word` is a pure function of (seed, fileIndex, partition, column, row,
 * element) and costs a handful of integer ops: no state, no allocation per
 * value. Words become values as follows:
 *   float32  uniform [-1, 1) from one word
 *   float64  uniform [-1, 1) with 53 random bits from two words (e, e+size)
 *   float16  finite half, uniform-like in (-1, 1): random sign and mantissa,
 *            exponent geometric like a uniform float's
 *   int8/16/32  the word truncated to the width, or 0..cardinality-1
 *   uint8/16 the word's top bits, or 0..cardinality-1
 *   uint32   the word's top 31 bits (so signed and unsigned order agree in
 *            the statistics of the INT32 it is stored as), or 0..cardinality-1
 *   int64    two words (e, e+size), or 0..cardinality-1; uint64 likewise
 *            with the top bit clear
 *   bool     lowest bit
 *   string   `size` characters of [a-z0-9 ] (one byte each), or "v<k>" with
 *            k in 0..cardinality-1
 *   binary   `size` random bytes; the default `data` column's length per row
 *            is round(size + stdev·N(0,1)) ≥ 0 (Box–Muller on the row key)
 */

import { DTYPE_INFO, integerRange } from '../config/dtypes.ts';
import type { ColumnSpec } from '../config/types.ts';
import type { BytesValues, ColumnValues } from './column-values.ts';
import type { DatasetPlan } from './types.ts';

export interface ValueContext {
  seed: number;
  fileIndex: number;
  /** Hive partition value of the object, or null when the dataset is not partitioned. */
  partition: number | null;
  /** Stdev of the per-row byte length of a binary column (the default `data` column). */
  recordLengthStdev?: number;
}

const GOLDEN = 0x9e3779b9;
const INV_2_31 = 1 / 2147483648;
const INV_2_53 = 1 / 9007199254740992;
const ALPHABET = new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz0123456789 ');
// 37 symbols: a 64-entry table with repeats keeps the per-byte mapping a mask.
const CHAR_TABLE = Uint8Array.from({ length: 64 }, (_, i) => ALPHABET[i % ALPHABET.length]);

/** lowbias32 (Chris Wellons' hash-prospector): bijective 32-bit mixer. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The 32-bit key of one column's value stream in one object. */
export function streamKey(ctx: ValueContext, columnName: string): number {
  const seedLo = ctx.seed >>> 0;
  const seedHi = Math.floor(ctx.seed / 4294967296) >>> 0;
  let k = mix32(seedLo ^ 0x5bd1e995);
  k = mix32(k ^ seedHi);
  k = mix32(k ^ (ctx.fileIndex >>> 0));
  k = mix32(k ^ (ctx.partition === null ? 0 : ctx.partition + 1));
  return mix32(k ^ fnv1a(columnName));
}

function rowKey(key: number, row: number): number {
  return mix32(key ^ mix32((row + Math.imul(key, GOLDEN)) >>> 0));
}

/** Rows in one object: a file's rows spread evenly over its partition objects. */
export function objectRowCount(
  dataset: Pick<DatasetPlan, 'samplesPerFile' | 'layout'>,
  partition: number | null,
): number {
  const rows = dataset.samplesPerFile;
  if (partition === null) return rows;
  const parts = dataset.layout.partition?.cardinality ?? 1;
  return Math.floor(rows / parts) + (partition < rows % parts ? 1 : 0);
}

/** Values of `spec` for rows `[rowStart, rowStart + rowCount)` of the object `ctx`. */
export function columnValues(
  spec: ColumnSpec,
  ctx: ValueContext,
  rowStart: number,
  rowCount: number,
): ColumnValues {
  const key = streamKey(ctx, spec.name);
  const rows: RowSpan = { key, start: rowStart, count: rowCount, size: spec.size };
  const card = spec.cardinality;
  switch (spec.dtype) {
    case 'float32':
    case 'list': {
      const data = new Float32Array(rowCount * spec.size);
      fillFloat32(data, key, rowStart, rowCount, spec.size);
      return { kind: 'f32', data, size: spec.size };
    }
    case 'float64':
      return { kind: 'f64', data: float64Values(rows), size: spec.size };
    case 'float16':
      return { kind: 'f16', data: float16Values(rows), size: spec.size };
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32': {
      const range = integerRange(spec.dtype) ?? { bits: 32, signed: true };
      return { kind: 'i32', data: int32Values(rows, range, card), size: spec.size };
    }
    case 'int64':
    case 'uint64':
      return { kind: 'i64', data: int64Values(rows, card, spec.dtype === 'uint64'), size: spec.size };
    case 'bool':
      return { kind: 'bool', data: boolValues(rows), size: spec.size };
    case 'string':
      return card
        ? cardinalStrings(key, rowStart, rowCount, card)
        : randomBytes(key, rowStart, rowCount, spec.size, 0, true);
    case 'binary':
      return randomBytes(key, rowStart, rowCount, spec.size, ctx.recordLengthStdev ?? 0, false);
  }
}

/** The rows one call generates: the column's stream key, the first row, how many, elements per row. */
interface RowSpan {
  key: number;
  start: number;
  count: number;
  size: number;
}

/** Element `e` of row `r` of the span as 32 random bits. */
function word(rk: number, e: number): number {
  return mix32((rk + Math.imul(e, GOLDEN)) >>> 0);
}

function float64Values({ key, start, count, size }: RowSpan): Float64Array {
  const data = new Float64Array(count * size);
  for (let r = 0; r < count; r++) {
    const rk = rowKey(key, start + r);
    for (let e = 0; e < size; e++) {
      const hi = word(rk, e) >>> 11;
      const lo = word(rk, e + size);
      data[r * size + e] = (hi * 4294967296 + lo) * INV_2_53 * 2 - 1;
    }
  }
  return data;
}

function float16Values({ key, start, count, size }: RowSpan): Uint16Array {
  const data = new Uint16Array(count * size);
  for (let r = 0; r < count; r++) {
    const rk = rowKey(key, start + r);
    for (let e = 0; e < size; e++) {
      const x = word(rk, e);
      const exponent = Math.max(0, 25 - Math.clz32(x >>> 11));
      data[r * size + e] = (x & 0x83ff) | (exponent << 10);
    }
  }
  return data;
}

function int32Values(
  { key, start, count, size }: RowSpan,
  range: { bits: number; signed: boolean },
  card?: number,
): Int32Array {
  const data = new Int32Array(count * size);
  const shift = 32 - range.bits;
  // Unsigned: the top bits (uint32 keeps 31 of them, see the header).
  const unsignedShift = Math.max(1, shift);
  for (let r = 0; r < count; r++) {
    const rk = rowKey(key, start + r);
    for (let e = 0; e < size; e++) {
      const x = word(rk, e);
      if (card) data[r * size + e] = bounded(x, card);
      else data[r * size + e] = range.signed ? (x << shift) >> shift : x >>> unsignedShift;
    }
  }
  return data;
}

function int64Values({ key, start, count, size }: RowSpan, card?: number, unsigned = false): BigInt64Array {
  const data = new BigInt64Array(count * size);
  // Little-endian word pairs: no BigInt is created per value.
  const words = new Uint32Array(data.buffer);
  for (let r = 0; r < count; r++) {
    const rk = rowKey(key, start + r);
    for (let e = 0; e < size; e++) {
      const i = (r * size + e) * 2;
      const lo = word(rk, e);
      words[i] = card ? bounded(lo, card) : lo;
      if (!card) words[i + 1] = unsigned ? word(rk, e + size) >>> 1 : word(rk, e + size);
    }
  }
  return data;
}

function boolValues({ key, start, count, size }: RowSpan): Uint8Array {
  const data = new Uint8Array(count * size);
  for (let r = 0; r < count; r++) {
    const rk = rowKey(key, start + r);
    for (let e = 0; e < size; e++) data[r * size + e] = word(rk, e) & 1;
  }
  return data;
}

function bounded(x: number, card: number): number {
  return Math.floor((x >>> 0) * (card / 4294967296));
}

function fillFloat32(
  data: Float32Array,
  key: number,
  rowStart: number,
  rowCount: number,
  size: number,
): void {
  for (let r = 0; r < rowCount; r++) {
    const rk = rowKey(key, rowStart + r);
    const base = r * size;
    let ctr = rk;
    for (let e = 0; e < size; e++) {
      // inline mix32: this loop is the generator's hot path
      let x = ctr;
      x ^= x >>> 16;
      x = Math.imul(x, 0x7feb352d);
      x ^= x >>> 15;
      x = Math.imul(x, 0x846ca68b);
      x ^= x >>> 16;
      data[base + e] = x * INV_2_31;
      ctr = (ctr + GOLDEN) | 0;
    }
  }
}

/** Per-row byte length: `size`, or round(size + stdev·N(0,1)) clamped at 0. */
function rowLength(key: number, row: number, size: number, stdev: number): number {
  if (stdev <= 0) return size;
  const a = mix32(key ^ mix32((row ^ 0x68e31da4) >>> 0));
  const b = mix32((a + GOLDEN) >>> 0);
  const u1 = (a + 1) / 4294967297;
  const u2 = b / 4294967296;
  const gauss = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.max(0, Math.round(size + stdev * gauss));
}

function randomBytes(
  key: number,
  rowStart: number,
  rowCount: number,
  size: number,
  stdev: number,
  text: boolean,
): BytesValues {
  const offsets = new Uint32Array(rowCount + 1);
  let total = 0;
  for (let r = 0; r < rowCount; r++) {
    offsets[r] = total;
    total += rowLength(key, rowStart + r, size, stdev);
  }
  offsets[rowCount] = total;
  // Whole rows of a multiple-of-4 length are filled a word at a time.
  const aligned = !text && stdev <= 0 && size % 4 === 0;
  const data = new Uint8Array(total);
  const words = aligned ? new Uint32Array(data.buffer, 0, total >>> 2) : null;
  for (let r = 0; r < rowCount; r++) {
    const rk = rowKey(key, rowStart + r);
    const start = offsets[r];
    const len = offsets[r + 1] - start;
    if (words) {
      const w0 = start >>> 2;
      for (let i = 0; i < len >>> 2; i++) words[w0 + i] = mix32((rk + Math.imul(i, GOLDEN)) >>> 0);
      continue;
    }
    for (let i = 0; i < len; i += 4) {
      const x = mix32((rk + Math.imul(i >>> 2, GOLDEN)) >>> 0);
      const n = Math.min(4, len - i);
      for (let j = 0; j < n; j++) {
        const byte = (x >>> (j * 8)) & 0xff;
        data[start + i + j] = text ? CHAR_TABLE[byte & 63] : byte;
      }
    }
  }
  return { kind: 'bytes', data, offsets };
}

function cardinalStrings(key: number, rowStart: number, rowCount: number, card: number): BytesValues {
  const names: Uint8Array[] = [];
  const encoder = new TextEncoder();
  const picks = new Uint32Array(rowCount);
  const offsets = new Uint32Array(rowCount + 1);
  let total = 0;
  for (let r = 0; r < rowCount; r++) {
    const k = bounded(mix32(rowKey(key, rowStart + r)), card);
    names[k] ??= encoder.encode(`v${k}`);
    picks[r] = k;
    offsets[r] = total;
    total += names[k].length;
  }
  offsets[rowCount] = total;
  const data = new Uint8Array(total);
  for (let r = 0; r < rowCount; r++) data.set(names[picks[r]], offsets[r]);
  return { kind: 'bytes', data, offsets };
}

/** The `kind` columnValues returns for a column. */
export function valueKindOf(spec: ColumnSpec): ColumnValues['kind'] {
  return DTYPE_INFO[spec.dtype].kind;
}

/** The value context of one object; readers verifying values must build the same. */
export function valueContextFor(
  dataset: Pick<DatasetPlan, 'seed' | 'recordLengthStdev'>,
  fileIndex: number,
  partition: number | null,
): ValueContext {
  const ctx: ValueContext = { seed: dataset.seed, fileIndex, partition };
  if (dataset.recordLengthStdev > 0) ctx.recordLengthStdev = dataset.recordLengthStdev;
  return ctx;
}

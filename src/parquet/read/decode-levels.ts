/**
 * Validators for Parquet's RLE / bit-packed hybrid level streams, for the
 * fast paths: a column of fixed-size, non-null rows has constant definition
 * levels and repetition levels `0,1,…,1` per row. Checking that run by run is
 * O(runs) (bit-packed groups byte by byte), where decoding the levels into
 * arrays (hyparquet) is O(values). Each checker is one tight loop: they run
 * for every page a loader reads.
 */

/** 8 copies of `value`, `bitWidth` bits each, packed LSB first: one bit-packed group of it. */
function groupPattern(value: number, bitWidth: number): Uint8Array {
  const out = new Uint8Array(bitWidth);
  for (let i = 0; i < 8; i++) {
    for (let b = 0; b < bitWidth; b++) {
      const bit = i * bitWidth + b;
      if ((value >> b) & 1) out[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return out;
}

/** Value `i` of a bit-packed run starting at byte `offset`. */
function packedValue(bytes: Uint8Array, offset: number, bitWidth: number, i: number): number {
  let value = 0;
  for (let b = 0; b < bitWidth; b++) {
    const bit = i * bitWidth + b;
    value |= ((bytes[offset + (bit >> 3)] >> (bit & 7)) & 1) << b;
  }
  return value;
}

/** True when all `count` levels equal `expected`. */
export function levelsAllEqual(
  bytes: Uint8Array,
  bitWidth: number,
  count: number,
  expected: number,
): boolean {
  const end = bytes.length;
  const runBytes = (bitWidth + 7) >> 3;
  const pattern = groupPattern(expected, bitWidth);
  let offset = 0;
  let remaining = count;
  while (remaining > 0) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (offset >= end || shift > 28) return false;
      const byte = bytes[offset++] as number;
      header += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      if (offset + groups * bitWidth > end) return false;
      const values = Math.min(groups * 8, remaining);
      const full = values >> 3;
      let p = offset;
      for (let g = 0; g < full; g++)
        for (let b = 0; b < bitWidth; b++) if (bytes[p++] !== pattern[b]) return false;
      // A partial last group: only its first values count (the rest is padding).
      for (let i = full * 8; i < values; i++)
        if (packedValue(bytes, offset, bitWidth, i) !== expected) return false;
      offset += groups * bitWidth;
      remaining -= values;
    } else {
      if (offset + runBytes > end) return false;
      let value = 0;
      for (let b = 0; b < runBytes; b++) value += (bytes[offset + b] as number) * 2 ** (8 * b);
      offset += runBytes;
      const used = Math.min(Math.floor(header / 2), remaining);
      if (used > 0 && value !== expected) return false;
      remaining -= used;
    }
  }
  return true;
}

/**
 * Checks repetition levels (max level 1, so one bit each) of rows that each
 * hold exactly `rowSize` values, continuing from `position` (index inside the
 * current row, carried across pages). Returns the position after `count`
 * levels, or -1 when the levels do not describe fixed-size rows.
 */
export function fixedRowRepetition(
  bytes: Uint8Array,
  bitWidth: number,
  count: number,
  rowSize: number,
  position: number,
): number {
  if (bitWidth !== 1) return -1;
  if (position === 0 && count % rowSize === 0 && isGreedyRows(bytes, rowSize, count / rowSize)) return 0;
  const end = bytes.length;
  let at = position;
  let offset = 0;
  let remaining = count;
  while (remaining > 0) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (offset >= end || shift > 28) return -1;
      const byte = bytes[offset++] as number;
      header += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      if (offset + groups > end) return -1;
      const values = Math.min(groups * 8, remaining);
      for (let i = 0; i < values; i++) {
        // Eight levels inside one row (no row starts among them): the byte is all ones.
        if ((i & 7) === 0 && at !== 0 && at + 8 < rowSize && i + 8 <= values) {
          if (bytes[offset + (i >> 3)] !== 0xff) return -1;
          at += 8;
          i += 7;
          continue;
        }
        const level = ((bytes[offset + (i >> 3)] as number) >> (i & 7)) & 1;
        // A row starts exactly where a 0 is; every other value of it is a 1.
        if ((level === 0) !== (at === 0)) return -1;
        at = at + 1 === rowSize ? 0 : at + 1;
      }
      offset += groups;
      remaining -= values;
    } else {
      if (offset >= end) return -1;
      const value = bytes[offset++] as number;
      const length = Math.min(Math.floor(header / 2), remaining);
      remaining -= length;
      if (length === 0) continue;
      if (value === 1) {
        if (at === 0 || at + length > rowSize) return -1;
        at = (at + length) % rowSize;
      } else if (value === 0) {
        if (at !== 0 || (length > 1 && rowSize !== 1)) return -1;
        at = rowSize === 1 ? 0 : 1;
      } else {
        return -1;
      }
    }
  }
  return at;
}

/**
 * The bytes a greedy hybrid encoder (pqbench's writer, hyparquet-writer)
 * gives one row of `rowSize ≥ 16` values: a bit-packed group [0,1,…,1] and an
 * RLE run of the remaining ones. Repeated rows repeat those bytes exactly.
 */
function greedyRow(rowSize: number): Uint8Array {
  const out = [3, 0xfe];
  for (let n = (rowSize - 8) * 2; ; n = Math.floor(n / 128)) {
    if (n < 0x80) {
      out.push(n);
      break;
    }
    out.push((n % 128) | 0x80);
  }
  out.push(1);
  return Uint8Array.from(out);
}

const greedyRows = new Map<number, Buffer>();

/** Whether `bytes` are exactly `rows` greedy-encoded rows: one native compare instead of a walk. */
function isGreedyRows(bytes: Uint8Array, rowSize: number, rows: number): boolean {
  if (rowSize < 16) return false;
  const row = greedyRow(rowSize);
  if (bytes.length !== row.length * rows) return false;
  let expected = greedyRows.get(rowSize);
  if (!expected || expected.length < bytes.length) {
    expected = Buffer.alloc(Math.max(bytes.length, (expected?.length ?? 0) * 2));
    for (let at = 0; at + row.length <= expected.length; at += row.length) expected.set(row, at);
    greedyRows.set(rowSize, expected);
  }
  return Buffer.compare(expected.subarray(0, bytes.length), bytes) === 0;
}

/** Bits needed for levels up to `maxLevel`. */
export function levelBitWidth(maxLevel: number): number {
  return maxLevel === 0 ? 0 : 32 - Math.clz32(maxLevel);
}

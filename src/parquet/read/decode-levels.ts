/**
 * Validators for Parquet's RLE / bit-packed hybrid level streams, for the
 * fast paths: a column of fixed-size, non-null rows has constant definition
 * levels and repetition levels `0,1,…,1` per row. Checking that run by run is
 * O(runs), where decoding the levels into arrays (hyparquet) is O(values).
 */

/** Reads a ULEB128 varint; returns [value, next offset]. */
function readVarint(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (offset >= bytes.length) return [-1, offset];
    const byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, offset];
    shift += 7;
    if (shift > 35) return [-1, offset];
  }
}

/**
 * Visits the runs of a hybrid stream holding `count` values: `onRun(value,
 * length)` for RLE runs, `onValue(value)` for each bit-packed value. A
 * visitor returning false stops the walk. Returns false on a malformed stream,
 * a rejected run, or fewer than `count` values.
 */
function walkHybrid(
  bytes: Uint8Array,
  bitWidth: number,
  count: number,
  onRun: (value: number, length: number) => boolean,
  onValue: (value: number) => boolean,
): boolean {
  const valueBytes = (bitWidth + 7) >> 3;
  const mask = bitWidth >= 32 ? 0xffffffff : (1 << bitWidth) - 1;
  let offset = 0;
  let remaining = count;
  while (remaining > 0) {
    const [header, next] = readVarint(bytes, offset);
    if (header < 0) return false;
    offset = next;
    if (header & 1) {
      const groups = Math.floor(header / 2);
      const packedBytes = groups * bitWidth;
      if (offset + packedBytes > bytes.length) return false;
      const values = Math.min(groups * 8, remaining);
      let bitPosition = offset * 8;
      for (let i = 0; i < values; i++) {
        let value = 0;
        for (let b = 0; b < bitWidth; b++, bitPosition++) {
          value |= ((bytes[bitPosition >> 3] >> (bitPosition & 7)) & 1) << b;
        }
        if (!onValue(value & mask)) return false;
      }
      offset += packedBytes;
      remaining -= values;
    } else {
      const length = Math.floor(header / 2);
      if (offset + valueBytes > bytes.length) return false;
      let value = 0;
      for (let b = 0; b < valueBytes; b++) value += bytes[offset + b] * 2 ** (8 * b);
      offset += valueBytes;
      const used = Math.min(length, remaining);
      if (used === 0 && length === 0) continue;
      if (!onRun(value, used)) return false;
      remaining -= used;
    }
  }
  return true;
}

/** True when all `count` levels equal `expected`. */
export function levelsAllEqual(
  bytes: Uint8Array,
  bitWidth: number,
  count: number,
  expected: number,
): boolean {
  return walkHybrid(
    bytes,
    bitWidth,
    count,
    (value) => value === expected,
    (value) => value === expected,
  );
}

/**
 * Checks repetition levels (max level 1) of rows that each hold exactly
 * `rowSize` values, continuing from `position` (index inside the current row,
 * carried across pages). Returns the position after `count` levels, or -1 when
 * the levels do not describe fixed-size rows.
 */
export function fixedRowRepetition(
  bytes: Uint8Array,
  bitWidth: number,
  count: number,
  rowSize: number,
  position: number,
): number {
  let at = position;
  const ok = walkHybrid(
    bytes,
    bitWidth,
    count,
    (value, length) => {
      if (value === 1) {
        if (at === 0 || at + length > rowSize) return false;
        at = (at + length) % rowSize;
        return true;
      }
      if (value === 0) {
        if (at !== 0 || (length > 1 && rowSize !== 1)) return false;
        at = rowSize === 1 ? 0 : 1;
        return true;
      }
      return false;
    },
    (value) => {
      if ((value === 0) !== (at === 0)) return false;
      at = (at + 1) % rowSize;
      return true;
    },
  );
  return ok ? at : -1;
}

/** Bits needed for levels up to `maxLevel`. */
export function levelBitWidth(maxLevel: number): number {
  return maxLevel === 0 ? 0 : 32 - Math.clz32(maxLevel);
}

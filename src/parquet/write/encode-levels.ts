/**
 * Repetition / definition levels in the RLE / bit-packed hybrid encoding.
 *
 * The generic encoder makes exactly hyparquet-writer's choices (an RLE run
 * for 8+ equal values, otherwise a bit-packed group of 8), so the two are
 * byte-for-byte comparable in tests. The fast paths produce the same bytes
 * without materialising one byte per level: a required fixed-size list of
 * `size ≥ 16` elements has repetition levels 0,1,…,1 per row, which the
 * greedy encoder always turns into the same 4–6 byte pattern per row; its
 * definition levels are one constant run.
 */

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function putVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/** Generic RLE / bit-packed hybrid encoding of `values` (bitWidth ≤ 8), hyparquet-writer's run choices. */
export function encodeHybrid(values: ArrayLike<number>, bitWidth: number): Uint8Array {
  const out: number[] = [];
  const width = (bitWidth + 7) >> 3;
  const pushVarint = (n: number): void => {
    while (n >= 0x80) {
      out.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
  };
  const flushBitPacked = (start: number, groups: number): void => {
    pushVarint((groups << 1) | 1);
    if (bitWidth === 0) return;
    const mask = (1 << bitWidth) - 1;
    let buffer = 0;
    let used = 0;
    for (let i = 0; i < groups * 8; i++) {
      const idx = start + i;
      buffer |= (idx < values.length ? values[idx] & mask : 0) << used;
      used += bitWidth;
      while (used >= 8) {
        out.push(buffer & 0xff);
        buffer >>>= 8;
        used -= 8;
      }
    }
    if (used > 0) out.push(buffer & 0xff);
  };
  let pendingGroups = 0;
  let pendingStart = 0;
  let i = 0;
  while (i < values.length) {
    const first = values[i];
    let run = 1;
    while (i + run < values.length && values[i + run] === first) run++;
    if (run >= 8) {
      if (pendingGroups) {
        flushBitPacked(pendingStart, pendingGroups);
        pendingGroups = 0;
      }
      pushVarint(run << 1);
      for (let j = 0; j < width; j++) out.push((first >> (j * 8)) & 0xff);
      i += run;
    } else {
      if (pendingGroups === 0) pendingStart = i;
      pendingGroups++;
      i += 8;
    }
  }
  if (pendingGroups) flushBitPacked(pendingStart, pendingGroups);
  return Uint8Array.from(out);
}

/** `count` copies of `value` at bit width 1. */
export function constantLevels(count: number, value: 0 | 1): Uint8Array {
  if (count === 0) return new Uint8Array(0);
  if (count < 8) return Uint8Array.of(0x03, value ? (1 << count) - 1 : 0);
  const out = new Uint8Array(varintLength(count * 2) + 1);
  const pos = putVarint(out, 0, count * 2);
  out[pos] = value;
  return out;
}

/** Repetition levels of `rows` rows of a required list of exactly `size` elements each (bit width 1). */
export function listRepetitionLevels(rows: number, size: number): Uint8Array {
  if (size < 16) {
    const levels = new Uint8Array(rows * size).fill(1);
    for (let r = 0; r < rows; r++) levels[r * size] = 0;
    return encodeHybrid(levels, 1);
  }
  const tail = (size - 8) * 2;
  const rowLength = 3 + varintLength(tail);
  const out = new Uint8Array(rows * rowLength);
  // One bit-packed group [0,1,1,1,1,1,1,1], then an RLE run of size-8 ones.
  out[0] = 0x03;
  out[1] = 0xfe;
  const end = putVarint(out, 2, tail);
  out[end] = 1;
  for (let filled = rowLength; filled < out.length; filled *= 2) {
    out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  }
  return out;
}

/**
 * Column-chunk statistics (min, max, null_count) for scalar columns, encoded
 * as the Parquet spec's min_value / max_value (PLAIN bytes of the value).
 * Vector columns get none: their min/max would be whole vectors per row
 * group, bloating the footer (notes: parquet-libraries.md).
 *
 * Min/max are copied, never views, so a row group's buffers are not pinned.
 */

import type { ColumnValues } from '../../dataset/column-values.ts';
import type { LeafColumn } from './schema.ts';

export interface EncodedStatistics {
  nullCount: number;
  min?: Uint8Array;
  max?: Uint8Array;
}

/** Byte-array min/max longer than this are left out (parquet-cpp omits large ones too). */
export const MAX_BYTE_ARRAY_STATISTIC = 64;

export interface StatisticsAccumulator {
  update(values: ColumnValues, rowStart: number, rowEnd: number): void;
  result(): EncodedStatistics;
}

const f32 = new Float32Array(1);
const f64 = new Float64Array(1);

function numberStats(kind: 'f32' | 'f64' | 'i32'): StatisticsAccumulator {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  return {
    update(values, start, end) {
      if (values.kind !== kind) return;
      const d = values.data;
      for (let i = start; i < end; i++) {
        const v = d[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    },
    result() {
      // NaN compares false both ways, so min > max means no ordinary value was seen.
      if (min > max) return { nullCount: 0 };
      // Spec: a zero min is written as -0.0 and a zero max as +0.0.
      const lo = min === 0 ? -0 : min;
      const hi = max === 0 ? 0 : max;
      if (kind === 'f32') return { nullCount: 0, min: floatBytes(f32, lo), max: floatBytes(f32, hi) };
      if (kind === 'f64') return { nullCount: 0, min: floatBytes(f64, lo), max: floatBytes(f64, hi) };
      return { nullCount: 0, min: int32Bytes(min), max: int32Bytes(max) };
    },
  };
}

function floatBytes(scratch: Float32Array | Float64Array, v: number): Uint8Array {
  scratch[0] = v;
  return new Uint8Array(scratch.buffer.slice(0));
}

function int32Bytes(v: number): Uint8Array {
  return new Uint8Array(new Int32Array([v]).buffer);
}

function int64Stats(): StatisticsAccumulator {
  // Compared as (signed high word, unsigned low word): no BigInt per value.
  let minHi = 0x7fffffff;
  let minLo = 0xffffffff;
  let maxHi = -0x80000000;
  let maxLo = 0;
  let seen = false;
  return {
    update(values, start, end) {
      if (values.kind !== 'i64') return;
      const hi = new Int32Array(values.data.buffer, values.data.byteOffset, values.data.length * 2);
      const lo = new Uint32Array(values.data.buffer, values.data.byteOffset, values.data.length * 2);
      for (let i = start; i < end; i++) {
        const h = hi[2 * i + 1];
        const l = lo[2 * i];
        if (h < minHi || (h === minHi && l < minLo)) {
          minHi = h;
          minLo = l;
        }
        if (h > maxHi || (h === maxHi && l > maxLo)) {
          maxHi = h;
          maxLo = l;
        }
        seen = true;
      }
    },
    result() {
      if (!seen) return { nullCount: 0 };
      return { nullCount: 0, min: int64Bytes(minLo, minHi), max: int64Bytes(maxLo, maxHi) };
    },
  };
}

function int64Bytes(lo: number, hi: number): Uint8Array {
  return new Uint8Array(new Uint32Array([lo, hi >>> 0]).buffer);
}

/** Order of finite float16 bit patterns; NaN → null. */
function halfKey(h: number): number | null {
  const mag = h & 0x7fff;
  if (mag > 0x7c00) return null;
  return h & 0x8000 ? -mag : mag;
}

function float16Stats(): StatisticsAccumulator {
  let min = 0;
  let max = 0;
  let minKey = Number.POSITIVE_INFINITY;
  let maxKey = Number.NEGATIVE_INFINITY;
  return {
    update(values, start, end) {
      if (values.kind !== 'f16') return;
      for (let i = start; i < end; i++) {
        const key = halfKey(values.data[i]);
        if (key === null) continue;
        if (key < minKey) {
          minKey = key;
          min = values.data[i];
        }
        if (key > maxKey) {
          maxKey = key;
          max = values.data[i];
        }
      }
    },
    result() {
      if (minKey === Number.POSITIVE_INFINITY) return { nullCount: 0 };
      const lo = minKey === 0 ? 0x8000 : min;
      const hi = maxKey === 0 ? 0 : max;
      return {
        nullCount: 0,
        min: Uint8Array.of(lo & 0xff, lo >>> 8),
        max: Uint8Array.of(hi & 0xff, hi >>> 8),
      };
    },
  };
}

function boolStats(): StatisticsAccumulator {
  let any0 = false;
  let any1 = false;
  return {
    update(values, start, end) {
      if (values.kind !== 'bool') return;
      for (let i = start; i < end && !(any0 && any1); i++) {
        if (values.data[i]) any1 = true;
        else any0 = true;
      }
    },
    result() {
      if (!any0 && !any1) return { nullCount: 0 };
      return { nullCount: 0, min: Uint8Array.of(any0 ? 0 : 1), max: Uint8Array.of(any1 ? 1 : 0) };
    },
  };
}

function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array): number {
  const n = Math.min(aEnd - aStart, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i] - b[i];
    if (d !== 0) return d;
  }
  return aEnd - aStart - b.length;
}

function byteArrayStats(): StatisticsAccumulator {
  let min: Uint8Array | null = null;
  let max: Uint8Array | null = null;
  return {
    update(values, start, end) {
      if (values.kind !== 'bytes') return;
      const { data, offsets } = values;
      for (let r = start; r < end; r++) {
        const a = offsets[r];
        const b = offsets[r + 1];
        if (min === null || compareBytes(data, a, b, min) < 0) min = data.slice(a, b);
        if (max === null || compareBytes(data, a, b, max) > 0) max = data.slice(a, b);
      }
    },
    result() {
      const out: EncodedStatistics = { nullCount: 0 };
      if (min && min.length <= MAX_BYTE_ARRAY_STATISTIC) out.min = min;
      if (max && max.length <= MAX_BYTE_ARRAY_STATISTIC) out.max = max;
      return out;
    },
  };
}

/** An accumulator for `leaf`, or null when the column gets no statistics (vectors). */
export function statisticsFor(leaf: LeafColumn): StatisticsAccumulator | null {
  if (leaf.shape !== 'scalar') return null;
  switch (leaf.valueKind) {
    case 'f32':
    case 'f64':
    case 'i32':
      return numberStats(leaf.valueKind);
    case 'i64':
      return int64Stats();
    case 'f16':
      return float16Stats();
    case 'bool':
      return boolStats();
    case 'bytes':
      return byteArrayStats();
  }
}

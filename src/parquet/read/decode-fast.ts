/**
 * Fast path for column chunks of fixed-shape, non-null rows — what pqbench
 * writes, and what pyarrow, DuckDB and polars write for dense numeric data:
 * scalars, FIXED_LEN_BYTE_ARRAY vectors and LIST<T> with a constant element
 * count (nullable elements included, as long as none is null), in PLAIN or
 * dictionary-encoded pages (pyarrow's default, including its fallback to
 * PLAIN mid-chunk), V1 or V2. Levels are validated run by run (never
 * materialised); PLAIN pages stored as memory holds them stay views of the
 * fetched bytes, dictionary pages are gathered word by word.
 *
 * Returns `undefined` for anything it does not handle (other encodings,
 * nulls, rows of varying size) so the caller can fall back to the generic
 * decoder; throws only for bytes that are certainly corrupt.
 */
import { KIND_BYTES } from '../../config/dtypes.ts';
import {
  type ColumnPiece,
  type ColumnValues,
  type NumericValues,
  type PiecewiseValues,
  wholePiece,
} from '../../dataset/column-values.ts';
import type { PageMemory } from '../codec/codecs.ts';
import {
  type Dictionary,
  dictionaryOf,
  gatherDictionaryPage,
  gatherTarget,
  wordsOver,
  wordUnit,
} from './decode-dictionary.ts';
import { type ChunkPages, chunkPages, type PageValues } from './decode-pages.ts';
import { type DecodeTarget, type LeafInfo, physicalWidth } from './decode-target.ts';

export function decodeFastChunk(
  chunk: Uint8Array,
  leaf: LeafInfo,
  target: DecodeTarget,
  numRows: number,
  memory?: PageMemory,
): PiecewiseValues | undefined {
  if (leaf.maxRepetitionLevel > 1 || leaf.type === 'INT96') return undefined;
  const listed = leaf.maxRepetitionLevel === 1;
  const valuesPerRow = listed ? target.size : 1;
  const walked = chunkPages(chunk, leaf, valuesPerRow, memory);
  if (!walked) return undefined;
  const total = walked.pages.reduce((sum, r) => sum + r.count, 0);
  if (total !== numRows * valuesPerRow) return undefined;
  const dictionaryPages = walked.pages.some((page) => page.encoding === 'dictionary');
  if (target.kind === 'bytes') {
    const values =
      leaf.type === 'BYTE_ARRAY' && !dictionaryPages ? byteArrayValues(walked.pages, numRows) : undefined;
    return values && wholePiece(values);
  }
  if (!listed && leaf.type !== 'FIXED_LEN_BYTE_ARRAY' && target.size !== 1) return undefined;
  if (leaf.type === 'BOOLEAN') {
    const values =
      target.kind === 'bool' && !dictionaryPages
        ? booleanValues(walked.pages, total, target.size)
        : undefined;
    return values && wholePiece(values);
  }
  return fixedWidthPieces(walked, leaf, target, listed, memory);
}

/**
 * One piece per page: a PLAIN page's own value bytes when the file stores
 * them as memory holds them (no copy, whatever their alignment), a dictionary
 * page's values gathered into a new buffer, else converted.
 */
function fixedWidthPieces(
  walked: ChunkPages,
  leaf: LeafInfo,
  target: DecodeTarget,
  listed: boolean,
  memory: PageMemory | undefined,
): PiecewiseValues | undefined {
  if (target.kind === 'bytes') return undefined;
  const valueBytes = physicalWidth(leaf);
  if (valueBytes === 0) return undefined;
  // Bytes per element on disk: a FIXED_LEN_BYTE_ARRAY vector packs `size` elements in one value.
  const elementsPerValue = listed ? 1 : target.size;
  if (valueBytes % elementsPerValue !== 0) return undefined;
  const fileWidth = valueBytes / elementsPerValue;
  if (!physicalMatches(leaf, target, listed, fileWidth)) return undefined;
  const asIs = fileWidth === KIND_BYTES[target.kind] && target.kind !== 'bool';
  let dictionary: Dictionary | undefined;
  if (walked.dictionary) {
    dictionary = dictionaryOf(walked.dictionary.bytes, walked.dictionary.count, valueBytes, memory);
    if (!dictionary) return undefined;
  }
  const pieces: ColumnPiece[] = [];
  for (const page of walked.pages) {
    const rows = listed ? page.count / target.size : page.count;
    if (!Number.isInteger(rows)) return undefined;
    const bytes = pageValueBytes(page, valueBytes, dictionary, memory);
    if (!bytes) return undefined;
    if (asIs && page.encoding === 'plain') pieces.push({ rows, raw: bytes });
    else
      pieces.push({
        rows,
        values: typedValues(page.encoding === 'plain' ? bytes.slice() : bytes, target, fileWidth),
      });
  }
  return { kind: target.kind, size: target.size, pieces };
}

/**
 * A page's values as file-width bytes: PLAIN bytes as they are, dictionary
 * pages gathered (aligned; into `memory`, pooled, when given).
 */
function pageValueBytes(
  page: PageValues,
  valueBytes: number,
  dictionary: Dictionary | undefined,
  memory: PageMemory | undefined,
): Uint8Array | undefined {
  const length = page.count * valueBytes;
  if (page.encoding === 'plain')
    return page.bytes.byteLength >= length ? page.bytes.subarray(0, length) : undefined;
  if (!dictionary) return undefined;
  const out = gatherTarget(length, memory);
  if (!gatherDictionaryPage(page.bytes, page.count, dictionary, wordsOver(wordUnit(valueBytes), out), 0))
    return undefined;
  return out;
}

/** The leaf's physical type is what a writer uses for the target kind. */
function physicalMatches(leaf: LeafInfo, target: DecodeTarget, listed: boolean, fileWidth: number): boolean {
  const flba = leaf.type === 'FIXED_LEN_BYTE_ARRAY';
  switch (target.kind) {
    case 'f32':
      return leaf.type === 'FLOAT' || (flba && fileWidth === 4 && !isFloat16(leaf));
    case 'f64':
      return leaf.type === 'DOUBLE' || (flba && fileWidth === 8);
    case 'f16':
      return flba && fileWidth === 2;
    case 'i32':
      return leaf.type === 'INT32' || (flba && (fileWidth === 1 || fileWidth === 2 || fileWidth === 4));
    case 'i64':
      return leaf.type === 'INT64' || (flba && fileWidth === 8);
    case 'bool':
      return flba && fileWidth === 1 && !listed;
    default:
      return false;
  }
}

function isFloat16(leaf: LeafInfo): boolean {
  return leaf.element.logical_type?.type === 'FLOAT16';
}

/** Views `raw` as the target's array type, widening narrow signed integers to int32. */
function typedValues(raw: Uint8Array, target: DecodeTarget, fileWidth: number): NumericValues {
  const { buffer, byteOffset, byteLength } = raw;
  const size = target.size;
  switch (target.kind) {
    case 'f32':
      return { kind: 'f32', data: new Float32Array(buffer, byteOffset, byteLength / 4), size };
    case 'f64':
      return { kind: 'f64', data: new Float64Array(buffer, byteOffset, byteLength / 8), size };
    case 'f16':
      return { kind: 'f16', data: new Uint16Array(buffer, byteOffset, byteLength / 2), size };
    case 'i64':
      return { kind: 'i64', data: new BigInt64Array(buffer, byteOffset, byteLength / 8), size };
    case 'bool':
      return { kind: 'bool', data: raw, size };
    default: {
      if (fileWidth === 4)
        return { kind: 'i32', data: new Int32Array(buffer, byteOffset, byteLength / 4), size };
      const narrow = fileWidth === 1 ? new Int8Array(buffer, byteOffset, byteLength) : int16View(raw);
      return { kind: 'i32', data: Int32Array.from(narrow), size };
    }
  }
}

function int16View(raw: Uint8Array): Int16Array {
  const aligned = raw.byteOffset % 2 === 0 ? raw : raw.slice();
  return new Int16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2);
}

/** PLAIN BOOLEAN is bit-packed, LSB first, continuing across values of one page. */
function booleanValues(regions: PageValues[], total: number, size: number): NumericValues | undefined {
  const out = new Uint8Array(total);
  let at = 0;
  for (const { bytes, count } of regions) {
    if (bytes.byteLength * 8 < count) return undefined;
    for (let i = 0; i < count; i++) out[at++] = (bytes[i >> 3] >> (i & 7)) & 1;
  }
  return { kind: 'bool', data: out, size };
}

/** PLAIN BYTE_ARRAY: 4-byte little-endian length + bytes, per value. */
function byteArrayValues(regions: PageValues[], numRows: number): ColumnValues | undefined {
  let dataBytes = 0;
  for (const region of regions) dataBytes += region.bytes.byteLength - 4 * region.count;
  if (dataBytes < 0) return undefined;
  const data = new Uint8Array(dataBytes);
  const offsets = new Uint32Array(numRows + 1);
  let row = 0;
  let at = 0;
  for (const { bytes, count } of regions) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 4 > bytes.byteLength) return undefined;
      const length = view.getUint32(p, true);
      p += 4;
      if (p + length > bytes.byteLength) return undefined;
      data.set(bytes.subarray(p, p + length), at);
      p += length;
      at += length;
      offsets[++row] = at;
    }
  }
  return { kind: 'bytes', data: at === dataBytes ? data : data.subarray(0, at), offsets };
}

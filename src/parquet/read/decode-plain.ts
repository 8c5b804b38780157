/**
 * Fast path for PLAIN-encoded column chunks of fixed-shape, non-null rows —
 * what pqbench writes, and what DuckDB / pyarrow write for dense float data:
 * scalars, FIXED_LEN_BYTE_ARRAY vectors and LIST<T> with a constant element
 * count. Levels are validated run by run (never materialised) and the values
 * are viewed or copied in bulk into one typed array.
 *
 * Returns `undefined` for anything it does not handle (dictionary pages,
 * other encodings, nulls, rows of varying size) so the caller can fall back
 * to the generic decoder; throws only for bytes that are certainly corrupt.
 */
import type { Compressors, PageHeader } from 'hyparquet';
import { KIND_BYTES } from '../../config/dtypes.ts';
import {
  type ColumnPiece,
  type ColumnValues,
  type NumericValues,
  type PiecewiseValues,
  wholePiece,
} from '../../dataset/column-values.ts';
import { decompressPage, parquetHeader } from '../hyparquet.ts';
import { fixedRowRepetition, levelBitWidth, levelsAllEqual } from './decode-levels.ts';
import { type DecodeTarget, type LeafInfo, physicalWidth } from './decode-target.ts';

/** PLAIN value bytes of one data page, and how many values they hold. */
interface ValueRegion {
  bytes: Uint8Array;
  count: number;
}

export function decodePlainChunk(
  chunk: Uint8Array,
  leaf: LeafInfo,
  target: DecodeTarget,
  numRows: number,
  compressors: Compressors | undefined,
): PiecewiseValues | undefined {
  if (leaf.maxRepetitionLevel > 1 || leaf.type === 'INT96') return undefined;
  const listed = leaf.maxRepetitionLevel === 1;
  const valuesPerRow = listed ? target.size : 1;
  const regions = plainValueRegions(chunk, leaf, valuesPerRow, compressors);
  if (!regions) return undefined;
  const total = regions.reduce((sum, r) => sum + r.count, 0);
  if (total !== numRows * valuesPerRow) return undefined;
  if (target.kind === 'bytes') {
    const values = leaf.type === 'BYTE_ARRAY' ? byteArrayValues(regions, numRows) : undefined;
    return values && wholePiece(values);
  }
  if (!listed && leaf.type !== 'FIXED_LEN_BYTE_ARRAY' && target.size !== 1) return undefined;
  if (leaf.type === 'BOOLEAN') {
    const values = target.kind === 'bool' ? booleanValues(regions, total, target.size) : undefined;
    return values && wholePiece(values);
  }
  return fixedWidthPieces(regions, leaf, target, listed);
}

/**
 * Walks the pages of a chunk, validating levels, and returns each data page's
 * PLAIN value bytes; undefined when a page needs the generic decoder.
 */
function plainValueRegions(
  chunk: Uint8Array,
  leaf: LeafInfo,
  valuesPerRow: number,
  compressors: Compressors | undefined,
): ValueRegion[] | undefined {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const regions: ValueRegion[] = [];
  const repWidth = levelBitWidth(leaf.maxRepetitionLevel);
  const defWidth = levelBitWidth(leaf.maxDefinitionLevel);
  let rowPosition = 0;
  let offset = 0;
  while (offset < chunk.byteLength) {
    const reader = { view, offset };
    const header: PageHeader = parquetHeader(reader);
    const body = chunk.subarray(reader.offset, reader.offset + header.compressed_page_size);
    if (body.byteLength !== header.compressed_page_size)
      throw new RangeError('page extends past the column chunk');
    offset = reader.offset + header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') return undefined;
    if (header.type === 'INDEX_PAGE') continue;
    let repLevels: Uint8Array | undefined;
    let defLevels: Uint8Array | undefined;
    let values: Uint8Array;
    let count: number;
    if (header.type === 'DATA_PAGE') {
      const daph = header.data_page_header;
      if (daph?.encoding !== 'PLAIN') return undefined;
      count = daph.num_values;
      const page = decompressPage(body, header.uncompressed_page_size, leaf.codec, compressors);
      let p = 0;
      if (leaf.maxRepetitionLevel > 0) {
        const levels = v1Levels(page, p, daph.repetition_level_encoding);
        if (!levels) return undefined;
        [repLevels, p] = levels;
      }
      if (leaf.maxDefinitionLevel > 0) {
        const levels = v1Levels(page, p, daph.definition_level_encoding);
        if (!levels) return undefined;
        [defLevels, p] = levels;
      }
      values = page.subarray(p);
    } else if (header.type === 'DATA_PAGE_V2') {
      const v2 = header.data_page_header_v2;
      if (v2?.encoding !== 'PLAIN' || v2.num_nulls !== 0) return undefined;
      count = v2.num_values;
      const repLength = v2.repetition_levels_byte_length;
      const defLength = v2.definition_levels_byte_length;
      if (leaf.maxRepetitionLevel > 0) repLevels = body.subarray(0, repLength);
      if (leaf.maxDefinitionLevel > 0) defLevels = body.subarray(repLength, repLength + defLength);
      const compressed = body.subarray(repLength + defLength);
      values =
        v2.is_compressed === false
          ? compressed
          : decompressPage(
              compressed,
              header.uncompressed_page_size - repLength - defLength,
              leaf.codec,
              compressors,
            );
    } else {
      return undefined;
    }
    if (defLevels && !levelsAllEqual(defLevels, defWidth, count, leaf.maxDefinitionLevel)) return undefined;
    if (repLevels) {
      rowPosition = fixedRowRepetition(repLevels, repWidth, count, valuesPerRow, rowPosition);
      if (rowPosition < 0) return undefined;
    }
    regions.push({ bytes: values, count });
  }
  return rowPosition === 0 ? regions : undefined;
}

/** A V1 page's level stream: 4-byte length + RLE hybrid; returns [levels, next offset]. */
function v1Levels(page: Uint8Array, offset: number, encoding: string): [Uint8Array, number] | undefined {
  if (encoding !== 'RLE' || offset + 4 > page.byteLength) return undefined;
  const length = new DataView(page.buffer, page.byteOffset + offset, 4).getUint32(0, true);
  if (offset + 4 + length > page.byteLength) return undefined;
  return [page.subarray(offset + 4, offset + 4 + length), offset + 4 + length];
}

/**
 * One piece per page: the page's own value bytes when the file stores them as
 * memory holds them (no copy, whatever their alignment), else converted.
 */
function fixedWidthPieces(
  regions: ValueRegion[],
  leaf: LeafInfo,
  target: DecodeTarget,
  listed: boolean,
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
  const pieces: ColumnPiece[] = [];
  for (const region of regions) {
    const bytes = region.bytes.subarray(0, region.count * valueBytes);
    if (bytes.byteLength < region.count * valueBytes) return undefined;
    const rows = listed ? region.count / target.size : region.count;
    if (!Number.isInteger(rows)) return undefined;
    pieces.push(
      asIs ? { rows, raw: bytes } : { rows, values: typedValues(bytes.slice(), target, fileWidth) },
    );
  }
  return { kind: target.kind, size: target.size, pieces };
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
function booleanValues(regions: ValueRegion[], total: number, size: number): NumericValues | undefined {
  const out = new Uint8Array(total);
  let at = 0;
  for (const { bytes, count } of regions) {
    if (bytes.byteLength * 8 < count) return undefined;
    for (let i = 0; i < count; i++) out[at++] = (bytes[i >> 3] >> (i & 7)) & 1;
  }
  return { kind: 'bool', data: out, size };
}

/** PLAIN BYTE_ARRAY: 4-byte little-endian length + bytes, per value. */
function byteArrayValues(regions: ValueRegion[], numRows: number): ColumnValues | undefined {
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

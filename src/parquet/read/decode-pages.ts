/**
 * The page walk of the fast path: splits a column chunk into its dictionary
 * (if any) and, per data page, the value section — PLAIN values or
 * dictionary indices — after checking that the page's levels describe
 * non-null rows of a fixed size. Handles DATA_PAGE (V1) and DATA_PAGE_V2;
 * returns `undefined` for anything else so the caller falls back to the
 * generic decoder.
 */
import type { CompressionCodec, PageHeader } from 'hyparquet';
import { decompress, type PageMemory } from '../codec/codecs.ts';
import { parquetHeader } from '../hyparquet.ts';
import { fixedRowRepetition, levelBitWidth, levelsAllEqual } from './decode-levels.ts';
import type { LeafInfo } from './decode-target.ts';

/** One data page's values: PLAIN bytes, or (dictionary) a bit width byte + RLE/bit-packed indices. */
export interface PageValues {
  bytes: Uint8Array;
  count: number;
  encoding: 'plain' | 'dictionary';
}

export interface ChunkPages {
  /** The dictionary page's PLAIN values, when the chunk has one. */
  dictionary?: { bytes: Uint8Array; count: number };
  pages: PageValues[];
}

/**
 * A page body decompressed — into `memory` (pooled) where the codec can —
 * and checked against the size its header declares.
 */
function pageBytes(
  body: Uint8Array,
  size: number,
  codec: CompressionCodec,
  memory: PageMemory | undefined,
): Uint8Array {
  const page = decompress(codec, body, size, memory);
  if (page.length !== size)
    throw new Error(`a ${codec} page decompressed to ${page.length} bytes, its header says ${size}`);
  return page;
}

export function chunkPages(
  chunk: Uint8Array,
  leaf: LeafInfo,
  valuesPerRow: number,
  memory: PageMemory | undefined,
): ChunkPages | undefined {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const out: ChunkPages = { pages: [] };
  const repWidth = levelBitWidth(leaf.maxRepetitionLevel);
  const defWidth = levelBitWidth(leaf.maxDefinitionLevel);
  let rowPosition = 0;
  let offset = 0;
  while (offset < chunk.byteLength) {
    const reader = { view, offset };
    const header: PageHeader = parquetHeader(reader);
    const body = chunk.subarray(reader.offset, reader.offset + header.compressed_page_size);
    if (body.byteLength !== header.compressed_page_size)
      throw new Error('a page extends past the end of its column chunk');
    offset = reader.offset + header.compressed_page_size;
    if (header.type === 'INDEX_PAGE') continue;
    if (header.type === 'DICTIONARY_PAGE') {
      const dph = header.dictionary_page_header;
      if (out.dictionary || out.pages.length > 0 || !dph) return undefined;
      if (dph.encoding !== 'PLAIN' && dph.encoding !== 'PLAIN_DICTIONARY') return undefined;
      const bytes = pageBytes(body, header.uncompressed_page_size, leaf.codec, memory);
      out.dictionary = { bytes, count: dph.num_values };
      continue;
    }
    const page = dataPage(header, body, leaf, memory);
    if (!page) return undefined;
    const { count, repLevels, defLevels } = page;
    if (defLevels && !levelsAllEqual(defLevels, defWidth, count, leaf.maxDefinitionLevel)) return undefined;
    if (repLevels) {
      rowPosition = fixedRowRepetition(repLevels, repWidth, count, valuesPerRow, rowPosition);
      if (rowPosition < 0) return undefined;
    }
    if (page.encoding === 'dictionary' && !out.dictionary) return undefined;
    out.pages.push({ bytes: page.values, count, encoding: page.encoding });
  }
  return rowPosition === 0 ? out : undefined;
}

interface DataPage {
  count: number;
  encoding: PageValues['encoding'];
  repLevels?: Uint8Array;
  defLevels?: Uint8Array;
  values: Uint8Array;
}

function dataPage(
  header: PageHeader,
  body: Uint8Array,
  leaf: LeafInfo,
  memory: PageMemory | undefined,
): DataPage | undefined {
  if (header.type === 'DATA_PAGE') {
    const daph = header.data_page_header;
    const encoding = valueEncoding(daph?.encoding);
    if (!daph || !encoding) return undefined;
    const page = pageBytes(body, header.uncompressed_page_size, leaf.codec, memory);
    const out: DataPage = { count: daph.num_values, encoding, values: page };
    let p = 0;
    if (leaf.maxRepetitionLevel > 0) {
      const levels = v1Levels(page, p, daph.repetition_level_encoding);
      if (!levels) return undefined;
      [out.repLevels, p] = levels;
    }
    if (leaf.maxDefinitionLevel > 0) {
      const levels = v1Levels(page, p, daph.definition_level_encoding);
      if (!levels) return undefined;
      [out.defLevels, p] = levels;
    }
    out.values = page.subarray(p);
    return out;
  }
  if (header.type === 'DATA_PAGE_V2') {
    const v2 = header.data_page_header_v2;
    const encoding = valueEncoding(v2?.encoding);
    if (!v2 || !encoding || v2.num_nulls !== 0) return undefined;
    const repLength = v2.repetition_levels_byte_length;
    const defLength = v2.definition_levels_byte_length;
    const compressed = body.subarray(repLength + defLength);
    const values =
      v2.is_compressed === false
        ? compressed
        : pageBytes(compressed, header.uncompressed_page_size - repLength - defLength, leaf.codec, memory);
    return {
      count: v2.num_values,
      encoding,
      repLevels: leaf.maxRepetitionLevel > 0 ? body.subarray(0, repLength) : undefined,
      defLevels: leaf.maxDefinitionLevel > 0 ? body.subarray(repLength, repLength + defLength) : undefined,
      values,
    };
  }
  return undefined;
}

function valueEncoding(encoding: string | undefined): PageValues['encoding'] | undefined {
  if (encoding === 'PLAIN') return 'plain';
  if (encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY') return 'dictionary';
  return undefined;
}

/** A V1 page's level stream: 4-byte length + RLE hybrid; returns [levels, next offset]. */
function v1Levels(page: Uint8Array, offset: number, encoding: string): [Uint8Array, number] | undefined {
  if (encoding !== 'RLE' || offset + 4 > page.byteLength) return undefined;
  const length = new DataView(page.buffer, page.byteOffset + offset, 4).getUint32(0, true);
  if (offset + 4 + length > page.byteLength) return undefined;
  return [page.subarray(offset + 4, offset + 4 + length), offset + 4 + length];
}

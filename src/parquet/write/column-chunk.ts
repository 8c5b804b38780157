/**
 * One column chunk being written: rows in, DataPage V1 pages out, page by
 * page. Pages hold whole rows and are cut when the next row would not fit
 * `pageSize` bytes of encoded values (a row larger than that is a page by
 * itself), so memory is one page whatever the row group size.
 *
 * Page buffer layout, so that neither levels nor values are copied twice:
 *
 *   [ ...reserve... | rep len | rep levels | def len | def levels | values ]
 *                    ^ start (levels right-aligned against the values)
 *
 * Values are encoded straight into the buffer from the typed arrays; for a
 * list column the full-page level bytes are computed once per chunk.
 */

import type { Codec } from '../../config/types.ts';
import type { ColumnValues } from '../../dataset/column-values.ts';
import { compress, parquetCodecOf } from '../codec/codecs.ts';
import { DictionaryBuilder } from './dictionary.ts';
import { constantLevels, listRepetitionLevels } from './encode-levels.ts';
import { byteArrayEncodedLength, narrowInt8, packBools, rawBytes, writeByteArrays } from './encode-plain.ts';
import type { ColumnChunkInfo } from './footer.ts';
import {
  ENCODING_PLAIN,
  ENCODING_RLE,
  ENCODING_RLE_DICTIONARY,
  encodeDataPageHeader,
  encodeDictionaryPageHeader,
} from './footer.ts';
import type { LeafColumn } from './schema.ts';
import type { StatisticsAccumulator } from './statistics.ts';
import { statisticsFor } from './statistics.ts';
import type { CompactWriter } from './thrift-write.ts';

export interface PageOutput {
  /** Current file offset (bytes handed to the output so far). */
  readonly offset: number;
  write(chunk: Uint8Array): Promise<void>;
}

export interface ChunkOptions {
  codec: Codec;
  compressionLevel: number | null;
  pageSize: number;
  /** Dictionary pages as pyarrow writes them, PLAIN past this many dictionary bytes; null = PLAIN only. */
  dictionaryPageSizeLimit: number | null;
  statistics: boolean;
}

/** Bytes of one PLAIN element at the leaf (bool: 0 — bit-packed). */
function leafElementBytes(leaf: LeafColumn): number {
  switch (leaf.valueKind) {
    case 'f32':
    case 'i32':
      return 4;
    case 'f64':
    case 'i64':
      return 8;
    case 'f16':
      return 2;
    case 'bool':
      return 0;
    case 'bytes':
      return -1;
  }
}

export class ColumnChunkWriter {
  private readonly stats: StatisticsAccumulator | null;
  private readonly bits: boolean;
  private readonly variable: boolean;
  /** Fixed-width rows: bytes (or, for bools, bits) one row occupies in the values region. */
  private readonly rowUnits: number;
  private readonly rowsPerPage: number;
  private readonly levelReserve: number;
  private readonly fullRepLevels: Uint8Array | null = null;
  private readonly fullDefLevels: Uint8Array | null = null;
  private buf: Uint8Array;
  /** Bytes (or bits for bool) of values in the current page. */
  private fill = 0;
  private rowsInPage = 0;
  rowsWritten = 0;
  private startOffset = -1;
  private numValues = 0;
  private uncompressed = 0;
  private compressed = 0;
  /** The chunk's dictionary while it takes values (null: PLAIN, or it fell back). */
  private dict: DictionaryBuilder | null = null;
  /** Rows held as dictionary indices, written once the dictionary is final. */
  private dictRows = 0;
  private dictionaryPageOffset: number | undefined;
  private firstDataPage = -1;

  constructor(
    readonly leaf: LeafColumn,
    private readonly options: ChunkOptions,
    private readonly out: PageOutput,
    private readonly thrift: CompactWriter,
  ) {
    this.stats = options.statistics ? statisticsFor(leaf) : null;
    const pageSize = Math.max(1, options.pageSize);
    const element = leafElementBytes(leaf);
    this.variable = element < 0;
    this.bits = leaf.shape !== 'fixed' && element === 0;
    if (leaf.shape === 'fixed') this.rowUnits = leaf.typeLength ?? 0;
    else if (this.bits) this.rowUnits = leaf.valuesPerRow;
    else this.rowUnits = Math.max(0, element) * leaf.valuesPerRow;
    const pageUnits = this.bits ? pageSize * 8 : pageSize;
    this.rowsPerPage = this.variable ? 0 : Math.max(1, Math.floor(pageUnits / Math.max(1, this.rowUnits)));
    let reserve = 0;
    if (leaf.shape === 'list') {
      this.fullRepLevels = listRepetitionLevels(this.rowsPerPage, leaf.valuesPerRow);
      this.fullDefLevels = constantLevels(this.rowsPerPage * leaf.valuesPerRow, 1);
      // Partial pages encode to no more than a full page, plus varint slack.
      reserve = 8 + this.fullRepLevels.length + this.fullDefLevels.length + 32;
    }
    this.levelReserve = reserve;
    this.buf = this.newBuffer();
    this.dict = this.newDictionary(element);
  }

  /** pyarrow dictionary-encodes every type but BOOLEAN; pqbench's int8 fixed vectors stay PLAIN too. */
  private newDictionary(element: number): DictionaryBuilder | null {
    const limit = this.options.dictionaryPageSizeLimit;
    if (limit === null || this.bits || this.leaf.valueKind === 'bool') return null;
    if (this.leaf.shape === 'fixed' && this.leaf.spec.dtype === 'int8') return null;
    const width = this.leaf.shape === 'fixed' ? (this.leaf.typeLength ?? 0) : element;
    return new DictionaryBuilder(width, limit);
  }

  /** Takes rows [start, end) into the dictionary until it is full; returns the first row not taken. */
  private appendToDictionary(
    dict: DictionaryBuilder,
    values: ColumnValues,
    start: number,
    end: number,
  ): number {
    const vpr = this.leaf.shape === 'scalar' || values.kind === 'bytes' ? 1 : values.size;
    // pyarrow checks the dictionary's size after each batch of 1024 values.
    const step = Math.max(1, Math.floor(1024 / vpr));
    while (start < end && !dict.full) {
      const n = Math.min(step, end - start);
      if (values.kind === 'bytes') dict.addBytes(values, start, start + n);
      else dict.addFixed(rawBytes(values, start * vpr, (start + n) * vpr));
      start += n;
      this.rowsWritten += n;
      this.dictRows += n;
    }
    return start;
  }

  /** Compresses and writes one page; `header` gets the sizes. */
  private async writePage(
    body: Uint8Array,
    header: (sizes: { uncompressedSize: number; compressedSize: number }) => Uint8Array,
  ): Promise<void> {
    const packed = compress(this.options.codec, body, this.options.compressionLevel);
    const head = header({ uncompressedSize: body.length, compressedSize: packed.length });
    this.uncompressed += head.length + body.length;
    this.compressed += head.length + packed.length;
    await this.out.write(head);
    await this.out.write(packed);
  }

  /** [len][repetition levels][len][definition levels] of `rows` list rows (empty for other shapes). */
  private levelBytes(rows: number): Uint8Array {
    if (this.leaf.shape !== 'list') return new Uint8Array(0);
    const rep = listRepetitionLevels(rows, this.leaf.valuesPerRow);
    const def = constantLevels(rows * this.leaf.valuesPerRow, 1);
    const out = new Uint8Array(8 + rep.length + def.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, rep.length, true);
    out.set(rep, 4);
    view.setUint32(4 + rep.length, def.length, true);
    out.set(def, 8 + rep.length);
    return out;
  }

  /** The dictionary is final: its page, then the RLE_DICTIONARY pages of the rows it holds. */
  private async writeDictionaryPages(dict: DictionaryBuilder): Promise<void> {
    this.dict = null;
    const { body, entries } = dict.dictionaryPage();
    this.dictionaryPageOffset = this.out.offset;
    await this.writePage(body, (sizes) =>
      encodeDictionaryPageHeader(this.thrift, { ...sizes, numValues: entries }),
    );
    this.firstDataPage = this.out.offset;
    const vpr = this.leaf.valuesPerRow;
    const rowsPerPage = Math.max(1, Math.floor(dict.indicesPerPage(this.options.pageSize) / vpr));
    for (let row = 0; row < this.dictRows; row += rowsPerPage) {
      const rows = Math.min(rowsPerPage, this.dictRows - row);
      const levels = this.levelBytes(rows);
      const indices = dict.encodedIndices(row * vpr, (row + rows) * vpr);
      const page = new Uint8Array(levels.length + indices.length);
      page.set(levels);
      page.set(indices, levels.length);
      await this.writePage(page, (sizes) =>
        encodeDataPageHeader(this.thrift, {
          ...sizes,
          numValues: rows * vpr,
          encoding: ENCODING_RLE_DICTIONARY,
        }),
      );
      this.numValues += rows * vpr;
    }
  }

  private valuesCapacity(): number {
    if (this.variable) return Math.max(this.options.pageSize, 1024);
    return this.bits ? Math.ceil((this.rowsPerPage * this.rowUnits) / 8) : this.rowsPerPage * this.rowUnits;
  }

  private newBuffer(minValues = 0): Uint8Array {
    return new Uint8Array(this.levelReserve + Math.max(this.valuesCapacity(), minValues));
  }

  /** Encodes rows `[start, end)` of `values`, flushing pages as they fill. */
  async append(values: ColumnValues, start: number, end: number): Promise<void> {
    if (this.startOffset < 0) this.startOffset = this.out.offset;
    this.stats?.update(values, start, end);
    if (this.dict) {
      const dict = this.dict;
      start = this.appendToDictionary(dict, values, start, end);
      if (!dict.full) return;
      await this.writeDictionaryPages(dict);
    }
    if (values.kind === 'bytes') {
      await this.appendBytes(values, start, end);
      return;
    }
    const vpr = this.leaf.shape === 'scalar' ? 1 : values.size;
    while (start < end) {
      const n = Math.min(end - start, this.rowsPerPage - this.rowsInPage);
      const from = start * vpr;
      const count = n * vpr;
      const pos = this.levelReserve + this.fill;
      if (this.bits && values.kind === 'bool') {
        packBools(values.data, from, count, this.buf, this.levelReserve * 8 + this.fill);
        this.fill += count;
      } else if (values.kind === 'bool') {
        this.buf.set(values.data.subarray(from, from + count), pos);
        this.fill += count;
      } else if (this.leaf.shape === 'fixed' && this.leaf.spec.dtype === 'int8' && values.kind === 'i32') {
        narrowInt8(values.data, from, count, this.buf, pos);
        this.fill += count;
      } else {
        const bytes = rawBytes(values, from, from + count);
        this.buf.set(bytes, pos);
        this.fill += bytes.length;
      }
      this.rowsInPage += n;
      this.rowsWritten += n;
      start += n;
      if (this.rowsInPage === this.rowsPerPage) await this.flushPage();
    }
  }

  private async appendBytes(
    values: ColumnValues & { kind: 'bytes' },
    start: number,
    end: number,
  ): Promise<void> {
    const pageSize = this.options.pageSize;
    while (start < end) {
      // Take rows while they fit the page; always at least one.
      let stop = start;
      let size = this.fill;
      while (stop < end) {
        const rowSize = 4 + values.offsets[stop + 1] - values.offsets[stop];
        if (size + rowSize > pageSize && (size > 0 || stop > start)) break;
        size += rowSize;
        stop++;
      }
      if (stop === start) {
        await this.flushPage();
        continue;
      }
      const needed = this.levelReserve + this.fill + byteArrayEncodedLength(values, start, stop);
      if (needed > this.buf.length) {
        const grown = this.newBuffer(needed - this.levelReserve);
        grown.set(this.buf.subarray(0, this.levelReserve + this.fill));
        this.buf = grown;
      }
      const pos = writeByteArrays(values, start, stop, this.buf, this.levelReserve + this.fill);
      this.fill = pos - this.levelReserve;
      this.rowsInPage += stop - start;
      this.rowsWritten += stop - start;
      start = stop;
      if (this.fill >= pageSize) await this.flushPage();
    }
  }

  private async flushPage(): Promise<void> {
    const rows = this.rowsInPage;
    if (rows === 0) return;
    const valuesLength = this.bits ? Math.ceil(this.fill / 8) : this.fill;
    let bodyStart = this.levelReserve;
    const levelValues = rows * this.leaf.valuesPerRow;
    if (this.leaf.shape === 'list') {
      const full = rows === this.rowsPerPage;
      const rep =
        full && this.fullRepLevels ? this.fullRepLevels : listRepetitionLevels(rows, this.leaf.valuesPerRow);
      const def = full && this.fullDefLevels ? this.fullDefLevels : constantLevels(levelValues, 1);
      const levelsLength = 8 + rep.length + def.length;
      if (levelsLength > this.levelReserve) throw new Error('list levels exceed their reserved space');
      bodyStart = this.levelReserve - levelsLength;
      let p = bodyStart;
      for (const levels of [rep, def]) {
        new DataView(this.buf.buffer, this.buf.byteOffset).setUint32(p, levels.length, true);
        this.buf.set(levels, p + 4);
        p += 4 + levels.length;
      }
    }
    const body = this.buf.subarray(bodyStart, this.levelReserve + valuesLength);
    const packed = compress(this.options.codec, body, this.options.compressionLevel);
    const header = encodeDataPageHeader(this.thrift, {
      uncompressedSize: body.length,
      compressedSize: packed.length,
      numValues: levelValues,
    });
    this.uncompressed += header.length + body.length;
    this.compressed += header.length + packed.length;
    this.numValues += levelValues;
    if (packed === body) {
      // The sink now owns this buffer.
      this.buf = this.newBuffer();
    } else if (this.bits) {
      this.buf.fill(0, this.levelReserve);
    }
    this.fill = 0;
    this.rowsInPage = 0;
    await this.out.write(header);
    await this.out.write(packed);
  }

  /** Flushes the last page and returns the chunk's footer entry. */
  async finish(): Promise<ColumnChunkInfo> {
    if (this.dict) await this.writeDictionaryPages(this.dict);
    await this.flushPage();
    const dictionary = this.dictionaryPageOffset !== undefined;
    const encodings = dictionary
      ? [ENCODING_PLAIN, ENCODING_RLE, ENCODING_RLE_DICTIONARY]
      : this.leaf.shape === 'list'
        ? [ENCODING_PLAIN, ENCODING_RLE]
        : [ENCODING_PLAIN];
    return {
      type: this.leaf.physicalType,
      path: this.leaf.path,
      codec: parquetCodecOf(this.options.codec),
      numValues: this.numValues,
      totalUncompressedSize: this.uncompressed,
      totalCompressedSize: this.compressed,
      dataPageOffset: dictionary ? this.firstDataPage : this.startOffset,
      dictionaryPageOffset: this.dictionaryPageOffset,
      encodings,
      statistics: this.stats?.result(),
    };
  }
}

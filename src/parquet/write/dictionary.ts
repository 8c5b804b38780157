/**
 * A column chunk's dictionary as pyarrow (Parquet C++) builds it: each
 * distinct leaf value gets the next index; once the dictionary's PLAIN size
 * reaches `dictionary_pagesize_limit` (1 MiB by default) the chunk falls back
 * to PLAIN pages for the rest of its values. The chunk then holds a
 * dictionary page (PLAIN), RLE_DICTIONARY pages for the values indexed so
 * far, and PLAIN pages after them — so every chunk has a
 * dictionary_page_offset, which the MLCommons fork's _rg_byte_range needs.
 */
import type { BytesValues } from '../../dataset/column-values.ts';
import { encodeHybrid } from './encode-levels.ts';

/** Bits of an index into `entries` entries (at least 1: readers take no 0-bit indices). */
function bitWidthFor(entries: number): number {
  let bits = 1;
  while (2 ** bits < entries) bits++;
  return bits;
}

export class DictionaryBuilder {
  private readonly index = new Map<number | string, number>();
  private readonly entries: Uint8Array[] = [];
  private plainBytes = 0;
  private indices = new Int32Array(1024);
  /** Leaf values indexed so far. */
  count = 0;

  /** `width`: bytes of one fixed-width value; -1 for variable-length (BYTE_ARRAY) values. */
  constructor(
    private readonly width: number,
    private readonly limit: number,
  ) {}

  /** The dictionary has reached its limit: the chunk falls back to PLAIN. */
  get full(): boolean {
    return this.plainBytes >= this.limit;
  }

  private push(key: number | string, value: () => Uint8Array): void {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.entries.length;
      const bytes = value();
      this.index.set(key, i);
      this.entries.push(bytes);
      this.plainBytes += this.width < 0 ? 4 + bytes.length : bytes.length;
    }
    if (this.count === this.indices.length) {
      const grown = new Int32Array(this.indices.length * 2);
      grown.set(this.indices);
      this.indices = grown;
    }
    this.indices[this.count++] = i;
  }

  /** Adds `bytes.length / width` fixed-width values. */
  addFixed(bytes: Uint8Array): void {
    const w = this.width;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.length; at += w) {
      const key =
        w === 4
          ? view.getUint32(at, true)
          : w === 2
            ? view.getUint16(at, true)
            : String.fromCharCode(...bytes.subarray(at, at + w));
      this.push(key, () => bytes.slice(at, at + w));
    }
  }

  /** Adds values [start, end) of a BYTE_ARRAY column. */
  addBytes(values: BytesValues, start: number, end: number): void {
    for (let i = start; i < end; i++) {
      const value = values.data.subarray(values.offsets[i], values.offsets[i + 1]);
      this.push(`b${Buffer.from(value).toString('latin1')}`, () => value.slice());
    }
  }

  /** The dictionary page body: every entry, PLAIN. */
  dictionaryPage(): { body: Uint8Array; entries: number } {
    const body = new Uint8Array(this.plainBytes);
    const view = new DataView(body.buffer);
    let at = 0;
    for (const e of this.entries) {
      if (this.width < 0) {
        view.setUint32(at, e.length, true);
        at += 4;
      }
      body.set(e, at);
      at += e.length;
    }
    return { body, entries: this.entries.length };
  }

  /** An RLE_DICTIONARY page's values: the bit width, then indices [from, to) in the hybrid encoding. */
  encodedIndices(from: number, to: number): Uint8Array {
    const bits = bitWidthFor(this.entries.length);
    const runs = encodeHybrid(this.indices.subarray(from, to), bits);
    const out = new Uint8Array(1 + runs.length);
    out[0] = bits;
    out.set(runs, 1);
    return out;
  }

  /** Indices per RLE_DICTIONARY page so that a page's indices stay near `pageSize` bytes. */
  indicesPerPage(pageSize: number): number {
    return Math.max(1, Math.floor((pageSize * 8) / bitWidthFor(this.entries.length)));
  }
}

/**
 * Page checksums: a page header may carry the CRC-32 (IEEE, as zlib's) of the
 * page's bytes as stored. pyarrow writes it with `write_page_checksum=True`
 * and checks it with `page_checksum_verification=True`; pqbench checks it
 * when `verify` is on, so a flipped bit is a data error, not a wrong value.
 * Node 20's zlib has no crc32 (22.2 adds it): a table-driven one here.
 */
import type { PageHeader } from 'hyparquet';
import { CorruptParquetError } from '../../errors.ts';
import { parquetHeader } from '../hyparquet.ts';

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, reflected, as zlib and Parquet use), as a signed 32-bit integer like Thrift's i32. */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return c ^ -1;
}

/** Checks the CRC of every page of a column chunk that has one; throws naming the first bad page. */
export function checkPageCrcs(chunk: Uint8Array, where: string): void {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let offset = 0;
  for (let page = 0; offset < chunk.byteLength; page++) {
    const reader = { view, offset };
    const header: PageHeader = parquetHeader(reader);
    const body = chunk.subarray(reader.offset, reader.offset + header.compressed_page_size);
    offset = reader.offset + header.compressed_page_size;
    if (header.crc === undefined) continue;
    if (crc32(body) !== header.crc)
      throw new CorruptParquetError(`${where}: page ${page} fails its CRC check (the stored bytes changed)`);
  }
}

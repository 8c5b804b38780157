/**
 * Footer fetch (SPEC §4): one suffix GET of `footerFetchBytes`; only when the
 * footer is larger than that, exactly one more ranged GET for the missing
 * head of it. A HEAD only when the backend does not report the object size.
 */
import { type FileMetaData, parquetMetadata } from 'hyparquet';
import { CorruptParquetError, StorageError } from '../../errors.ts';
import type { Storage } from '../../storage/types.ts';
import { corruptReason } from './corrupt.ts';

export interface FooterResult {
  metadata: FileMetaData;
  /** Total object size in bytes. */
  objectSize: number;
  /** FileMetaData length + the 4-byte length + the trailing magic. */
  footerBytes: number;
  /** Storage requests the footer read took (1, or 2 for a footer larger than the first fetch). */
  requests: number;
  /** Bytes those requests transferred. */
  bytesFetched: number;
  /** The version the footer was read from; the reader pins its ranged GETs to it. */
  etag?: string;
}
/** Alias kept for callers written against the earlier name. */
export type FooterRead = FooterResult;

const MAGIC = 0x31524150; // "PAR1" little-endian
/** Leading magic + footer length + trailing magic. */
const MIN_PARQUET_BYTES = 12;

export async function readFooter(
  storage: Storage,
  key: string,
  footerFetchBytes: number,
): Promise<FooterResult> {
  const suffix = Math.max(MIN_PARQUET_BYTES, Math.floor(footerFetchBytes));
  const first = await storage.get(key, { suffix }).catch((err: unknown) => {
    // A suffix range of an empty object is unsatisfiable (416): the object exists but holds nothing.
    if (err instanceof StorageError && err.status === 416)
      throw new CorruptParquetError(`${key}: empty object (0 bytes), not a Parquet file`);
    throw err;
  });
  let requests = 1;
  let bytesFetched = first.body.byteLength;
  let objectSize = first.objectSize;
  if (objectSize === undefined) {
    if (first.body.byteLength < suffix) {
      objectSize = first.body.byteLength;
    } else {
      const info = await storage.head(key);
      requests++;
      if (!info) throw new CorruptParquetError(`${key}: object disappeared while reading its footer`);
      objectSize = info.size;
    }
  }
  const tail = first.body;
  if (objectSize < MIN_PARQUET_BYTES || tail.byteLength < 8) {
    throw new CorruptParquetError(
      `${key}: truncated Parquet object (${objectSize} bytes; a Parquet file has at least ${MIN_PARQUET_BYTES})`,
    );
  }
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (tailView.getUint32(tail.byteLength - 4, true) !== MAGIC) {
    throw new CorruptParquetError(`${key}: not a Parquet file (bad magic at the end: expected "PAR1")`);
  }
  const metadataLength = tailView.getUint32(tail.byteLength - 8, true);
  const footerBytes = metadataLength + 8;
  if (footerBytes + 4 > objectSize) {
    throw new CorruptParquetError(
      `${key}: truncated Parquet object (footer length ${metadataLength} exceeds the object size ${objectSize})`,
    );
  }
  let footer: Uint8Array;
  if (footerBytes <= tail.byteLength) {
    footer = tail.subarray(tail.byteLength - footerBytes);
  } else {
    const missing = footerBytes - tail.byteLength;
    const start = objectSize - footerBytes;
    const head = await storage.get(key, { start, end: start + missing }, { ifMatch: first.etag });
    requests++;
    bytesFetched += head.body.byteLength;
    if (head.body.byteLength !== missing) {
      throw new CorruptParquetError(
        `${key}: object changed while reading its footer (wanted ${missing} bytes, got ${head.body.byteLength})`,
      );
    }
    footer = new Uint8Array(footerBytes);
    footer.set(head.body, 0);
    footer.set(tail, missing);
  }
  if (
    tail.byteLength >= objectSize &&
    new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true) !== MAGIC
  ) {
    throw new CorruptParquetError(`${key}: not a Parquet file (bad magic at the start)`);
  }
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(footer);
  } catch (err) {
    throw new CorruptParquetError(`${key}: unparsable Parquet footer: ${corruptReason(err, 'its metadata')}`);
  }
  if (!Array.isArray(metadata.schema) || !Array.isArray(metadata.row_groups)) {
    throw new CorruptParquetError(`${key}: unparsable Parquet footer (no schema or row groups)`);
  }
  return { metadata, objectSize, footerBytes, requests, bytesFetched, etag: first.etag };
}

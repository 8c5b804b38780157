/**
 * Parquet page headers and the file footer (FileMetaData), thrift-compact
 * encoded. Field ids follow parquet.thrift; only what pqbench writes.
 */

import type { SchemaElement } from 'hyparquet';
import type { ParquetCodec } from '../codec/codecs.ts';
import { parquetCodecId } from '../codec/codecs.ts';
import type { ParquetPhysicalType } from './schema.ts';
import type { EncodedStatistics } from './statistics.ts';
import { CompactWriter, T } from './thrift-write.ts';

const PHYSICAL: Record<ParquetPhysicalType, number> = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
};
const REPETITION = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
/** Thrift ConvertedType values (parquet.thrift) of the legacy annotations pqbench writes. */
const CONVERTED: Partial<Record<NonNullable<SchemaElement['converted_type']>, number>> = {
  UTF8: 0,
  LIST: 3,
  UINT_8: 11,
  UINT_16: 12,
  UINT_32: 13,
  UINT_64: 14,
  INT_8: 15,
  INT_16: 16,
};
export const ENCODING_PLAIN = 0;
export const ENCODING_RLE = 3;
export const ENCODING_RLE_DICTIONARY = 8;
const PAGE_TYPE_DATA = 0;
const PAGE_TYPE_DICTIONARY = 2;

export interface DataPageHeaderFields {
  uncompressedSize: number;
  compressedSize: number;
  /** Level entries in the page (rows × elements for lists). */
  numValues: number;
  /** How the values are encoded: PLAIN (default) or RLE_DICTIONARY. */
  encoding?: number;
}

/** A DataPage (V1) header: PLAIN (or dictionary-index) values, RLE levels. */
export function encodeDataPageHeader(w: CompactWriter, page: DataPageHeaderFields): Uint8Array {
  w.reset();
  w.enterStruct();
  w.i32(1, PAGE_TYPE_DATA);
  w.i32(2, page.uncompressedSize);
  w.i32(3, page.compressedSize);
  w.structBegin(5);
  w.i32(1, page.numValues);
  w.i32(2, page.encoding ?? ENCODING_PLAIN);
  w.i32(3, ENCODING_RLE);
  w.i32(4, ENCODING_RLE);
  w.structEnd();
  w.structEnd();
  return w.toBytes();
}

/** A dictionary page header: `numValues` entries, PLAIN (what pyarrow writes for format 2.x). */
export function encodeDictionaryPageHeader(w: CompactWriter, page: DataPageHeaderFields): Uint8Array {
  w.reset();
  w.enterStruct();
  w.i32(1, PAGE_TYPE_DICTIONARY);
  w.i32(2, page.uncompressedSize);
  w.i32(3, page.compressedSize);
  w.structBegin(7);
  w.i32(1, page.numValues);
  w.i32(2, ENCODING_PLAIN);
  w.structEnd();
  w.structEnd();
  return w.toBytes();
}

export interface ColumnChunkInfo {
  type: ParquetPhysicalType;
  path: string[];
  codec: ParquetCodec;
  numValues: number;
  totalUncompressedSize: number;
  totalCompressedSize: number;
  dataPageOffset: number;
  /** Where the chunk's dictionary page starts; undefined when it has none. */
  dictionaryPageOffset?: number;
  encodings: number[];
  statistics?: EncodedStatistics;
}

export interface RowGroupInfo {
  numRows: number;
  /** File offset of the row group's first page. */
  fileOffset: number;
  columns: ColumnChunkInfo[];
}

export interface FileMetadataInfo {
  schema: SchemaElement[];
  numRows: number;
  rowGroups: RowGroupInfo[];
  keyValueMetadata: { key: string; value: string }[];
  createdBy: string;
}

function writeSchemaElement(w: CompactWriter, e: SchemaElement): void {
  w.enterStruct();
  if (e.type) w.i32(1, PHYSICAL[e.type as ParquetPhysicalType]);
  w.i32(2, e.type_length);
  if (e.repetition_type) w.i32(3, REPETITION[e.repetition_type]);
  w.string(4, e.name);
  w.i32(5, e.num_children);
  if (e.converted_type) {
    const converted = CONVERTED[e.converted_type];
    if (converted === undefined)
      throw new Error(`converted type ${e.converted_type} is not written by pqbench`);
    w.i32(6, converted);
  }
  const logical = e.logical_type;
  if (logical) {
    w.structBegin(10);
    if (logical.type === 'STRING') {
      w.structBegin(1);
      w.structEnd();
    } else if (logical.type === 'LIST') {
      w.structBegin(3);
      w.structEnd();
    } else if (logical.type === 'INTEGER') {
      w.structBegin(10);
      w.i8(1, logical.bitWidth);
      w.bool(2, logical.isSigned);
      w.structEnd();
    } else if (logical.type === 'FLOAT16') {
      w.structBegin(15);
      w.structEnd();
    } else {
      throw new Error(`logical type ${logical.type} is not written by pqbench`);
    }
    w.structEnd();
  }
  w.structEnd();
}

function writeColumnChunk(w: CompactWriter, c: ColumnChunkInfo): void {
  w.enterStruct();
  // file_offset (field 2) is required by the thrift IDL though deprecated; readers use meta_data.
  w.i64(2, c.dictionaryPageOffset ?? c.dataPageOffset);
  w.structBegin(3);
  w.i32(1, PHYSICAL[c.type]);
  w.listBegin(2, T.I32, c.encodings.length);
  for (const e of c.encodings) w.rawI32(e);
  w.listBegin(3, T.BINARY, c.path.length);
  for (const p of c.path) w.rawString(p);
  w.i32(4, parquetCodecId(c.codec));
  w.i64(5, c.numValues);
  w.i64(6, c.totalUncompressedSize);
  w.i64(7, c.totalCompressedSize);
  w.i64(9, c.dataPageOffset);
  w.i64(11, c.dictionaryPageOffset);
  if (c.statistics) {
    w.structBegin(12);
    w.i64(3, c.statistics.nullCount);
    w.binary(5, c.statistics.max);
    w.binary(6, c.statistics.min);
    w.structEnd();
  }
  w.structEnd();
  w.structEnd();
}

/** The footer's FileMetaData bytes (without the trailing length and magic). */
export function encodeFileMetadata(meta: FileMetadataInfo): Uint8Array {
  const w = new CompactWriter(4096);
  w.enterStruct();
  w.i32(1, 2);
  w.listBegin(2, T.STRUCT, meta.schema.length);
  for (const e of meta.schema) writeSchemaElement(w, e);
  w.i64(3, meta.numRows);
  w.listBegin(4, T.STRUCT, meta.rowGroups.length);
  for (const rg of meta.rowGroups) {
    w.enterStruct();
    w.listBegin(1, T.STRUCT, rg.columns.length);
    for (const c of rg.columns) writeColumnChunk(w, c);
    const uncompressed = rg.columns.reduce((s, c) => s + c.totalUncompressedSize, 0);
    const compressed = rg.columns.reduce((s, c) => s + c.totalCompressedSize, 0);
    w.i64(2, uncompressed);
    w.i64(3, rg.numRows);
    w.i64(5, rg.fileOffset);
    w.i64(6, compressed);
    w.structEnd();
  }
  if (meta.keyValueMetadata.length > 0) {
    w.listBegin(5, T.STRUCT, meta.keyValueMetadata.length);
    for (const kv of meta.keyValueMetadata) {
      w.enterStruct();
      w.string(1, kv.key);
      w.string(2, kv.value);
      w.structEnd();
    }
  }
  w.string(6, meta.createdBy);
  // column_orders: TypeDefinedOrder for every leaf, so readers trust min/max.
  const leaves = meta.schema.filter((e) => e.type !== undefined).length;
  w.listBegin(7, T.STRUCT, leaves);
  for (let i = 0; i < leaves; i++) {
    w.enterStruct();
    w.structBegin(1);
    w.structEnd();
    w.structEnd();
  }
  w.structEnd();
  return w.toBytes();
}

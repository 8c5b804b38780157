/**
 * What a decoder needs to know: the Parquet leaf it reads (physical type,
 * levels, codec) and the ColumnValues shape it must produce.
 */
import type {
  ColumnMetaData,
  CompressionCodec,
  FileMetaData,
  ParquetType,
  SchemaElement,
  SchemaTree,
} from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from 'hyparquet/src/schema.js';
import type { ColumnSpec } from '../config/types.ts';
import type { ValueKind } from '../dataset/column-values.ts';

export interface DecodeTarget {
  kind: ValueKind;
  /** Values per row for numeric kinds (1 = scalar); ignored for 'bytes'. */
  size: number;
}

export interface LeafInfo {
  path: string[];
  type: ParquetType;
  /** FIXED_LEN_BYTE_ARRAY width in bytes. */
  typeLength?: number;
  element: SchemaElement;
  /** Root → leaf schema nodes (what hyparquet's decoders take). */
  schemaPath: SchemaTree[];
  maxDefinitionLevel: number;
  maxRepetitionLevel: number;
  codec: CompressionCodec;
}

const KIND_BY_DTYPE: Record<ColumnSpec['dtype'], ValueKind> = {
  float32: 'f32',
  float64: 'f64',
  float16: 'f16',
  int8: 'i32',
  int32: 'i32',
  int64: 'i64',
  bool: 'bool',
  string: 'bytes',
  binary: 'bytes',
  list: 'f32',
};

/** Bytes per value of each numeric kind in memory. */
export const KIND_WIDTH: Record<Exclude<ValueKind, 'bytes'>, number> = {
  f32: 4,
  f64: 8,
  f16: 2,
  i32: 4,
  i64: 8,
  bool: 1,
};

export function targetForSpec(spec: ColumnSpec): DecodeTarget {
  const kind = KIND_BY_DTYPE[spec.dtype];
  return { kind, size: kind === 'bytes' ? 1 : Math.max(1, spec.size) };
}

/** Leaf lookups share one schema tree per footer. */
const treeCache = new WeakMap<FileMetaData, SchemaTree>();

export function leafInfo(metadata: FileMetaData, columnMeta: ColumnMetaData): LeafInfo {
  let tree = treeCache.get(metadata);
  if (!tree) {
    tree = parquetSchema(metadata);
    treeCache.set(metadata, tree);
  }
  const schemaPath = getTreePath(tree, columnMeta.path_in_schema);
  const element = schemaPath[schemaPath.length - 1].element;
  return {
    path: columnMeta.path_in_schema,
    type: columnMeta.type,
    typeLength: element.type_length,
    element,
    schemaPath,
    maxDefinitionLevel: getMaxDefinitionLevel(schemaPath),
    maxRepetitionLevel: getMaxRepetitionLevel(schemaPath),
    codec: columnMeta.codec,
  };
}

/** Bytes per leaf value on disk for fixed-width physical types (BOOLEAN is bit-packed: 0). */
export function physicalWidth(leaf: Pick<LeafInfo, 'type' | 'typeLength'>): number {
  switch (leaf.type) {
    case 'FLOAT':
    case 'INT32':
      return 4;
    case 'DOUBLE':
    case 'INT64':
      return 8;
    case 'INT96':
      return 12;
    case 'FIXED_LEN_BYTE_ARRAY':
      return leaf.typeLength ?? 0;
    default:
      return 0;
  }
}

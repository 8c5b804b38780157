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
import { DTYPE_INFO, type ValueKind } from '../../config/dtypes.ts';
import type { ColumnSpec } from '../../config/types.ts';
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from '../hyparquet.ts';

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

export function targetForSpec(spec: ColumnSpec): DecodeTarget {
  const kind = DTYPE_INFO[spec.dtype].kind;
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

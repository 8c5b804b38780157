/**
 * Workload columns → Parquet schema (SPEC §1 dtype table).
 *
 * Every column is REQUIRED (synthetic data has no nulls). Vectors (`size > 1`
 * numeric/bool, and dtype `list` always) take one of two shapes:
 *
 *   list:  required group <name> (LIST) {          max rep 1, max def 1
 *            repeated group list {
 *              required <elem> element; } }
 *   fixed: required fixed_len_byte_array(size × width) <name>
 *
 * The LIST is the standard 3-level form of the Parquet spec's
 * LogicalTypes.md. pyarrow names the levels the same way (`list`/`element`,
 * the Arrow ≥13 default) but marks the group and element OPTIONAL because
 * Arrow fields are nullable by default; DLIO's fixed-size lists never hold
 * nulls, so we declare REQUIRED, which DuckDB, pyarrow and hyparquet all read
 * as an ordinary LIST (DuckDB: FLOAT[]; pyarrow: list<element: float not null>).
 */

import type { SchemaElement } from 'hyparquet';
import {
  type ColumnShape,
  columnShape,
  DTYPE_INFO,
  type DtypeInfo,
  type ParquetPhysicalType,
  type ValueKind,
} from '../../config/dtypes.ts';
import type { ColumnSpec, VectorLayout } from '../../config/types.ts';

export type { ColumnShape, ParquetPhysicalType } from '../../config/dtypes.ts';
export { columnShape } from '../../config/dtypes.ts';

/** How one workload column is laid out in the file: everything the writer's encoders need. */
export interface LeafColumn {
  spec: ColumnSpec;
  shape: ColumnShape;
  /** Physical type of the leaf (for `fixed`, FIXED_LEN_BYTE_ARRAY). */
  physicalType: ParquetPhysicalType;
  /** type_length for FIXED_LEN_BYTE_ARRAY leaves. */
  typeLength?: number;
  /** Path of the leaf from the root, e.g. ['dense', 'list', 'element']. */
  path: string[];
  maxRepetitionLevel: number;
  maxDefinitionLevel: number;
  /** Values per row at the leaf (list: size, else 1). */
  valuesPerRow: number;
  /** The ColumnValues kind the writer accepts for this column. */
  valueKind: ValueKind;
}

export function leafColumnFor(spec: ColumnSpec, layout: VectorLayout): LeafColumn {
  const element = DTYPE_INFO[spec.dtype];
  const shape = columnShape(spec, layout);
  const base = { spec, shape, valueKind: element.kind };
  if (shape === 'list') {
    return {
      ...base,
      physicalType: element.physical,
      typeLength: element.typeLength,
      path: [spec.name, 'list', 'element'],
      maxRepetitionLevel: 1,
      maxDefinitionLevel: 1,
      valuesPerRow: spec.size,
    };
  }
  if (shape === 'fixed') {
    return {
      ...base,
      physicalType: 'FIXED_LEN_BYTE_ARRAY',
      typeLength: spec.size * element.fixedBytes,
      path: [spec.name],
      maxRepetitionLevel: 0,
      maxDefinitionLevel: 0,
      valuesPerRow: 1,
    };
  }
  return {
    ...base,
    physicalType: element.physical,
    typeLength: element.typeLength,
    path: [spec.name],
    maxRepetitionLevel: 0,
    maxDefinitionLevel: 0,
    valuesPerRow: 1,
  };
}

export function leafColumnsFor(columns: ColumnSpec[], layout: VectorLayout): LeafColumn[] {
  return columns.map((c) => leafColumnFor(c, layout));
}

function leafElement(name: string, element: DtypeInfo): SchemaElement {
  const out: SchemaElement = { name, type: element.physical, repetition_type: 'REQUIRED' };
  if (element.typeLength !== undefined) out.type_length = element.typeLength;
  if (element.converted) out.converted_type = element.converted;
  if (element.logical) out.logical_type = element.logical;
  return out;
}

/** The flattened Parquet schema (root first, depth-first), as hyparquet represents it. */
export function parquetSchemaFor(columns: ColumnSpec[], layout: VectorLayout): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }];
  for (const spec of columns) {
    const element = DTYPE_INFO[spec.dtype];
    const shape = columnShape(spec, layout);
    if (shape === 'scalar') {
      schema.push(leafElement(spec.name, element));
    } else if (shape === 'fixed') {
      schema.push({
        name: spec.name,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: spec.size * element.fixedBytes,
        repetition_type: 'REQUIRED',
      });
    } else {
      schema.push(
        {
          name: spec.name,
          repetition_type: 'REQUIRED',
          num_children: 1,
          converted_type: 'LIST',
          logical_type: { type: 'LIST' },
        },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        leafElement('element', element),
      );
    }
  }
  return schema;
}

/**
 * Key-value metadata that records the workload columns, so a reader can tell
 * a FIXED_LEN_BYTE_ARRAY(2048) of 512 float32 from one of 512 int32.
 */
export const PQBENCH_COLUMNS_KEY = 'pqbench.columns';

export function columnsMetadataValue(columns: ColumnSpec[], layout: VectorLayout): string {
  return JSON.stringify(
    columns.map((c) => ({ name: c.name, dtype: c.dtype, size: c.size, shape: columnShape(c, layout) })),
  );
}

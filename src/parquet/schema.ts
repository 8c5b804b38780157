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
import type { ColumnSpec, Dtype, VectorLayout } from '../config/types.ts';
import type { ValueKind } from '../dataset/column-values.ts';

export type ParquetPhysicalType =
  | 'BOOLEAN'
  | 'INT32'
  | 'INT64'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BYTE_ARRAY'
  | 'FIXED_LEN_BYTE_ARRAY';

export type ColumnShape = 'scalar' | 'list' | 'fixed';

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
  /** Bytes one element occupies in a `fixed` vector (int8 → 1, bool → 1). */
  elementWidth: number;
}

interface ElementType {
  type: ParquetPhysicalType;
  typeLength?: number;
  logical?: SchemaElement['logical_type'];
  converted?: SchemaElement['converted_type'];
  /** Width of one element inside a `fixed` vector. */
  width: number;
  kind: ValueKind;
}

const ELEMENT: Record<Dtype, ElementType> = {
  float32: { type: 'FLOAT', width: 4, kind: 'f32' },
  list: { type: 'FLOAT', width: 4, kind: 'f32' },
  float64: { type: 'DOUBLE', width: 8, kind: 'f64' },
  float16: {
    type: 'FIXED_LEN_BYTE_ARRAY',
    typeLength: 2,
    logical: { type: 'FLOAT16' },
    width: 2,
    kind: 'f16',
  },
  int8: {
    type: 'INT32',
    logical: { type: 'INTEGER', bitWidth: 8, isSigned: true },
    converted: 'INT_8',
    width: 1,
    kind: 'i32',
  },
  int32: { type: 'INT32', width: 4, kind: 'i32' },
  int64: { type: 'INT64', width: 8, kind: 'i64' },
  bool: { type: 'BOOLEAN', width: 1, kind: 'bool' },
  string: { type: 'BYTE_ARRAY', logical: { type: 'STRING' }, converted: 'UTF8', width: 1, kind: 'bytes' },
  binary: { type: 'BYTE_ARRAY', width: 1, kind: 'bytes' },
};

/** The shape a column is written in: string/binary are always scalar, dtype `list` always a LIST. */
export function columnShape(spec: ColumnSpec, layout: VectorLayout): ColumnShape {
  if (spec.dtype === 'list') return 'list';
  if (spec.dtype === 'string' || spec.dtype === 'binary') return 'scalar';
  return spec.size > 1 ? layout : 'scalar';
}

export function leafColumnFor(spec: ColumnSpec, layout: VectorLayout): LeafColumn {
  const element = ELEMENT[spec.dtype];
  const shape = columnShape(spec, layout);
  const base = { spec, shape, valueKind: element.kind, elementWidth: element.width };
  if (shape === 'list') {
    return {
      ...base,
      physicalType: element.type,
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
      typeLength: spec.size * element.width,
      path: [spec.name],
      maxRepetitionLevel: 0,
      maxDefinitionLevel: 0,
      valuesPerRow: 1,
    };
  }
  return {
    ...base,
    physicalType: element.type,
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

function leafElement(name: string, element: ElementType): SchemaElement {
  const out: SchemaElement = { name, type: element.type, repetition_type: 'REQUIRED' };
  if (element.typeLength !== undefined) out.type_length = element.typeLength;
  if (element.converted) out.converted_type = element.converted;
  if (element.logical) out.logical_type = element.logical;
  return out;
}

/** The flattened Parquet schema (root first, depth-first), as hyparquet represents it. */
export function parquetSchemaFor(columns: ColumnSpec[], layout: VectorLayout): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }];
  for (const spec of columns) {
    const element = ELEMENT[spec.dtype];
    const shape = columnShape(spec, layout);
    if (shape === 'scalar') {
      schema.push(leafElement(spec.name, element));
    } else if (shape === 'fixed') {
      schema.push({
        name: spec.name,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: spec.size * element.width,
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

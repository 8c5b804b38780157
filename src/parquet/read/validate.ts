/**
 * Schema validation on open (SPEC §4): every projected column must exist with
 * the physical shape its dtype / size / vector_layout implies. One error lists
 * every problem, expected vs found, and the columns the file has.
 */
import type { FileMetaData, SchemaTree } from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import { columnShape, DTYPE_INFO } from '../../config/dtypes.ts';
import type { ColumnSpec, VectorLayout } from '../../config/types.ts';
import { SchemaMismatchError } from '../../errors.ts';
import { PQBENCH_COLUMNS_KEY } from '../write/schema.ts';

export interface ValidateOptions {
  /** Hive partition column: dropped from the files, restored from the path. */
  partitionBy?: string | null;
}

/** What the file must hold for `spec`, as text: "FLOAT", "LIST<FLOAT> of 128", "FIXED_LEN_BYTE_ARRAY(2048) (512 × float32)". */
export function describeExpected(spec: ColumnSpec, vectorLayout: VectorLayout): string {
  const info = DTYPE_INFO[spec.dtype];
  const shape = columnShape(spec, vectorLayout);
  const element = info.typeLength !== undefined ? `${info.physical}(${info.typeLength})` : info.physical;
  if (shape === 'list') return `LIST<${element}> of ${spec.size}`;
  if (shape === 'fixed')
    return `FIXED_LEN_BYTE_ARRAY(${spec.size * info.fixedBytes}) (${spec.size} × ${spec.dtype})`;
  return element;
}

/** A readable description of a top-level schema node, e.g. "LIST<FLOAT>" or "FIXED_LEN_BYTE_ARRAY(2048)". */
export function describeFound(node: SchemaTree): string {
  const leaf = singleLeaf(node);
  if (!leaf) return `group of ${node.children.length} fields`;
  const el = leaf.element;
  const physical =
    el.type === 'FIXED_LEN_BYTE_ARRAY' ? `FIXED_LEN_BYTE_ARRAY(${el.type_length})` : String(el.type);
  const annotation = el.logical_type?.type ?? el.converted_type;
  const leafText = annotation ? `${physical} (${annotation})` : physical;
  return repeatedDepth(node) > 0 ? `LIST<${leafText}>` : leafText;
}

function singleLeaf(node: SchemaTree): SchemaTree | undefined {
  let current = node;
  while (current.children.length === 1) current = current.children[0];
  return current.children.length === 0 ? current : undefined;
}

function repeatedDepth(node: SchemaTree): number {
  let depth = 0;
  let current: SchemaTree | undefined = node;
  while (current) {
    if (current.element.repetition_type === 'REPEATED') depth++;
    current = current.children.length === 1 ? current.children[0] : undefined;
  }
  return depth;
}

/** Why `node` cannot hold `spec`, or undefined when it can. */
function mismatch(node: SchemaTree, spec: ColumnSpec, vectorLayout: VectorLayout): string | undefined {
  const leaf = singleLeaf(node);
  if (!leaf) return 'is a nested group';
  const info = DTYPE_INFO[spec.dtype];
  const layout = columnShape(spec, vectorLayout);
  const repeated = repeatedDepth(node);
  const type = leaf.element.type;
  if (layout === 'list') {
    if (repeated !== 1) return 'is not a list';
    return elementMatches(type, leaf.element.type_length, spec) ? undefined : 'has another element type';
  }
  if (repeated !== 0) return 'is a list';
  if (layout === 'fixed') {
    if (type !== 'FIXED_LEN_BYTE_ARRAY') return 'is not a FIXED_LEN_BYTE_ARRAY vector';
    const width = (leaf.element.type_length ?? 0) / spec.size;
    return width === info.fixedBytes ? undefined : 'has another vector width';
  }
  return elementMatches(type, leaf.element.type_length, spec) ? undefined : 'has another type';
}

function elementMatches(type: string | undefined, typeLength: number | undefined, spec: ColumnSpec): boolean {
  const info = DTYPE_INFO[spec.dtype];
  return type === info.physical && (info.typeLength === undefined || typeLength === info.typeLength);
}

interface WrittenColumn {
  dtype: string;
  size: number;
}

/**
 * The columns as pqbench recorded them in the footer (key `pqbench.columns`):
 * tells a FIXED_LEN_BYTE_ARRAY(2048) of 512 float32 from one of 512 int32.
 * Undefined for files pqbench did not write.
 */
function writtenColumns(metadata: FileMetaData): Map<string, WrittenColumn> | undefined {
  const value = metadata.key_value_metadata?.find((kv) => kv.key === PQBENCH_COLUMNS_KEY)?.value;
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return undefined;
    const out = new Map<string, WrittenColumn>();
    for (const entry of parsed as Partial<WrittenColumn & { name: string }>[]) {
      if (
        typeof entry?.name === 'string' &&
        typeof entry.dtype === 'string' &&
        typeof entry.size === 'number'
      ) {
        out.set(entry.name, { dtype: entry.dtype, size: entry.size });
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

function writtenMismatch(written: WrittenColumn | undefined, spec: ColumnSpec): string | undefined {
  if (!written) return undefined;
  if (written.dtype !== spec.dtype) return `written as dtype ${written.dtype}`;
  if (written.size !== spec.size) return `written with size ${written.size}`;
  return undefined;
}

/**
 * Throws SchemaMismatchError when any expected column is missing or has
 * another dtype / size / layout. The partition column is not expected in the file.
 */
export function validateProjection(
  metadata: FileMetaData,
  expectedColumns: ColumnSpec[],
  vectorLayout: VectorLayout,
  key: string,
  options: ValidateOptions = {},
): void {
  const root = parquetSchema(metadata);
  const byName = new Map(root.children.map((child) => [child.element.name, child]));
  const written = writtenColumns(metadata);
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const spec of expectedColumns) {
    if (options.partitionBy && spec.name === options.partitionBy) continue;
    const node = byName.get(spec.name);
    if (!node) {
      missing.push(`${spec.name} (${describeExpected(spec, vectorLayout)})`);
      continue;
    }
    const why = mismatch(node, spec, vectorLayout) ?? writtenMismatch(written?.get(spec.name), spec);
    if (why) {
      mismatched.push(
        `${spec.name}: expected ${describeExpected(spec, vectorLayout)}, found ${describeFound(node)} (${why})`,
      );
    }
  }
  if (missing.length === 0 && mismatched.length === 0) return;
  const has = root.children.map((child) => `${child.element.name} ${describeFound(child)}`).join(', ');
  const parts = [
    missing.length ? `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : '',
    mismatched.length ? `mismatched: ${mismatched.join('; ')}` : '',
  ].filter(Boolean);
  throw new SchemaMismatchError(
    `${key}: schema does not match the workload: ${parts.join('; ')}. The file has: ${has}`,
  );
}

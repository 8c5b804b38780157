/**
 * Generic decoder: any column chunk hyparquet can read (dictionary pages,
 * DELTA / BYTE_STREAM_SPLIT encodings, nullable LIST elements, DataPage V2,
 * files from DuckDB / pyarrow / DLIO), flattened into ColumnValues. Slow but
 * complete; the fast path in decode-fast.ts covers what pqbench and pyarrow write.
 */
import type { Compressors, DecodedArray, SchemaElement } from 'hyparquet';
import { KIND_BYTES } from '../../config/dtypes.ts';
import type { ColumnValues, NumericValues } from '../../dataset/column-values.ts';
import { SchemaMismatchError } from '../../errors.ts';
import { DEFAULT_PARSERS, readColumn } from '../hyparquet.ts';
import { type DecodeTarget, type LeafInfo, physicalWidth } from './decode-target.ts';

export function decodeGenericChunk(
  chunk: Uint8Array,
  leaf: LeafInfo,
  target: DecodeTarget,
  numRows: number,
  compressors: Compressors | undefined,
  where: string,
): ColumnValues {
  // Strip logical/converted types so values come back as raw physical values
  // (bytes stay bytes, float16 stays 2 bytes, ints stay ints).
  const rawElement: SchemaElement = {
    name: leaf.element.name,
    type: leaf.element.type,
    type_length: leaf.element.type_length,
    repetition_type: leaf.element.repetition_type,
  };
  const reader = { view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: 0 };
  const { data: pages } = readColumn(
    reader,
    { groupStart: 0, selectStart: 0, selectEnd: numRows, groupRows: numRows },
    {
      pathInSchema: leaf.path,
      type: leaf.type,
      element: rawElement,
      schemaPath: leaf.schemaPath,
      codec: leaf.codec,
      parsers: DEFAULT_PARSERS,
      compressors,
      utf8: false,
    },
  );
  const rows = countRows(pages);
  if (rows !== numRows) {
    throw new SchemaMismatchError(`${where}: decoded ${rows} rows, the row group has ${numRows}`);
  }
  return target.kind === 'bytes'
    ? bytesFromRows(pages, numRows, where)
    : numericFromRows(pages, leaf, target, numRows, where);
}

function countRows(pages: DecodedArray[]): number {
  return pages.reduce((sum, page) => sum + page.length, 0);
}

function bytesFromRows(pages: DecodedArray[], numRows: number, where: string): ColumnValues {
  const offsets = new Uint32Array(numRows + 1);
  let total = 0;
  let row = 0;
  for (const page of pages) {
    for (let i = 0; i < page.length; i++) {
      const value = page[i];
      if (!(value instanceof Uint8Array)) throw unexpected(where, row, value, 'a byte string');
      total += value.byteLength;
      offsets[++row] = total;
    }
  }
  const data = new Uint8Array(total);
  row = 0;
  for (const page of pages) {
    for (let i = 0; i < page.length; i++) data.set(page[i] as Uint8Array, offsets[row++]);
  }
  return { kind: 'bytes', data, offsets };
}

function numericFromRows(
  pages: DecodedArray[],
  leaf: LeafInfo,
  target: DecodeTarget,
  numRows: number,
  where: string,
): NumericValues {
  const kind = target.kind as NumericValues['kind'];
  const size = target.size;
  const out = allocate(kind, numRows * size);
  const listed = leaf.maxRepetitionLevel > 0;
  // FIXED_LEN_BYTE_ARRAY: each value holds elements packed little-endian.
  const elementBytes = leaf.type === 'FIXED_LEN_BYTE_ARRAY' ? physicalWidth(leaf) / (listed ? 1 : size) : 0;
  const put = elementSetter(out, kind, elementBytes, where);
  let row = 0;
  for (const page of pages) {
    if (!listed && elementBytes === 0 && size === 1 && isTypedLike(page, out)) {
      (out as { set(a: ArrayLike<number | bigint>, o: number): void }).set(
        page as ArrayLike<number | bigint>,
        row,
      );
      row += page.length;
      continue;
    }
    for (let i = 0; i < page.length; i++, row++) {
      let value: unknown = page[i];
      const base = row * size;
      if (listed) {
        // Raw level assembly wraps each row once per enclosing group level: [[v0, v1, …]].
        let unwrapped = value;
        while (Array.isArray(unwrapped) && unwrapped.length === 1 && Array.isArray(unwrapped[0]))
          unwrapped = unwrapped[0];
        value = unwrapped;
        if (!Array.isArray(value) && !ArrayBuffer.isView(value))
          throw unexpected(where, row, value, `a list of ${size}`);
        const list = value as ArrayLike<unknown>;
        if (list.length !== size) {
          throw new SchemaMismatchError(
            `${where}: row ${row} holds ${list.length} elements, expected ${size}`,
          );
        }
        for (let e = 0; e < size; e++) put(base + e, list[e], row);
      } else if (elementBytes > 0) {
        if (!(value instanceof Uint8Array) || value.byteLength !== elementBytes * size) {
          throw unexpected(where, row, value, `${elementBytes * size} bytes`);
        }
        for (let e = 0; e < size; e++)
          put(base + e, value.subarray(e * elementBytes, (e + 1) * elementBytes), row);
      } else {
        if (size !== 1) throw unexpected(where, row, value, `a vector of ${size}`);
        put(base, value, row);
      }
    }
  }
  return { kind, data: out, size } as NumericValues;
}

type NumericArray = NumericValues['data'];

function allocate(kind: NumericValues['kind'], length: number): NumericArray {
  switch (kind) {
    case 'f32':
      return new Float32Array(length);
    case 'f64':
      return new Float64Array(length);
    case 'f16':
      return new Uint16Array(length);
    case 'i32':
      return new Int32Array(length);
    case 'i64':
      return new BigInt64Array(length);
    case 'bool':
      return new Uint8Array(length);
  }
}

/** A page that is already a typed array of the same element kind can be bulk-copied. */
function isTypedLike(page: DecodedArray, out: NumericArray): boolean {
  return ArrayBuffer.isView(page) && page.constructor === out.constructor;
}

function elementSetter(
  out: NumericArray,
  kind: NumericValues['kind'],
  elementBytes: number,
  where: string,
): (index: number, value: unknown, row: number) => void {
  return (index, value, row) => {
    if (value instanceof Uint8Array) {
      const width = elementBytes || value.byteLength;
      if (kind !== 'i32' && width !== KIND_BYTES[kind])
        throw unexpected(where, row, value, `${KIND_BYTES[kind]} bytes`);
      const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
      switch (kind) {
        case 'f32':
          out[index] = view.getFloat32(0, true);
          return;
        case 'f64':
          out[index] = view.getFloat64(0, true);
          return;
        case 'f16':
          out[index] = view.getUint16(0, true);
          return;
        case 'i64':
          out[index] = view.getBigInt64(0, true);
          return;
        case 'bool':
          out[index] = view.getUint8(0) ? 1 : 0;
          return;
        default:
          out[index] =
            width === 1 ? view.getInt8(0) : width === 2 ? view.getInt16(0, true) : view.getInt32(0, true);
          return;
      }
    }
    if (kind === 'i64') {
      if (typeof value !== 'bigint') throw unexpected(where, row, value, 'an int64');
      out[index] = value;
    } else if (kind === 'bool') {
      if (typeof value !== 'boolean' && typeof value !== 'number')
        throw unexpected(where, row, value, 'a boolean');
      out[index] = value ? 1 : 0;
    } else {
      if (typeof value !== 'number' || kind === 'f16') throw unexpected(where, row, value, `a ${kind} value`);
      out[index] = value;
    }
  };
}

function unexpected(where: string, row: number, value: unknown, expected: string): SchemaMismatchError {
  const found =
    value === null || value === undefined
      ? 'null'
      : Array.isArray(value)
        ? `a list of ${value.length}`
        : typeof value;
  return new SchemaMismatchError(`${where}: row ${row} is ${found}, expected ${expected}`);
}

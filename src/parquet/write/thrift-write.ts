/**
 * Thrift compact protocol, write side only, for Parquet page headers and the
 * footer. Our own rather than hyparquet-writer's object-walking serializer:
 * a page header is written per page on the hot path, and an imperative
 * writer into one growable buffer costs nothing per field.
 */

export const T = {
  BOOL_TRUE: 1,
  BOOL_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;

const encoder = new TextEncoder();

export class CompactWriter {
  private buf: Uint8Array;
  private pos = 0;
  private lastField = 0;
  private readonly fieldStack: number[] = [];

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a copy, so the writer can be reused). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
    this.lastField = 0;
    this.fieldStack.length = 0;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  private zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private fieldHeader(id: number, type: number): void {
    const delta = id - this.lastField;
    if (delta > 0 && delta <= 15) {
      this.byte((delta << 4) | type);
    } else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastField = id;
  }

  i32(id: number, value: number | undefined): void {
    if (value === undefined) return;
    this.fieldHeader(id, T.I32);
    this.zigzag(value);
  }

  i64(id: number, value: number | bigint | undefined): void {
    if (value === undefined) return;
    this.fieldHeader(id, T.I64);
    this.zigzag(Number(value));
  }

  i8(id: number, value: number | undefined): void {
    if (value === undefined) return;
    this.fieldHeader(id, T.BYTE);
    this.byte(value & 0xff);
  }

  bool(id: number, value: boolean | undefined): void {
    if (value === undefined) return;
    this.fieldHeader(id, value ? T.BOOL_TRUE : T.BOOL_FALSE);
  }

  binary(id: number, value: Uint8Array | undefined): void {
    if (value === undefined) return;
    this.fieldHeader(id, T.BINARY);
    this.rawBinary(value);
  }

  string(id: number, value: string | undefined): void {
    if (value === undefined) return;
    this.binary(id, encoder.encode(value));
  }

  /** Opens a struct field; close it with `structEnd()`. */
  structBegin(id: number): void {
    this.fieldHeader(id, T.STRUCT);
    this.enterStruct();
  }

  /** Opens a struct that is a list element or the top-level message. */
  enterStruct(): void {
    this.fieldStack.push(this.lastField);
    this.lastField = 0;
  }

  structEnd(): void {
    this.byte(0);
    this.lastField = this.fieldStack.pop() ?? 0;
  }

  /** A list field header; then write `size` elements with the raw* / enterStruct methods. */
  listBegin(id: number, elementType: number, size: number): void {
    this.fieldHeader(id, T.LIST);
    if (size < 15) {
      this.byte((size << 4) | elementType);
    } else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
  }

  rawI32(value: number): void {
    this.zigzag(value);
  }

  rawBinary(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  rawString(value: string): void {
    this.rawBinary(encoder.encode(value));
  }
}

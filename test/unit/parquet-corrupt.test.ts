/**
 * Edge-case and damaged files (test/fixtures/corrupt, made by
 * bench/py/make_corrupt_fixtures.py with pyarrow): each reads, or fails with a
 * typed error that names the file and gives a reason a person can act on —
 * never the JavaScript engine's own text.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ColumnSpec } from '../../src/config/types.ts';
import { joinPieces } from '../../src/dataset/column-values.ts';
import { CorruptParquetError, ObjectChangedError, SchemaMismatchError } from '../../src/errors.ts';
import { crc32 } from '../../src/parquet/read/crc.ts';
import { ParquetObjectReader } from '../../src/parquet/read/reader.ts';
import { LocalStorage } from '../../src/storage/local.ts';

const storage = new LocalStorage(new URL('../fixtures/corrupt/', import.meta.url).pathname);
const X: ColumnSpec[] = [{ name: 'x', dtype: 'float32', size: 1, read: true }];
const ENGINE_TEXT = /Cannot read|undefined|DataView|typed array|is not a function|NaN/;

async function readAll(key: string, columns: ColumnSpec[], checkCrc = false) {
  const reader = await ParquetObjectReader.open(storage, key, {
    footerFetchBytes: 65536,
    columns,
    vectorLayout: 'list',
    coalesceGapBytes: 0,
    maxRequestBytes: 1 << 30,
    readThreads: 1,
    decode: true,
    checkCrc,
  });
  return reader.readRowGroups(reader.rowGroups.map((_, g) => g));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected an error');
}

describe('damaged and edge-case Parquet files', () => {
  it('an empty table (one row group of 0 rows, as pyarrow writes it) reads as 0 rows', async () => {
    const columns: ColumnSpec[] = [
      { name: 'label', dtype: 'float32', size: 1, read: true },
      { name: 'emb', dtype: 'float32', size: 4, read: true },
    ];
    const [group] = await readAll('empty_table.parquet', columns);
    assert.equal(group?.numRows, 0);
    assert.deepEqual(Object.keys(group?.columns ?? {}).sort(), ['emb', 'label']);
    assert.equal(group?.columns?.emb?.pieces.length, 0);
  });

  it('a V2 page whose only value is null is a SchemaMismatchError naming the row, not a codec error', async () => {
    const err = await rejection(readAll('null_only_v2.parquet', X));
    assert.ok(err instanceof SchemaMismatchError, err.message);
    assert.match(err.message, /null_only_v2\.parquet.*row group 0.*"x".*row 0 is null/);
  });

  it('page CRCs: the intact file passes the check; a flipped byte fails it when checked, and is a wrong value when not', async () => {
    const [ok] = await readAll('crc_ok.parquet', X, true);
    const values = ok?.columns?.x && joinPieces(ok.columns.x);
    assert.ok(values && values.kind === 'f32');
    assert.deepEqual(
      Array.from(values.data),
      Array.from({ length: 64 }, (_, i) => i),
    );
    const err = await rejection(readAll('crc_flipped.parquet', X, true));
    assert.ok(err instanceof CorruptParquetError);
    assert.match(err.message, /crc_flipped\.parquet: row group 0, column "x": page 0 fails its CRC check/);
    const [unchecked] = await readAll('crc_flipped.parquet', X, false);
    const wrong = unchecked?.columns?.x && joinPieces(unchecked.columns.x);
    assert.ok(wrong && wrong.kind === 'f32');
    assert.notEqual(wrong.data[63], 63);
  });

  for (const [file, reason] of [
    ['truncated_footer.parquet', /footer/],
    ['footer_garbage.parquet', /footer/],
  ] as const) {
    it(`${file}: a CorruptParquetError naming the file and the footer, without engine text`, async () => {
      const err = await rejection(readAll(file, X));
      assert.ok(err instanceof CorruptParquetError, `${err.constructor.name}: ${err.message}`);
      assert.ok(err.message.startsWith(file), err.message);
      assert.match(err.message, reason);
      assert.doesNotMatch(err.message, ENGINE_TEXT);
    });
  }

  it('crc32 is the IEEE CRC-32 (the standard check value), as a signed int32 like Thrift stores it', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926 | 0);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });
});

describe('a file replaced while it is read', () => {
  it('is an ObjectChangedError naming it: the ranged GETs are pinned to the version whose footer was read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pqbench-pinned-'));
    try {
      const local = new LocalStorage(dir);
      const bytes = await readFile(new URL('../fixtures/corrupt/crc_ok.parquet', import.meta.url));
      await local.put('f.parquet', bytes);
      const reader = await ParquetObjectReader.open(local, 'f.parquet', {
        footerFetchBytes: 65536,
        columns: X,
        vectorLayout: 'list',
        coalesceGapBytes: 0,
        maxRequestBytes: 1 << 30,
        readThreads: 1,
        decode: true,
      });
      await local.put('f.parquet', bytes);
      const err = await rejection(reader.readRowGroups([0]));
      assert.ok(err instanceof ObjectChangedError, err.message);
      assert.match(err.message, /^f\.parquet: changed while it was being read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('an empty object', () => {
  it('is a CorruptParquetError (a data error, exit 4), not a storage error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pqbench-empty-'));
    try {
      const local = new LocalStorage(dir);
      await local.put('zero.parquet', new Uint8Array(0));
      const err = await rejection(
        ParquetObjectReader.open(local, 'zero.parquet', {
          footerFetchBytes: 65536,
          columns: X,
          vectorLayout: 'list',
          coalesceGapBytes: 0,
          maxRequestBytes: 1 << 30,
          readThreads: 1,
          decode: true,
        }),
      );
      assert.ok(err instanceof CorruptParquetError, `${err.constructor.name}: ${err.message}`);
      assert.equal((err as CorruptParquetError).exitCode, 4);
      assert.match(err.message, /^zero\.parquet: empty object/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

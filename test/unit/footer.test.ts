/**
 * Footer fetch on local storage: request count, large footers, and every way
 * an object can fail to be Parquet. (The same cases run against S3 in
 * test/integration/reader.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CorruptParquetError, StorageError } from '../../src/errors.ts';
import { readFooter } from '../../src/parquet/read/footer.ts';
import { instrumentStorage } from '../../src/storage/instrument.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import { OperationLog } from '../../src/storage/operations.ts';
import type { Storage } from '../../src/storage/types.ts';
import { hyparquetWriterFile, metadataOf } from './decode-fixtures.ts';

const text = (s: string) => new TextEncoder().encode(s);

/** 'PAR1' + body + footer length (LE u32) + 'PAR1'. */
function framed(body: Uint8Array, footerLength: number): Uint8Array {
  const out = new Uint8Array(4 + body.length + 8);
  out.set(text('PAR1'), 0);
  out.set(body, 4);
  new DataView(out.buffer).setUint32(4 + body.length, footerLength, true);
  out.set(text('PAR1'), out.length - 4);
  return out;
}

describe('readFooter', () => {
  let dir: string;
  let storage: Storage;
  const log = new OperationLog();
  const file = hyparquetWriterFile({ rows: 500, rowGroupSize: 50 });
  const footerLength = new DataView(file.buffer, file.byteOffset + file.byteLength - 8, 4).getUint32(0, true);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pqbench-footer-'));
    storage = instrumentStorage(new LocalStorage(dir), log);
    await storage.put('ok.parquet', file);
    await storage.put('tiny.parquet', text('PAR1'));
    await storage.put('text.parquet', text('this is not a parquet file, just some text'));
    await storage.put('cut.parquet', file.subarray(0, Math.floor(file.length / 2)));
    await storage.put('long-footer.parquet', framed(text('abc'), 1000));
    await storage.put('garbage-footer.parquet', framed(new Uint8Array(64).fill(0xee), 64));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads a footer that fits the first fetch with one suffix GET', async () => {
    log.clear();
    const footer = await readFooter(storage, 'ok.parquet', 65536);
    assert.equal(footer.requests, 1);
    assert.equal(log.operations.length, 1);
    assert.equal(log.operations[0].rangeStart, -65536);
    assert.equal(footer.objectSize, file.length);
    assert.equal(footer.footerBytes, footerLength + 8);
    assert.equal(footer.metadata.row_groups.length, 10);
    assert.deepEqual(footer.metadata.schema, metadataOf(file).schema);
  });

  it('a footer larger than footer_fetch_bytes takes exactly one more GET, for exactly the missing bytes', async () => {
    assert.ok(footerLength > 256, `fixture footer is ${footerLength} bytes`);
    log.clear();
    const footer = await readFooter(storage, 'ok.parquet', 256);
    assert.equal(footer.requests, 2);
    assert.deepEqual(
      log.operations.map((o) => [o.op, o.rangeStart, o.rangeEnd, o.bytes]),
      [
        ['GET', -256, -1, 256],
        ['GET', file.length - footerLength - 8, file.length - 256, footerLength + 8 - 256],
      ],
    );
    assert.equal(footer.bytesFetched, footerLength + 8);
    assert.deepEqual(footer.metadata.row_groups, metadataOf(file).row_groups);
  });

  const corrupt: [string, RegExp][] = [
    ['tiny.parquet', /tiny\.parquet: truncated Parquet object \(4 bytes/],
    ['text.parquet', /text\.parquet: not a Parquet file \(bad magic/],
    ['cut.parquet', /cut\.parquet: not a Parquet file \(bad magic/],
    [
      'long-footer.parquet',
      /long-footer\.parquet: truncated Parquet object \(footer length 1000 exceeds the object size 15\)/,
    ],
    ['garbage-footer.parquet', /garbage-footer\.parquet: unparsable Parquet footer/],
  ];
  for (const [key, message] of corrupt) {
    it(`${key}: CorruptParquetError naming the key and the problem`, async () => {
      await assert.rejects(readFooter(storage, key, 65536), (err: unknown) => {
        assert.ok(err instanceof CorruptParquetError, String(err));
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('a missing object is a not_found StorageError naming the key', async () => {
    await assert.rejects(readFooter(storage, 'missing.parquet', 65536), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.equal(err.kind, 'not_found');
      assert.equal(err.key, 'missing.parquet');
      return true;
    });
  });
});

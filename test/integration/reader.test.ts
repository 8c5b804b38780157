/**
 * The read side against a real S3 server (S3_ENDPOINT): selective reads move
 * only the projected chunks (+ footers) in exactly the planned GETs, and every
 * broken input is a clear typed error, never a hang.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultWorkload, projectedColumns } from '../../src/config/load.ts';
import type { ColumnSpec, VectorLayout, Workload } from '../../src/config/types.ts';
import { objectKey } from '../../src/dataset/layout.ts';
import { resolveDataset, resolveRun } from '../../src/dataset/run-plan.ts';
import { valueContextFor } from '../../src/dataset/values.ts';
import { CorruptParquetError, SchemaMismatchError, StorageError } from '../../src/errors.ts';
import { generateShard } from '../../src/generate/shard.ts';
import { planGenerateShards } from '../../src/generate/shards.ts';
import { readFooter } from '../../src/parquet/read/footer.ts';
import { ParquetObjectReader, type ParquetReaderOptions } from '../../src/parquet/read/reader.ts';
import { instrumentStorage } from '../../src/storage/instrument.ts';
import { openStorage } from '../../src/storage/open.ts';
import { OperationLog } from '../../src/storage/operations.ts';
import type { Storage } from '../../src/storage/types.ts';
import { verifyRowGroup } from '../../src/train/verify.ts';
import { createTestBucket, s3Skip, type TestBucket } from '../helpers/s3-env.ts';

const TIMEOUT = { timeout: 60_000 };

function workload(storage: Workload['storage'], layout: VectorLayout): Workload {
  const w = defaultWorkload();
  w.storage = storage;
  w.dataset.data_folder = `sel-${layout}/`;
  w.dataset.num_files_train = 2;
  w.dataset.num_samples_per_file = 1000;
  w.dataset.compression = 'none';
  w.dataset.parquet.row_group_size = 250;
  w.dataset.parquet.vector_layout = layout;
  // 5 vector columns, 3 projected (not adjacent: the skipped ones sit between them).
  w.dataset.parquet.columns = ['v0', 'v1', 'v2', 'v3', 'v4'].map(
    (name, i): ColumnSpec => ({ name, dtype: 'float32', size: 256, read: i % 2 === 0 }),
  );
  return w;
}

function options(w: Workload, overrides: Partial<ParquetReaderOptions> = {}): ParquetReaderOptions {
  return {
    footerFetchBytes: w.reader.footer_fetch_bytes,
    columns: projectedColumns(w),
    vectorLayout: w.dataset.parquet.vector_layout,
    coalesceGapBytes: w.reader.coalesce_gap_bytes,
    maxRequestBytes: w.reader.max_request_bytes,
    readThreads: 4,
    decode: true,
    ...overrides,
  };
}

describe('Parquet reader on S3', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let storage: Storage;
  const log = new OperationLog();
  const workloads: Workload[] = [];

  before(async () => {
    bucket = await createTestBucket('reader');
    storage = instrumentStorage(openStorage(bucket.storage()), log);
    for (const layout of ['fixed', 'list'] as const) {
      const w = workload(bucket.storage(), layout);
      await generateShard(resolveRun(w), planGenerateShards(resolveRun(w).dataset.layout, 1)[0], storage);
      workloads.push(w);
    }
    const whole = (await storage.get(objectKey(resolveDataset(workloads[0]).layout, 'train', 0, null))).body;
    const footerLength = new DataView(whole.buffer, whole.byteOffset + whole.length - 8, 4).getUint32(
      0,
      true,
    );
    await storage.put('bad/text.parquet', new TextEncoder().encode('definitely not parquet'));
    await storage.put('bad/tiny.parquet', new TextEncoder().encode('PAR1'));
    await storage.put('bad/half.parquet', whole.subarray(0, whole.length >> 1));
    // Footer intact, column data cut short: the footer points past the data.
    const shortened = new Uint8Array(whole.length - 100_000);
    shortened.set(whole.subarray(0, whole.length - 100_000 - footerLength - 8));
    shortened.set(whole.subarray(whole.length - footerLength - 8), shortened.length - footerLength - 8);
    await storage.put('bad/short-data.parquet', shortened);
  });
  after(async () => {
    await storage?.close();
    await bucket?.destroy();
  });

  for (const layout of ['fixed', 'list'] as const) {
    it(
      `${layout}: 3 of 5 vector columns → bytes ≤ 1.02 × (projected chunks + footers), GETs = plan + footer GETs`,
      TIMEOUT,
      async (t) => {
        const w = workloads.find((x) => x.dataset.parquet.vector_layout === layout) as Workload;
        const columns = projectedColumns(w);
        assert.deepEqual(
          columns.map((c) => c.name),
          ['v0', 'v2', 'v4'],
        );
        let projected = 0;
        let footers = 0;
        let predictedGets = 0;
        let fileBytes = 0;
        log.clear();
        for (let file = 0; file < 2; file++) {
          const key = objectKey(resolveDataset(w).layout, 'train', file, null);
          const reader = await ParquetObjectReader.open(storage, key, options(w));
          const groups = reader.rowGroups.map((_, g) => g);
          const plan = reader.plan(groups);
          const data = await reader.readRowGroups(groups);
          for (const group of data)
            verifyRowGroup({
              key,
              data: group,
              columns,
              context: valueContextFor(resolveDataset(w), file, null),
            });
          projected += plan.projectedBytes;
          footers += reader.footer.bytesFetched;
          predictedGets += plan.requests.length + reader.footer.requests;
          fileBytes += reader.objectSize;
          assert.equal(reader.footer.requests, 1);
          assert.equal(
            data.reduce((s, d) => s + d.bytesFetched, 0),
            plan.requestBytes,
          );
        }
        const gets = log.operations.filter((o) => o.op === 'GET');
        const transferred = gets.reduce((s, o) => s + o.bytes, 0);
        assert.equal(log.operations.length, gets.length, 'only GETs');
        assert.equal(gets.length, predictedGets);
        assert.ok(
          transferred <= 1.02 * (projected + footers),
          `${transferred} > 1.02 × (${projected} + ${footers})`,
        );
        t.diagnostic(
          `${gets.length} GETs, ${transferred} bytes transferred = ${(transferred / (projected + footers)).toFixed(4)} × (projected ${projected} + footers ${footers}); files ${fileBytes}`,
        );
        assert.ok(projected < 0.65 * fileBytes, `projection read ${projected} of ${fileBytes} bytes`);
      },
    );
  }

  it('row_group mode: one plan per group, each GET within max_request_bytes', TIMEOUT, async () => {
    const w = workloads[0];
    const key = objectKey(resolveDataset(w).layout, 'train', 1, null);
    const reader = await ParquetObjectReader.open(
      storage,
      key,
      options(w, { maxRequestBytes: 100_000, readThreads: 3 }),
    );
    log.clear();
    for (let g = 0; g < reader.rowGroups.length; g++) {
      const [data] = await reader.readRowGroups([g]);
      verifyRowGroup({
        key,
        data,
        columns: projectedColumns(w),
        context: valueContextFor(resolveDataset(w), 1, null),
      });
    }
    const gets = log.operations.filter((o) => o.op === 'GET');
    assert.equal(
      gets.length,
      reader.rowGroups.reduce((n, _, g) => n + reader.plan([g]).requests.length, 0),
    );
    for (const get of gets) assert.ok((get.rangeEnd ?? 0) - (get.rangeStart ?? 0) <= 100_000);
  });

  it('a footer larger than footer_fetch_bytes: exactly 2 footer GETs', TIMEOUT, async () => {
    const w = workloads[0];
    const key = objectKey(resolveDataset(w).layout, 'train', 0, null);
    log.clear();
    const footer = await readFooter(storage, key, 64);
    assert.ok(footer.footerBytes > 64);
    assert.equal(footer.requests, 2);
    assert.equal(log.operations.filter((o) => o.op === 'GET').length, 2);
    assert.equal(log.operations.length, 2);
    const reader = await ParquetObjectReader.open(storage, key, options(w, { footerFetchBytes: 64 }));
    assert.equal(reader.footer.requests, 2);
  });

  it('schema mismatch names file, columns expected vs found, and what the file has', TIMEOUT, async () => {
    const w = workloads[1];
    const key = objectKey(resolveDataset(w).layout, 'train', 0, null);
    const columns: ColumnSpec[] = [
      { name: 'v0', dtype: 'float16', size: 256, read: true },
      { name: 'label', dtype: 'int32', size: 1, read: true },
    ];
    await assert.rejects(ParquetObjectReader.open(storage, key, options(w, { columns })), (err: unknown) => {
      assert.ok(err instanceof SchemaMismatchError, String(err));
      assert.ok(err.message.startsWith(`${key}: schema does not match`), err.message);
      assert.match(err.message, /missing column label \(INT32\)/);
      assert.match(err.message, /v0: expected LIST<FIXED_LEN_BYTE_ARRAY\(2\)> of 256, found LIST<FLOAT>/);
      assert.match(
        err.message,
        /The file has: v0 LIST<FLOAT>, v1 LIST<FLOAT>, v2 LIST<FLOAT>, v3 LIST<FLOAT>, v4 LIST<FLOAT>/,
      );
      return true;
    });
  });

  const corrupt: [string, RegExp, 'open' | 'read'][] = [
    ['bad/text.parquet', /bad\/text\.parquet: not a Parquet file \(bad magic/, 'open'],
    ['bad/tiny.parquet', /bad\/tiny\.parquet: truncated Parquet object \(4 bytes/, 'open'],
    ['bad/half.parquet', /bad\/half\.parquet: not a Parquet file \(bad magic/, 'open'],
    [
      'bad/short-data.parquet',
      /bad\/short-data\.parquet: column "v\d" in row group \d points outside the data/,
      'read',
    ],
  ];
  for (const [key, message, stage] of corrupt) {
    it(`${key}: CorruptParquetError on ${stage}`, TIMEOUT, async () => {
      const w = workloads[0];
      const attempt = async () => {
        const reader = await ParquetObjectReader.open(storage, key, options(w));
        await reader.readRowGroups(reader.rowGroups.map((_, g) => g));
      };
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof CorruptParquetError, String(err));
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('a missing object is a not_found StorageError naming bucket and key', TIMEOUT, async () => {
    await assert.rejects(
      ParquetObjectReader.open(storage, 'nope/missing.parquet', options(workloads[0])),
      (err: unknown) => {
        assert.ok(err instanceof StorageError, String(err));
        assert.equal(err.kind, 'not_found');
        assert.equal(err.bucket, bucket.name);
        assert.match(err.key ?? '', /nope\/missing\.parquet$/);
        return true;
      },
    );
  });
});

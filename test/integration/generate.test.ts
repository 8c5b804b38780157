/**
 * `generate` end to end against both backends: objects readable by hyparquet
 * with the generator's values, idempotent re-runs (no PUTs), --force, Hive
 * partitions, and failure safety (no partial object, no orphaned upload).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { type AsyncBuffer, parquetMetadata, parquetReadObjects } from 'hyparquet';
import { defaultWorkload } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import { objectKey, objectsOfFiles, SPLITS } from '../../src/dataset/layout.ts';
import { compareManifest, readManifest } from '../../src/dataset/manifest.ts';
import { resolveDataset, resolveRun } from '../../src/dataset/run-plan.ts';
import { columnValues, objectRowCount, valueContextFor } from '../../src/dataset/values.ts';
import { runGenerate } from '../../src/generate/run.ts';
import { hyparquetCompressors } from '../../src/parquet/codec/codecs.ts';
import { instrumentStorage } from '../../src/storage/instrument.ts';
import { tempPathFor } from '../../src/storage/local-fs.ts';
import { openStorage } from '../../src/storage/open.ts';
import { OperationLog } from '../../src/storage/operations.ts';
import type { Storage } from '../../src/storage/types.ts';
import { createTestBucket, s3Skip, type TestBucket } from '../helpers/s3-env.ts';

function smallWorkload(storage: Workload['storage'], edit: (w: Workload) => void = () => {}): Workload {
  const w = defaultWorkload();
  w.storage = storage;
  w.dataset.data_folder = 'data/gen';
  w.dataset.num_files_train = 3;
  w.dataset.num_files_eval = 1;
  w.dataset.num_subfolders_train = 2;
  w.dataset.num_samples_per_file = 50;
  w.dataset.compression = 'zstd';
  w.dataset.parquet.row_group_size = 20;
  w.dataset.parquet.generation_batch_size = 7;
  w.dataset.parquet.page_size = 256;
  w.dataset.parquet.columns = [
    { name: 'label', dtype: 'float32', size: 1, read: true },
    { name: 'dense', dtype: 'float32', size: 16, read: true },
    { name: 'tag', dtype: 'string', size: 8, read: true },
    { name: 'day', dtype: 'int32', size: 1, read: true, cardinality: 3 },
    { name: 'wide', dtype: 'int64', size: 3, read: false },
  ];
  edit(w);
  return w;
}

async function readAll(storage: Storage, key: string): Promise<Uint8Array> {
  return (await storage.get(key)).body;
}

function asyncBufferOf(bytes: Uint8Array): AsyncBuffer {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: ab.byteLength, slice: (s: number, e?: number) => ab.slice(s, e) };
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** hyparquet gives STRING as text, FIXED_LEN_BYTE_ARRAY vectors as raw bytes, LIST as arrays. */
function sameValue(
  actual: unknown,
  expected: number | bigint | Uint8Array | ArrayLike<number | bigint>,
): boolean {
  if (typeof actual === 'string') actual = new TextEncoder().encode(actual);
  if (actual instanceof Uint8Array && ArrayBuffer.isView(expected)) {
    return Buffer.compare(Buffer.from(actual), bytesOf(expected)) === 0;
  }
  if (typeof expected === 'number' || typeof expected === 'bigint') return actual === expected;
  const list = actual as ArrayLike<unknown>;
  if (list.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (list[i] !== expected[i]) return false;
  return true;
}

/** Reads every object back with hyparquet and compares every value with the generator's. */
async function verifyDataset(w: Workload, storage: Storage): Promise<number> {
  const layout = resolveDataset(w).layout;
  const partitionBy = w.dataset.parquet.partition_by;
  const fileColumns = resolveDataset(w).objectColumns;
  let objects = 0;
  for (const split of SPLITS) {
    for (const ref of objectsOfFiles(layout, split, 0, layout.splits[split].numFiles)) {
      const key = objectKey(layout, split, ref.fileIndex, ref.partition);
      const file = asyncBufferOf(await readAll(storage, key));
      const metadata = parquetMetadata(await file.slice(0));
      const rows = objectRowCount(resolveDataset(w), ref.partition);
      assert.equal(Number(metadata.num_rows), rows, `${key} rows`);
      assert.equal(
        metadata.row_groups.length,
        Math.ceil(rows / w.dataset.parquet.row_group_size),
        `${key} row groups`,
      );
      const leafNames = metadata.schema.filter((s) => !s.num_children).map((s) => s.name);
      if (partitionBy)
        assert.ok(!metadata.schema.some((s) => s.name === partitionBy), `${key}: ${partitionBy} dropped`);
      const records = (await parquetReadObjects({
        file,
        metadata,
        compressors: hyparquetCompressors,
        utf8: false,
      })) as Record<string, unknown>[];
      assert.equal(records.length, rows);
      const ctx = valueContextFor(resolveDataset(w), ref.fileIndex, ref.partition);
      for (const spec of fileColumns) {
        const expected = columnValues(spec, ctx, 0, rows);
        for (let r = 0; r < rows; r++) {
          let want: number | bigint | Uint8Array | ArrayLike<number | bigint>;
          if (expected.kind === 'bytes')
            want = expected.data.subarray(expected.offsets[r], expected.offsets[r + 1]);
          else if (expected.size === 1) want = expected.data[r] as number | bigint;
          else
            want = expected.data.subarray(r * expected.size, (r + 1) * expected.size) as ArrayLike<
              number | bigint
            >;
          assert.ok(
            sameValue(records[r][spec.name], want),
            `${key} column ${spec.name} row ${r}: got ${String(records[r][spec.name])} (leaves ${leafNames})`,
          );
        }
      }
      objects++;
    }
  }
  return objects;
}

function writes(log: OperationLog): number {
  return log.operations.filter((o) => o.op === 'PUT' || o.op === 'MULTIPART').length;
}

interface Backend {
  name: string;
  skip: string | false;
  setup(): Promise<{
    storage: Workload['storage'];
    unfinishedUploads(): Promise<string[]>;
    leftovers(): Promise<string[]>;
    /** What a generate killed mid-object leaves for `key` (a started upload, a temp file). */
    leaveIncomplete(key: string): Promise<void>;
  }>;
  teardown(): Promise<void>;
}

function localBackend(): Backend {
  let dir = '';
  return {
    name: 'local_fs',
    skip: false,
    async setup() {
      dir = await mkdtemp(path.join(os.tmpdir(), 'pqbench-generate-'));
      return {
        storage: { ...defaultWorkload().storage, storage_type: 'local_fs', storage_root: dir },
        unfinishedUploads: async () => [],
        // Temp files of interrupted writes are dot-files next to the target.
        leftovers: async () =>
          (await readdir(dir, { recursive: true, withFileTypes: true }))
            .filter((e) => e.isFile() && e.name.includes('.tmp-'))
            .map((e) => e.name),
        leaveIncomplete: async (key) => {
          await mkdir(path.dirname(path.join(dir, key)), { recursive: true });
          await writeFile(tempPathFor(path.join(dir, key)), 'half an object');
        },
      };
    },
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
}

function s3Backend(): Backend {
  let bucket: TestBucket | undefined;
  return {
    name: 's3',
    skip: s3Skip(),
    async setup() {
      bucket = await createTestBucket('generate');
      const b = bucket;
      return {
        storage: b.storage('pfx'),
        unfinishedUploads: () => b.unfinishedUploads(),
        leftovers: async () => [],
        leaveIncomplete: async (key) => {
          await b.client.send(new CreateMultipartUploadCommand({ Bucket: b.name, Key: `pfx/${key}` }));
        },
      };
    },
    teardown: async () => bucket?.destroy(),
  };
}

for (const backend of [localBackend(), s3Backend()]) {
  describe(`generate on ${backend.name}`, { skip: backend.skip }, () => {
    let env: Awaited<ReturnType<Backend['setup']>>;
    before(async () => {
      env = await backend.setup();
    });
    after(() => backend.teardown());

    it('writes every object readable with the generator values, plus a manifest; a re-run writes nothing; --force rewrites', async () => {
      const w = smallWorkload(env.storage);
      const log = new OperationLog();
      const storage = instrumentStorage(openStorage(w.storage), log);
      try {
        const first = await runGenerate(resolveRun(w), storage, { workers: 1 });
        assert.equal(first.files, 4);
        assert.equal(first.filesWritten, 4);
        assert.equal(first.objectsWritten, 4);
        assert.ok(first.manifestWritten);
        assert.equal(await verifyDataset(w, storage), 4);
        const manifest = await readManifest(storage, resolveDataset(w));
        assert.ok(manifest);
        assert.deepEqual(compareManifest(manifest, resolveDataset(w)), []);
        assert.equal(writes(log), 5, 'four objects and the manifest');

        log.clear();
        const again = await runGenerate(resolveRun(w), storage, { workers: 1 });
        assert.equal(
          writes(log),
          0,
          `no PUT on a complete dataset: ${JSON.stringify(log.operations.map((o) => o.op))}`,
        );
        assert.equal(again.filesSkipped, 4);
        assert.equal(again.objectsWritten, 0);
        assert.equal(again.manifestWritten, false);

        log.clear();
        const forced = await runGenerate(resolveRun(w), storage, { workers: 1, force: true });
        assert.equal(forced.objectsWritten, 4);
        assert.equal(writes(log), 5);
        assert.equal(await verifyDataset(w, storage), 4);

        // A changed seed keeps codec and sizes plausible but changes the data: everything is rewritten.
        const reseeded = smallWorkload(env.storage, (x) => {
          x.train.seed = 7;
        });
        log.clear();
        const changed = await runGenerate(resolveRun(reseeded), storage, { workers: 1 });
        assert.equal(changed.objectsWritten, 4);
        assert.equal(await verifyDataset(reseeded, storage), 4);
        const stale = await readManifest(storage, resolveDataset(w));
        assert.ok(stale && compareManifest(stale, resolveDataset(w)).some((d) => d.startsWith('seed:')));
      } finally {
        await storage.close();
      }
    });

    it('partition_by writes one object per value under col=value/, without the column', async () => {
      const w = smallWorkload(env.storage, (x) => {
        x.dataset.data_folder = 'data/hive';
        x.dataset.num_files_eval = 0;
        x.dataset.num_files_train = 2;
        x.dataset.parquet.partition_by = 'day';
        x.dataset.compression = 'snappy';
        x.dataset.parquet.vector_layout = 'fixed';
      });
      const storage = openStorage(w.storage);
      try {
        const result = await runGenerate(resolveRun(w), storage, { workers: 1 });
        assert.equal(result.objectsWritten, 6);
        assert.equal(result.filesWritten, 2);
        const keys: string[] = [];
        for await (const o of storage.list('data/hive/train/')) keys.push(o.key);
        assert.deepEqual(keys, [
          'data/hive/train/day=0/0/img_0_of_2.parquet',
          'data/hive/train/day=0/1/img_1_of_2.parquet',
          'data/hive/train/day=1/0/img_0_of_2.parquet',
          'data/hive/train/day=1/1/img_1_of_2.parquet',
          'data/hive/train/day=2/0/img_0_of_2.parquet',
          'data/hive/train/day=2/1/img_1_of_2.parquet',
        ]);
        assert.equal(await verifyDataset(w, storage), 6);
      } finally {
        await storage.close();
      }
    });

    it('a failure mid-object (multipart-sized) leaves no partial object and no unfinished upload', async () => {
      const w = smallWorkload(env.storage, (x) => {
        x.dataset.data_folder = 'data/fail';
        x.dataset.num_files_train = 1;
        x.dataset.num_files_eval = 0;
        x.dataset.num_samples_per_file = 160;
        x.dataset.compression = 'none';
        x.dataset.parquet.row_group_size = 160;
        x.dataset.parquet.generation_batch_size = null;
        x.dataset.parquet.page_size = 1 << 20;
        // 160 rows x 64 KiB of random bytes = 10.5 MB: more than one 8 MiB part.
        x.dataset.parquet.columns = [{ name: 'blob', dtype: 'binary', size: 65536, read: true }];
      });
      const storage = openStorage(w.storage);
      const key = objectKey(resolveDataset(w).layout, 'train', 0, null);
      try {
        await assert.rejects(
          runGenerate(resolveRun(w), storage, { workers: 1, faults: { failAfterBytes: 9 * 1024 * 1024 } }),
          /injected failure after/,
        );
        assert.equal(await storage.head(key), undefined, 'no partial object');
        assert.deepEqual(await env.unfinishedUploads(), [], 'no unfinished multipart upload');
        assert.deepEqual(await env.leftovers(), [], 'no temp file');
        assert.equal(
          await readManifest(storage, resolveDataset(w)),
          undefined,
          'no manifest for a failed run',
        );

        const ok = await runGenerate(resolveRun(w), storage, { workers: 1 });
        assert.equal(ok.objectsWritten, 1);
        assert.ok(ok.bytesWritten > 10_000_000);
        if (backend.name === 's3') assert.ok(ok.parts >= 2, `multipart: ${ok.parts} parts`);
        assert.equal(await verifyDataset(w, storage), 1);
      } finally {
        await storage.close();
      }
    });

    it('what a killed generate left under the dataset (an upload, a temp file) is cleaned by the next one, and counted', async () => {
      const w = smallWorkload(env.storage, (x) => {
        x.dataset.data_folder = 'data/killed';
        x.dataset.num_files_eval = 0;
      });
      const key = objectKey(resolveDataset(w).layout, 'train', 1, null);
      await env.leaveIncomplete(key);
      await env.leaveIncomplete('elsewhere/not-ours.bin');
      const storage = openStorage(w.storage);
      try {
        // The leftovers were made by this process: count them as an earlier run's.
        const leftoversBefore = new Date(Date.now() + 5000);
        const result = await runGenerate(resolveRun(w), storage, { workers: 1, leftoversBefore });
        assert.equal(result.cleaned.uploadsAborted + result.cleaned.tempFilesRemoved, 1);
        const left = [...(await env.unfinishedUploads()), ...(await env.leftovers())];
        assert.equal(left.length, 1, `only the one outside the dataset is left: ${left}`);
        assert.match(left[0] as string, /not-ours/);
        await storage.cleanIncomplete('elsewhere/', new Date(Date.now() + 5000));
      } finally {
        await storage.close();
      }
    });

    it('runs shards on worker threads and fails the whole run with the worker error', async () => {
      const w = smallWorkload(env.storage, (x) => {
        x.dataset.data_folder = 'data/workers';
        x.dataset.num_files_train = 5;
      });
      const storage = openStorage(w.storage);
      try {
        const result = await runGenerate(resolveRun(w), storage, { workers: 2 });
        assert.equal(result.shards, 2);
        assert.equal(result.objectsWritten, 6);
        assert.equal(await verifyDataset(w, storage), 6);
        const failing = smallWorkload(env.storage, (x) => {
          x.dataset.data_folder = 'data/workers-fail';
        });
        await assert.rejects(
          runGenerate(resolveRun(failing), storage, { workers: 2, faults: { failAfterBytes: 100 } }),
          (e: Error) => {
            assert.match(e.message, /injected failure after/);
            return true;
          },
        );
        assert.deepEqual(await env.unfinishedUploads(), []);
        assert.deepEqual(await env.leftovers(), []);
      } finally {
        await storage.close();
      }
    });
  });
}

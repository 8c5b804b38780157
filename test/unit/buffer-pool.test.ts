/**
 * Reused buffers: size classes, the high-water-mark ceiling, fetches into
 * pooled buffers (byte-exact, returned on release and reused by the next
 * fetch), batch buffers handed back and refilled, and a loader whose steady
 * state allocates nothing while every batch keeps the generator's values.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { type NumericValues, wholePiece } from '../../src/dataset/column-values.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import type { RunPlan } from '../../src/dataset/types.ts';
import { columnValues, valueContextFor } from '../../src/dataset/values.ts';
import { runGenerate } from '../../src/generate/run.ts';
import { fetchPlan } from '../../src/parquet/read/fetch.ts';
import { BufferPool, sizeClass } from '../../src/storage/buffer-pool.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import { openStorage } from '../../src/storage/open.ts';
import { type Batch, BatchBuilder, recyclableBuffers } from '../../src/train/batch.ts';
import { openLoader } from '../../src/train/loader-runtime.ts';
import { unitRef } from '../../src/train/schedule.ts';

describe('BufferPool', () => {
  it('rounds up to four classes per doubling, never more than 25% over', () => {
    assert.equal(sizeClass(1000), 1000, 'small buffers are not rounded (and not pooled)');
    for (const bytes of [65_537, 100_000, 524_288, 4_202_519, 9_999_999]) {
      const size = sizeClass(bytes);
      assert.ok(size >= bytes && size <= bytes * 1.25, `${bytes} -> ${size}`);
      assert.equal(sizeClass(size), size);
    }
  });

  it('hands back what it was given, per class, and holds no more of a class than it ever had out at once', () => {
    const pool = new BufferPool();
    const a = pool.take(300_000);
    const b = pool.take(300_000);
    const c = pool.take(300_000);
    assert.equal(a.byteLength, sizeClass(300_000));
    assert.equal(pool.stats.peakOutstandingBytes, 3 * a.byteLength);
    pool.give([a, b, new ArrayBuffer(1000), new ArrayBuffer(300_001)]);
    assert.equal(pool.stats.heldBytes, 2 * a.byteLength, 'small and off-class buffers are dropped');
    const again = [pool.take(290_000), pool.take(300_000)];
    assert.deepEqual(new Set(again), new Set([a, b]));
    assert.equal(pool.stats.allocations, 3);
    // Buffers it never handed out (another pool's) count against the same ceiling: 3 of this class.
    pool.give([c, ...again, new ArrayBuffer(a.byteLength), new ArrayBuffer(a.byteLength)]);
    assert.equal(pool.stats.heldBytes, 3 * a.byteLength, 'held ≤ the class’s high-water mark');
    // Another class has a ceiling of its own.
    const big = pool.take(1_000_000);
    pool.give([big, new ArrayBuffer(big.byteLength)]);
    assert.equal(pool.stats.heldBytes, 3 * a.byteLength + big.byteLength);
  });

  it('a repeating demand allocates nothing after the first round', () => {
    const pool = new BufferPool();
    const round = () => {
      // A loader's object: fetch buffers, then decompressed pages, then batches, in varied sizes.
      const fetched = [pool.take(4_200_000), pool.take(70_000)];
      const pages = Array.from({ length: 5 }, (_, i) => pool.take(1_048_576 - i * 1000));
      const batches = [pool.take(131_072), pool.take(131_072)];
      pool.give(pages);
      pool.give(batches.slice(0, 1));
      pool.give(fetched);
      pool.give(batches.slice(1));
    };
    round();
    const after = pool.stats.allocations;
    assert.ok(after > 0);
    for (let i = 0; i < 20; i++) round();
    assert.equal(pool.stats.allocations, after);
    assert.equal(pool.stats.takes, 21 * 9);
  });
});

describe('BatchBuilder with a pool', () => {
  it('fills batches in buffers handed back, with the right values', () => {
    const pool = new BufferPool();
    const spec = [{ name: 'v', dtype: 'float32' as const, size: 8192, read: true }];
    const builder = new BatchBuilder(4, spec, false, pool);
    const values = new Float32Array(8 * 8192).map((_, i) => i);
    const source = {
      ref: { unit: 0, fileIndex: 0, partition: null },
      rowStart: 0,
      columns: { v: wholePiece({ kind: 'f32', data: values, size: 8192 }) },
    };
    builder.addRun(source, 0, 4);
    const first = builder.take();
    const buffers = recyclableBuffers(first);
    assert.equal(buffers.length, 1);
    pool.give(buffers);
    builder.addRun(source, 4, 4);
    const second = builder.take();
    const column = second.columns?.v;
    assert.ok(column && column.kind === 'f32');
    assert.equal(column.data.buffer, buffers[0], 'the returned buffer was refilled');
    assert.deepEqual(column.data, values.subarray(4 * 8192, 8 * 8192));
  });
});

describe('fetchPlan into pooled buffers', () => {
  it('serves the bytes exactly, and after release the next fetch reads into the same buffers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pqbench-pool-'));
    try {
      const storage = new LocalStorage(dir);
      const bytes = randomBytes(1 << 20);
      await storage.put('o.bin', bytes);
      const pool = new BufferPool();
      const plan = {
        requests: [
          { start: 0, end: 300_000 },
          { start: 300_000, end: 700_001 },
          { start: 700_001, end: 1 << 20 },
        ],
      };
      const first = await fetchPlan(storage, 'o.bin', plan, { concurrency: 2, buffers: pool });
      const spans = plan.requests.map((r) => first.bytes(r));
      for (const [i, r] of plan.requests.entries())
        assert.deepEqual(spans[i], new Uint8Array(bytes.subarray(r.start, r.end)));
      const used = new Set(spans.map((s) => s.buffer));
      first.release();
      first.release(); // twice is harmless
      const second = await fetchPlan(storage, 'o.bin', plan, { concurrency: 2, buffers: pool });
      for (const r of plan.requests) {
        const span = second.bytes(r);
        assert.ok(used.has(span.buffer), 'a released buffer was reused');
        assert.deepEqual(span, new Uint8Array(bytes.subarray(r.start, r.end)));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a loader reading through its pool', () => {
  for (const codec of ['snappy', 'zstd', 'none'] as const) {
    it(`${codec}: allocates nothing after its first epoch, and every batch holds the generator's values`, async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'pqbench-pool-loader-'));
      try {
        const plan = resolveRun(
          defaultWorkload([
            `storage.storage_root=${dir}`,
            'dataset.num_files_train=3',
            'dataset.num_samples_per_file=1536',
            `dataset.compression=${codec}`,
            'dataset.parquet.row_group_size=512',
            'dataset.parquet.page_size=131072',
            'dataset.parquet.columns=[{name: label, dtype: float32}, {name: emb, dtype: float32, size: 256}, {name: wide, dtype: float64, size: 64}]',
            'reader.batch_size=128',
            'train.epochs=3',
          ]),
        );
        const storage = openStorage(plan.storage);
        await runGenerate(plan, storage);
        await storage.close();
        const loader = openLoader({
          plan,
          accelerator: 0,
          worker: 0,
          workers: 1,
          onBytes: () => {},
          collectIds: true,
        });
        const allocations: number[] = [];
        for (let epoch = 0; epoch < plan.training.epochs; epoch++) {
          const before = loader.poolStats().allocations;
          for await (const batch of loader.epoch(epoch)) {
            assertBatchValues(plan, batch);
            loader.recycle(recyclableBuffers(batch));
          }
          allocations.push(loader.poolStats().allocations - before);
        }
        await loader.close();
        assert.ok((allocations[0] ?? 0) > 0, 'the first epoch fills the pool');
        assert.deepEqual(allocations.slice(1), [0, 0], `allocations per epoch: ${allocations}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

/** Every value of every column of a batch, against the generator (ids say which row each slot holds). */
function assertBatchValues(plan: RunPlan, batch: Batch): void {
  const ids = batch.ids as Int32Array;
  for (const spec of plan.loader.projected) {
    const column = batch.columns?.[spec.name];
    assert.ok(column && column.kind !== 'bytes');
    for (let slot = 0; slot < batch.samples; slot++) {
      const ref = unitRef(plan.dataset.layout, ids[slot * 2] as number);
      const context = valueContextFor(plan.dataset, ref.fileIndex, ref.partition);
      const expected = columnValues(spec, context, ids[slot * 2 + 1] as number, 1) as NumericValues;
      const got: NumericValues['data'] = column.data.subarray(slot * column.size, (slot + 1) * column.size);
      assert.deepEqual(got, expected.data, `${spec.name} slot ${slot}`);
    }
  }
}

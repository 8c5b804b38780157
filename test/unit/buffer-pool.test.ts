/**
 * Reused buffers: size classes, the per-class cap, fetches into pooled
 * buffers (byte-exact, returned on release and reused by the next fetch) and
 * batch buffers handed back and refilled.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { wholePiece } from '../../src/dataset/column-values.ts';
import { fetchPlan } from '../../src/parquet/read/fetch.ts';
import { BufferPool, sizeClass } from '../../src/storage/buffer-pool.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import { BatchBuilder, recyclableBuffers } from '../../src/train/batch.ts';

describe('BufferPool', () => {
  it('rounds up to four classes per doubling, never more than 25% over', () => {
    assert.equal(sizeClass(1000), 1000, 'small buffers are not rounded (and not pooled)');
    for (const bytes of [65_537, 100_000, 524_288, 4_202_519, 9_999_999]) {
      const size = sizeClass(bytes);
      assert.ok(size >= bytes && size <= bytes * 1.25, `${bytes} -> ${size}`);
      assert.equal(sizeClass(size), size);
    }
  });

  it('hands back what it was given, per class, up to its cap', () => {
    const pool = new BufferPool(2);
    const a = pool.take(300_000);
    const b = pool.take(300_000);
    const c = pool.take(300_000);
    assert.equal(a.byteLength, sizeClass(300_000));
    pool.give([a, b, c, new ArrayBuffer(1000), new ArrayBuffer(300_001)]);
    const again = [pool.take(290_000), pool.take(300_000), pool.take(300_000)];
    assert.ok(again[0] === b || again[0] === a);
    assert.ok(again[1] === a || again[1] === b);
    assert.notEqual(again[2], c, 'the cap of 2 dropped the third');
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

/**
 * A small training run against a real S3 server (Ceph RGW in `npm test`):
 * generate, then train 2 accelerators × 2 epochs in row_group mode; the
 * results count the GETs actually issued, with TTFB, and requests.csv lists
 * each of them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { runGenerate } from '../../src/generate/run.ts';
import { runOutput } from '../../src/metrics/results.ts';
import { openStorage } from '../../src/storage/open.ts';
import { runTraining } from '../../src/train/run.ts';
import { createTestBucket, s3Skip, type TestBucket } from '../helpers/s3-env.ts';

describe('training on S3', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let tmp: string;
  before(async () => {
    bucket = await createTestBucket('train');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-train-s3-'));
  });
  after(async () => {
    await bucket?.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  function workload(): Workload {
    const w = defaultWorkload();
    w.model.name = 's3-small';
    w.storage = bucket.storage('bench');
    w.output.folder = tmp;
    w.output.requests_csv = true;
    w.dataset.data_folder = 'data/train-s3';
    w.dataset.num_files_train = 6;
    w.dataset.num_samples_per_file = 1000;
    w.dataset.compression = 'zstd';
    w.dataset.parquet.row_group_size = 250;
    w.dataset.parquet.read_mode = 'row_group';
    w.dataset.parquet.columns = [
      { name: 'label', dtype: 'float32', size: 1, read: true },
      { name: 'dense', dtype: 'float32', size: 32, read: true },
      { name: 'unused', dtype: 'float64', size: 32, read: false },
    ];
    w.reader.batch_size = 32;
    w.reader.footer_fetch_bytes = 8192;
    w.reader.read_threads = 2;
    w.reader.prefetch_size = 2;
    w.reader.file_shuffle = 'random';
    w.train.epochs = 2;
    w.train.computation_time = { mean: 0.001, stdev: 0.0005, type: 'normal' };
    w.run.accelerators = 2;
    w.run.workers = 1;
    return w;
  }

  it('generates, trains and reports measured GETs, TTFB, read amplification and cost', async () => {
    const w = workload();
    const storage = openStorage(w.storage);
    try {
      await runGenerate(resolveRun(w), storage, { workers: 1 });
    } finally {
      await storage.close();
    }
    const result = await runTraining(resolveRun(w), runOutput(w));
    const s = result.run.summary;
    assert.equal(s.storage_type, 's3');
    // DLIO's split: 3,000 samples per accelerator, ⌊3000 / 32⌋ = 93 steps each (drop_last), per epoch.
    assert.equal(s.steps.samples, 2 * 2 * 93 * 32);
    assert.equal(s.steps.dropped_samples, 2 * (6000 - 2 * 93 * 32));
    assert.equal(typeof s.random_seed, 'number');
    const gets = s.requests.GET?.count ?? 0;
    // Per object and epoch: a footer GET and one GET per row group (4), at least.
    assert.ok(gets >= 2 * 6 * 5, `${gets} GETs`);
    assert.equal(s.requests.errors, 0);
    assert.equal(s.latency.time_to_first_byte.count, gets);
    assert.ok((s.latency.request.p50_ms ?? 0) > 0);
    // The unread float64 column (twice the bytes of the read ones) is not fetched: only the
    // footers' 8 KiB suffix reads come on top of the projected chunks.
    const amplification = s.io.read_amplification ?? 0;
    assert.ok(amplification >= 1 && amplification < 1.3, String(amplification));
    assert.ok(Math.abs(s.cost.requests_usd - (gets / 1000) * 0.0004) < 1e-12);
    for (const au of s.metric.train_au_percentage) assert.ok(au !== null && au > 0 && au <= 100);
    const csv = (await readFile(path.join(result.dir, 'requests.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv.length, 1 + gets);
    assert.ok(!csv.join('\n').includes(process.env.AWS_SECRET_ACCESS_KEY ?? 'TESTSECRETKEY'));
    assert.ok(!(await readFile(path.join(result.dir, 'config.yaml'), 'utf8')).includes('TESTSECRETKEY'));
  });
});

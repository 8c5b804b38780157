import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { datasetLayout } from '../../src/dataset/layout.ts';
import { resolveWorkers } from '../../src/exec/pool.ts';
import { planGenerateShards, shardFileCount } from '../../src/generate/shards.ts';

function covered(train: number, evalFiles: number, count: number): void {
  const w = defaultWorkload();
  w.dataset.num_files_train = train;
  w.dataset.num_files_eval = evalFiles;
  const plan = planGenerateShards(datasetLayout(w.dataset), count);
  const seen = { train: new Array<number>(train).fill(0), eval: new Array<number>(evalFiles).fill(0) };
  for (const shard of plan) {
    assert.equal(shard.count, plan.length);
    for (const r of shard.ranges) {
      assert.ok(r.end > r.start, 'no empty ranges');
      for (let i = r.start; i < r.end; i++) seen[r.split][i]++;
    }
  }
  assert.ok(
    seen.train.every((n) => n === 1),
    `train ${train}/${evalFiles}/${count}: every file exactly once`,
  );
  assert.ok(
    seen.eval.every((n) => n === 1),
    `eval ${train}/${evalFiles}/${count}: every file exactly once`,
  );
  const sizes = plan.map(shardFileCount);
  if (sizes.length) assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `balanced: ${sizes}`);
  assert.equal(plan.length, Math.min(count, train + evalFiles));
  assert.deepEqual(
    plan.map((s) => s.index),
    plan.map((_, i) => i),
  );
}

test('every file of both splits is in exactly one shard, balanced within one file', () => {
  for (const [train, evalFiles] of [
    [1, 0],
    [7, 0],
    [8, 3],
    [100, 17],
    [0, 5],
    [1024, 0],
  ]) {
    for (const count of [1, 2, 3, 8, 64, 2000]) covered(train, evalFiles, count);
  }
});

test('contiguous ranges: a shard straddling the splits gets the end of train and the start of eval', () => {
  const w = defaultWorkload();
  w.dataset.num_files_train = 5;
  w.dataset.num_files_eval = 3;
  const plan = planGenerateShards(datasetLayout(w.dataset), 2);
  assert.deepEqual(plan[0].ranges, [{ split: 'train', start: 0, end: 4 }]);
  assert.deepEqual(plan[1].ranges, [
    { split: 'train', start: 4, end: 5 },
    { split: 'eval', start: 0, end: 3 },
  ]);
});

test('no files, no shards; workers auto is at least one', () => {
  const w = defaultWorkload();
  w.dataset.num_files_train = 0;
  assert.deepEqual(planGenerateShards(datasetLayout(w.dataset), 4), []);
  assert.ok(resolveWorkers('auto') >= 1);
  assert.equal(resolveWorkers(3), 3);
  assert.equal(resolveWorkers(0), 1);
});

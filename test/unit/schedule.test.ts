import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { drawRandomSeed, resolveRun } from '../../src/dataset/run-plan.ts';
import type { RunPlan } from '../../src/dataset/types.ts';
import {
  piecesOf,
  rankEpoch,
  sampleOrderKey,
  stepSource,
  unitCount,
  unitRef,
  workerRuns,
} from '../../src/train/schedule.ts';

const plan = (set: string[], randomSeed?: number | null) => resolveRun(defaultWorkload(set), { randomSeed });

/** Every (unit:row) sample each rank reads in `epoch`, through every worker's run. */
function samplesOf(run: RunPlan, epoch: number, workers: number): string[][] {
  return Array.from({ length: run.training.accelerators }, (_, k) => {
    const rank = rankEpoch(run, epoch, k);
    const out: string[] = [];
    for (const r of workerRuns(rank, workers)) {
      for (const p of piecesOf(run, rank, r.from, r.to)) {
        for (let row = p.rowStart; row < p.rowEnd; row++) out.push(`${p.ref.unit}:${row}`);
      }
    }
    return out;
  });
}

describe('DLIO step semantics', () => {
  it('2 files × 512 rows, 4 accelerators, batch 64: every accelerator runs 4 steps', () => {
    const run = plan([
      'dataset.num_files_train=2',
      'dataset.num_samples_per_file=512',
      'run.accelerators=4',
      'reader.batch_size=64',
    ]);
    for (let k = 0; k < 4; k++) {
      const r = rankEpoch(run, 0, k);
      assert.deepEqual([r.samplesPerRank, r.steps, r.droppedSamples], [256, 4, 0]);
    }
  });

  it('3 files × 100 rows, 2 accelerators, batch 64: 4 steps and 256 samples per epoch, 44 dropped', () => {
    const run = plan([
      'dataset.num_files_train=3',
      'dataset.num_samples_per_file=100',
      'run.accelerators=2',
      'reader.batch_size=64',
    ]);
    const ranks = [rankEpoch(run, 0, 0), rankEpoch(run, 0, 1)];
    assert.deepEqual(
      ranks.map((r) => [r.samplesPerRank, r.steps, r.droppedSamples]),
      [
        [150, 2, 22],
        [150, 2, 22],
      ],
    );
    const samples = samplesOf(run, 0, 2).flat();
    assert.equal(samples.length, 256);
    assert.equal(new Set(samples).size, 256);
  });

  it('deals contiguous sample ranges: rank 0 reads the start of the order, rank 1 what follows', () => {
    const run = plan(['dataset.num_files_train=3', 'dataset.num_samples_per_file=100', 'run.accelerators=2']);
    const [r0, r1] = samplesOf(run, 0, 1);
    assert.deepEqual(r0?.slice(0, 2), ['0:0', '0:1']);
    assert.equal(r0?.at(-1), '1:49');
    assert.deepEqual(r1?.slice(0, 2), ['1:50', '1:51']);
    assert.equal(r1?.at(-1), '2:99');
  });

  it('caps steps at total_training_steps', () => {
    const run = plan([
      'dataset.num_files_train=4',
      'dataset.num_samples_per_file=100',
      'train.total_training_steps=3',
    ]);
    assert.equal(rankEpoch(run, 0, 0).steps, 3);
    assert.equal(rankEpoch(run, 0, 0).droppedSamples, 400 - 3);
  });

  it('delivers every kept sample exactly once across ranks and workers, for many shapes', () => {
    let checked = 0;
    for (const accelerators of [1, 3, 4]) {
      for (const files of [1, 5, 13]) {
        for (const batch of [1, 7, 64]) {
          for (const workers of [1, 2, 3]) {
            for (const shuffle of ['off', 'seed', 'random']) {
              const run = plan(
                [
                  `run.accelerators=${accelerators}`,
                  `dataset.num_files_train=${files}`,
                  'dataset.num_samples_per_file=37',
                  `reader.batch_size=${batch}`,
                  `reader.file_shuffle=${shuffle}`,
                ],
                shuffle === 'random' ? 42 : undefined,
              );
              const all = samplesOf(run, 1, workers).flat();
              const r = rankEpoch(run, 1, 0);
              assert.equal(all.length, r.steps * batch * accelerators);
              assert.equal(
                new Set(all).size,
                all.length,
                `duplicates A=${accelerators} N=${files} B=${batch}`,
              );
              checked++;
            }
          }
        }
      }
    }
    assert.equal(checked, 243);
  });

  it('splits a rank into contiguous worker runs and hands out steps round-robin', () => {
    const run = plan([
      'dataset.num_files_train=1',
      'dataset.num_samples_per_file=700',
      'reader.batch_size=100',
    ]);
    const rank = rankEpoch(run, 0, 0);
    assert.deepEqual(
      workerRuns(rank, 3).map((r) => [r.batches, r.from, r.to]),
      [
        [3, 0, 300],
        [2, 300, 500],
        [2, 500, 700],
      ],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((s) => stepSource(rank, s, 3)),
      [
        { worker: 0, batch: 0 },
        { worker: 1, batch: 0 },
        { worker: 2, batch: 0 },
        { worker: 0, batch: 1 },
        { worker: 1, batch: 1 },
        { worker: 2, batch: 1 },
        { worker: 0, batch: 2 },
      ],
    );
  });

  it('reads (file, partition) objects of a partitioned dataset, a file’s partitions together', () => {
    const run = plan([
      'dataset.num_files_train=3',
      'dataset.num_samples_per_file=10',
      'dataset.parquet.partition_by=day',
      'dataset.parquet.columns=[{name: day, dtype: int32, cardinality: 4}, {name: x, dtype: float32}]',
      'reader.batch_size=5',
    ]);
    assert.equal(unitCount(run.dataset.layout), 12);
    assert.deepEqual(unitRef(run.dataset.layout, 6), { unit: 6, fileIndex: 1, partition: 2 });
    const rank = rankEpoch(run, 0, 0);
    const pieces = [...piecesOf(run, rank, 0, 10)];
    // 10 rows over 4 values: 3, 3, 2, 2.
    assert.deepEqual(
      pieces.map((p) => [p.ref.partition, p.rowStart, p.rowEnd]),
      [
        [0, 0, 3],
        [1, 0, 3],
        [2, 0, 2],
        [3, 0, 2],
      ],
    );
    const all = samplesOf(run, 0, 2).flat();
    assert.equal(new Set(all).size, 30);
  });

  it('shuffles files per epoch only with seed_change_epoch, reproducibly; random needs the run seed', () => {
    const order = (set: string[], epoch: number, seed?: number | null) => {
      const run = plan(['dataset.num_files_train=50', 'dataset.num_samples_per_file=1', ...set], seed);
      return [...piecesOf(run, rankEpoch(run, epoch, 0), 0, 50)].map((p) => p.ref.fileIndex);
    };
    const seeded = ['reader.file_shuffle=seed'];
    assert.deepEqual(order(seeded, 1), order(seeded, 1));
    assert.notDeepEqual(order(seeded, 0), order(seeded, 1));
    assert.deepEqual(
      order([...seeded, 'train.seed_change_epoch=false'], 0),
      order([...seeded, 'train.seed_change_epoch=false'], 3),
    );
    assert.deepEqual(
      order(['reader.file_shuffle=off'], 2),
      Array.from({ length: 50 }, (_, i) => i),
    );
    const random = ['reader.file_shuffle=random'];
    const seed = drawRandomSeed();
    assert.deepEqual(order(random, 0, seed), order(random, 0, seed));
    assert.notDeepEqual(order(random, 0, seed), order(random, 0, seed + 1));
    assert.throws(() => order(random, 0, null), /random shuffle needs the run seed/);
  });
});

describe('sampleOrderKey', () => {
  it('is null when sample_shuffle is off and differs by chunk otherwise', () => {
    const off = plan(['reader.sample_shuffle=off']).training;
    assert.equal(sampleOrderKey(off, 0, 1, 0), null);
    const on = plan(['reader.sample_shuffle=seed']).training;
    assert.notEqual(sampleOrderKey(on, 0, 1, 0), sampleOrderKey(on, 0, 1, 100));
    assert.notEqual(sampleOrderKey(on, 0, 1, 0), sampleOrderKey(on, 1, 1, 0));
  });
});

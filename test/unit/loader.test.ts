import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import type { RunPlan } from '../../src/dataset/types.ts';
import { objectRowCount } from '../../src/dataset/values.ts';
import type { Batch } from '../../src/train/batch.ts';
import { loadBatches } from '../../src/train/loader.ts';
import { rankEpoch, workerRuns } from '../../src/train/schedule.ts';
import { memorySource } from './helpers/memory-source.ts';

const ID_COLUMN = 'dataset.parquet.columns=[{name: id, dtype: int32}]';

function planOf(set: string[]): RunPlan {
  return resolveRun(defaultWorkload([ID_COLUMN, ...set]), { randomSeed: 7 });
}

/** Every batch of every worker of every rank in `epoch`, loaded from a memory source. */
async function loadEpoch(run: RunPlan, epoch: number, rowGroupSize: number) {
  const { source, stats } = memorySource((ref) => objectRowCount(run.dataset, ref.partition), rowGroupSize);
  const batches: Batch[] = [];
  for (let k = 0; k < run.training.accelerators; k++) {
    const rank = rankEpoch(run, epoch, k);
    for (const r of workerRuns(rank, Math.max(1, run.loader.readThreads))) {
      for await (const b of loadBatches({ plan: run, source, rank, run: r, collectIds: true }))
        batches.push(b);
    }
  }
  return { batches, stats };
}

/** The ids a batch holds, from its decoded `id` column. */
const idsOf = (b: Batch) => Array.from((b.columns?.id?.data ?? []) as Int32Array);

describe('loadBatches', () => {
  it('fills whole batches with every kept sample exactly once, the data matching the sample ids', async () => {
    for (const mode of ['default', 'row_group']) {
      for (const shuffle of ['off', 'seed']) {
        for (const [accelerators, threads, batch] of [
          [1, 1, 7],
          [3, 2, 16],
          [4, 3, 64],
        ]) {
          const run = planOf([
            `run.accelerators=${accelerators}`,
            `reader.read_threads=${threads}`,
            `reader.batch_size=${batch}`,
            `reader.sample_shuffle=${shuffle}`,
            'reader.file_shuffle=seed',
            `dataset.parquet.read_mode=${mode}`,
            'dataset.num_files_train=7',
            'dataset.num_samples_per_file=37',
          ]);
          const { batches } = await loadEpoch(run, 1, 10);
          const ids = batches.flatMap(idsOf);
          assert.ok(batches.every((b) => b.samples === batch));
          assert.equal(ids.length, rankEpoch(run, 1, 0).steps * batch * accelerators);
          assert.equal(new Set(ids).size, ids.length, `${mode} ${shuffle} A=${accelerators}`);
          // The id pairs collected say the same as the data.
          const fromPairs = batches.flatMap((b) => {
            const pairs = b.ids ?? new Int32Array();
            return Array.from(
              { length: pairs.length / 2 },
              (_, i) => (pairs[2 * i] ?? 0) * 1_000_000 + (pairs[2 * i + 1] ?? 0),
            );
          });
          assert.deepEqual(fromPairs, ids);
        }
      }
    }
  });

  it('sample_shuffle reorders within what a worker holds; off keeps object order', async () => {
    const set = ['dataset.num_files_train=1', 'dataset.num_samples_per_file=100', 'reader.batch_size=100'];
    const off = (await loadEpoch(planOf([...set, 'reader.sample_shuffle=off']), 0, 1000)).batches.flatMap(
      idsOf,
    );
    const on = (await loadEpoch(planOf([...set, 'reader.sample_shuffle=seed']), 0, 1000)).batches.flatMap(
      idsOf,
    );
    assert.deepEqual(
      off,
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.notDeepEqual(on, off);
    assert.deepEqual(
      [...on].sort((a, b) => a - b),
      off,
    );
  });

  it('default mode reads each touched object whole; row_group mode only the row groups holding its samples', async () => {
    // 1 file of 100 rows in row groups of 10, 2 accelerators, batch 20: rank 0 holds rows 0..39 (2 steps), rank 1 50..89.
    const set = [
      'dataset.num_files_train=1',
      'dataset.num_samples_per_file=100',
      'run.accelerators=2',
      'reader.batch_size=20',
    ];
    const whole = await loadEpoch(planOf([...set, 'dataset.parquet.read_mode=default']), 0, 10);
    assert.equal(whole.stats.reads.size, 10);
    assert.ok(
      [...whole.stats.reads.values()].every((n) => n === 2),
      'both ranks read every row group',
    );
    const groups = await loadEpoch(planOf([...set, 'dataset.parquet.read_mode=row_group']), 0, 10);
    assert.deepEqual([...groups.stats.reads.keys()].sort(), [
      '0/0',
      '0/1',
      '0/2',
      '0/3',
      '0/5',
      '0/6',
      '0/7',
      '0/8',
    ]);
  });

  it('counts the projected bytes of the row groups holding the delivered samples', async () => {
    const run = planOf([
      'dataset.num_files_train=1',
      'dataset.num_samples_per_file=100',
      'reader.batch_size=30',
    ]);
    const { source } = memorySource(() => 100, 10);
    const rank = rankEpoch(run, 0, 0);
    let projected = 0;
    const onChunk = (bytes: number) => {
      projected += bytes;
    };
    const [first] = workerRuns(rank, 1);
    for await (const _ of loadBatches({ plan: run, source, rank, run: first!, onChunk })) {
      // drain
    }
    // 3 steps of 30: rows 0..89, row groups 0..8 of 40 bytes each.
    assert.equal(projected, 9 * 40);
  });

  it('stops with the object named when a file has another row count than the workload says', async () => {
    const run = planOf([
      'dataset.num_files_train=2',
      'dataset.num_samples_per_file=50',
      'reader.batch_size=10',
    ]);
    const { source } = memorySource((ref) => (ref.fileIndex === 1 ? 40 : 50), 10);
    const rank = rankEpoch(run, 0, 0);
    const [only] = workerRuns(rank, 1);
    await assert.rejects(
      (async () => {
        for await (const _ of loadBatches({ plan: run, source, rank, run: only! })) {
          // drain
        }
      })(),
      /file 1 has 40 rows, the workload expects 50/,
    );
  });

  it('passes a failed read on', async () => {
    const run = planOf([
      'dataset.num_files_train=3',
      'dataset.num_samples_per_file=20',
      'reader.batch_size=8',
    ]);
    const { source } = memorySource(() => 20, 10, { failOn: 1 });
    const rank = rankEpoch(run, 0, 0);
    const [only] = workerRuns(rank, 1);
    await assert.rejects(
      (async () => {
        for await (const _ of loadBatches({ plan: run, source, rank, run: only! })) {
          // drain
        }
      })(),
      /read of object 1 failed/,
    );
  });
});

/**
 * reader.sharding files against counts derived by hand from the MLCommons
 * fork's code (main.py initialize: round-robin, ⌊files ÷ ranks⌋ per rank;
 * TorchIterableDataset: worker k takes files[k::W], batches its own rows,
 * drops its own remainder; _train: min(yielded, ⌈rows ÷ batch⌉,
 * total_training_steps)), including the four layouts run on the real fork
 * (8 files × 8,192 rows, row groups of 1,024): 654 / 326 / 128 / 256 steps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { numpyShuffle } from '../../src/dataset/numpy-shuffle.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import type { RunPlan } from '../../src/dataset/types.ts';
import {
  batchesTaken,
  listedFile,
  rankFiles,
  roundRobinSource,
  unreadFileCount,
} from '../../src/train/file-sharding.ts';
import { loadBatches } from '../../src/train/loader.ts';
import { rankEpoch, stepSource, workerRuns } from '../../src/train/schedule.ts';
import { memorySource } from './helpers/memory-source.ts';

const plan = (set: string[]) => resolveRun(defaultWorkload(['reader.sharding=files', ...set]));

/** The fork's measured layouts: 8 files × 8,192 rows. */
const forkLayout = (ranks: number, batch: number, workers: number, extra: string[] = []) =>
  plan([
    'dataset.num_files_train=8',
    'dataset.num_samples_per_file=8192',
    'dataset.parquet.row_group_size=1024',
    `run.accelerators=${ranks}`,
    `reader.batch_size=${batch}`,
    `reader.read_threads=${workers}`,
    ...extra,
  ]);

/** Steps and samples per epoch of every rank. */
function counts(p: RunPlan): { steps: number[]; samples: number } {
  const ranks = Array.from({ length: p.training.accelerators }, (_, r) => rankEpoch(p, 0, r));
  return {
    steps: ranks.map((r) => r.steps),
    samples: ranks.reduce((n, r) => n + r.steps * r.batchSize, 0),
  };
}

describe('files sharding: the fork parquet path step counts', () => {
  it('1 rank, batch 100, 2 workers: 654 steps, 65,400 samples (the fork ran 654)', () => {
    // Each worker: 4 files = 32,768 rows → 327 batches, 68 rows dropped; 2 × 327 = 654.
    assert.deepEqual(counts(forkLayout(1, 100, 2)), { steps: [654], samples: 65_400 });
  });

  it('2 ranks, batch 100, 2 workers: 326 steps per rank, 65,200 samples (the fork ran 326)', () => {
    // 4 files per rank, 2 per worker = 16,384 rows → 163 batches each.
    assert.deepEqual(counts(forkLayout(2, 100, 2)), { steps: [326, 326], samples: 65_200 });
  });

  it('3 ranks, batch 128, 1 worker: 128 steps per rank, 49,152 samples, 2 files never read (the fork ran 128)', () => {
    // ⌊8 ÷ 3⌋ = 2 files = 16,384 rows per rank → 128 batches; files 6 and 7 are dealt but cut.
    const p = forkLayout(3, 128, 1);
    assert.deepEqual(counts(p), { steps: [128, 128, 128], samples: 49_152 });
    assert.deepEqual(
      [0, 1, 2].map((r) => rankFiles(p, r)),
      [
        [0, 3],
        [1, 4],
        [2, 5],
      ],
    );
    assert.equal(unreadFileCount(8, 3), 2);
  });

  it('2 ranks, batch 128, 1 worker: 256 steps per rank, 65,536 samples (the fork ran 256)', () => {
    assert.deepEqual(counts(forkLayout(2, 128, 1)), { steps: [256, 256], samples: 65_536 });
  });

  it('read_threads 0, 1 and 2 over 3 files of 1,000 rows, batch 300', () => {
    const three = (workers: number) =>
      plan([
        'dataset.num_files_train=3',
        'dataset.num_samples_per_file=1000',
        'reader.batch_size=300',
        `reader.read_threads=${workers}`,
      ]);
    // 0 and 1: one iterator over 3,000 rows → 10 batches. 2: worker 0 has files 0 and 2 (2,000 rows → 6),
    // worker 1 file 1 (1,000 rows → 3): 9 steps, 300 rows dropped.
    assert.deepEqual(counts(three(0)).steps, [10]);
    assert.deepEqual(counts(three(1)).steps, [10]);
    const two = rankEpoch(three(2), 0, 0);
    assert.deepEqual([two.steps, two.droppedSamples], [9, 300]);
    assert.deepEqual(
      workerRuns(two, 2).map((r) => [r.files, r.batches, r.readTail]),
      [
        [[0, 2], 6, true],
        [[1], 3, true],
      ],
    );
    // Round-robin until worker 1 is exhausted after its 3rd batch, then worker 0 alone.
    assert.deepEqual(
      Array.from({ length: 9 }, (_, s) => stepSource(two, s, 2).worker),
      [0, 1, 0, 1, 0, 1, 0, 0, 0],
    );
  });

  it('total_training_steps caps each epoch; the workers then stop at the batches taken', () => {
    const p = forkLayout(1, 100, 2, ['train.total_training_steps=5']);
    const r = rankEpoch(p, 0, 0);
    assert.equal(r.steps, 5);
    assert.deepEqual(
      workerRuns(r, 2).map((w) => [w.batches, w.readTail]),
      [
        [3, false],
        [2, false],
      ],
    );
  });

  it('samples are delivered at most once: the worker runs cover disjoint files', () => {
    const p = forkLayout(3, 100, 2);
    const seen = new Set<number>();
    for (let k = 0; k < 3; k++) {
      for (const run of workerRuns(rankEpoch(p, 0, k), 2)) {
        for (const f of run.files ?? []) {
          assert.ok(!seen.has(f), `file ${f} read twice`);
          seen.add(f);
        }
      }
    }
    // The files left unread are exactly the last (8 mod 3) of the listing.
    assert.deepEqual(
      [...Array(8).keys()].filter((f) => !seen.has(f)),
      [6, 7],
    );
  });
});

describe('files sharding: listing order and the epoch-1 reshard', () => {
  it('lists subfolders one after the other, as sorted paths do', () => {
    const p = plan(['dataset.num_files_train=7', 'dataset.num_subfolders_train=3']);
    // Subfolder 0: files 0, 3, 6; 1: 1, 4; 2: 2, 5.
    assert.deepEqual(
      Array.from({ length: 7 }, (_, i) => listedFile(p.dataset.layout, i)),
      [0, 3, 6, 1, 4, 2, 5],
    );
  });

  it('numpy legacy shuffle: the permutations np.random.seed(s); np.random.shuffle(list) gives', () => {
    // Printed by numpy 2.4 on this machine.
    assert.deepEqual(numpyShuffle([...Array(10).keys()], 124), [6, 8, 3, 5, 4, 0, 9, 2, 7, 1]);
    assert.deepEqual(
      numpyShuffle([...Array(20).keys()], 186),
      [2, 4, 19, 18, 1, 15, 8, 5, 16, 6, 12, 9, 14, 3, 7, 10, 0, 17, 11, 13],
    );
    assert.deepEqual(numpyShuffle([0, 1, 2, 3, 4], 4294967295), [4, 1, 0, 2, 3]);
  });

  it('file_shuffle reshards like _reshard_files: same files over all ranks, the same list every epoch', () => {
    const p = forkLayout(2, 128, 1, ['reader.file_shuffle=seed', 'train.seed=123']);
    // _reshard_files transcribed to Python and run with numpy 2.4 on this machine printed these lists.
    assert.deepEqual(
      [rankFiles(p, 0), rankFiles(p, 1)],
      [
        [5, 0, 6, 3],
        [7, 1, 4, 2],
      ],
    );
    assert.deepEqual([...rankFiles(p, 0), ...rankFiles(p, 1)].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(rankEpoch(p, 3, 1).files?.files, rankFiles(p, 1));
  });

  it('sample_shuffle changes nothing on this path', () => {
    const off = rankEpoch(forkLayout(2, 100, 2), 0, 1);
    const on = rankEpoch(forkLayout(2, 100, 2, ['reader.sample_shuffle=seed']), 0, 1);
    assert.deepEqual(on, off);
  });
});

describe('round-robin over iterators, skipping exhausted ones', () => {
  it('hands out rounds in iterator order and counts what each gave', () => {
    const batches = [1, 3, 2];
    assert.deepEqual(
      Array.from({ length: 6 }, (_, s) => roundRobinSource(batches, s)),
      [
        { worker: 0, batch: 0 },
        { worker: 1, batch: 0 },
        { worker: 2, batch: 0 },
        { worker: 1, batch: 1 },
        { worker: 2, batch: 1 },
        { worker: 1, batch: 2 },
      ],
    );
    assert.deepEqual(batchesTaken(batches, 4), [1, 2, 1]);
    assert.deepEqual(batchesTaken(batches, 6), [1, 3, 2]);
    assert.throws(() => roundRobinSource(batches, 6), RangeError);
  });
});

describe('files sharding configuration', () => {
  it('refuses a Hive-partitioned dataset and a seed numpy cannot take', () => {
    assert.throws(
      () =>
        defaultWorkload([
          'reader.sharding=files',
          'dataset.parquet.columns=[{name: a}, {name: day, dtype: int32, cardinality: 2}]',
          'dataset.parquet.partition_by=day',
        ]),
      /reader\.sharding.*partition/s,
    );
    assert.throws(
      () => defaultWorkload(['reader.sharding=files', 'reader.file_shuffle=seed', 'train.seed=-1']),
      /train\.seed/,
    );
  });
});

describe('files sharding through the loader', () => {
  /** Every batch of every worker of every rank in `epoch`, loaded from a memory source. */
  async function loadEpoch(p: RunPlan, rowGroupSize: number) {
    const { source, stats } = memorySource(() => p.dataset.samplesPerFile, rowGroupSize);
    const ids: number[] = [];
    let batches = 0;
    for (let k = 0; k < p.training.accelerators; k++) {
      const rank = rankEpoch(p, 0, k);
      for (const run of workerRuns(rank, Math.max(1, p.loader.readThreads))) {
        for await (const b of loadBatches({ plan: p, source, rank, run })) {
          assert.equal(b.samples, p.loader.batchSize);
          ids.push(...Array.from((b.columns?.id?.data ?? []) as Int32Array));
          batches++;
        }
      }
    }
    return { ids, batches, stats };
  }

  const idPlan = (set: string[]) =>
    plan([
      'dataset.parquet.columns=[{name: id, dtype: int32}]',
      'reader.decode=true',
      'dataset.num_files_train=8',
      'dataset.num_samples_per_file=300',
      'reader.batch_size=64',
      ...set,
    ]);

  for (const [ranks, workers] of [
    [3, 2],
    [2, 0],
    [1, 3],
  ]) {
    it(`${ranks} ranks × ${workers} workers: each sample at most once, the fork's unread files untouched, every row group of the others read once`, async () => {
      const p = idPlan([
        `run.accelerators=${ranks}`,
        `reader.read_threads=${workers}`,
        'reader.row_group_window=3',
      ]);
      const { ids, batches, stats } = await loadEpoch(p, 100);
      const steps = Array.from({ length: ranks }, (_, k) => rankEpoch(p, 0, k).steps);
      assert.equal(
        batches,
        steps.reduce((n, s) => n + s, 0),
      );
      assert.equal(new Set(ids).size, ids.length, 'no sample twice');
      const unread = new Set(Array.from({ length: 8 % ranks }, (_, i) => 8 - (8 % ranks) + i));
      const filesSeen = new Set(ids.map((id) => Math.floor(id / 1_000_000)));
      for (const f of unread) assert.ok(!filesSeen.has(f), `file ${f} is one the fork never reads`);
      // The fork's workers read every row group of their files once, the dropped remainder's too.
      for (let f = 0; f < 8; f++) {
        for (let g = 0; g < 3; g++) {
          assert.equal(stats.reads.get(`${f}/${g}`) ?? 0, unread.has(f) ? 0 : 1, `file ${f} row group ${g}`);
        }
      }
    });
  }

  it('total_training_steps: the workers stop after the batches taken', async () => {
    const p = idPlan(['reader.read_threads=2', 'train.total_training_steps=3']);
    const { ids, batches } = await loadEpoch(p, 100);
    assert.equal(batches, 3);
    assert.equal(new Set(ids).size, 3 * 64);
  });
});

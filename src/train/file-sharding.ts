/**
 * `reader.sharding: files` — the MLCommons DLIO fork's parquet path, as its
 * code does it, as plain data (the loader and the accelerator consume it):
 *
 * - main.py DLIOBenchmark.initialize: the sorted listing of train/ is dealt
 *   round-robin to the ranks and each rank's share is cut to
 *   ⌊files ÷ ranks⌋, so the last (files mod ranks) files of the listing are
 *   never read.
 * - utils/config.py reconfigure(1) → _reshard_files (file_shuffle on): every
 *   rank shuffles its share with numpy (seed + 1, or seed without
 *   seed_change_epoch), deals it round-robin rotated by its rank (alltoall),
 *   and shuffles what it receives with seed + 1 + 31·rank. The DataLoader's
 *   workers are persistent, so that epoch-1 list is read in every epoch.
 * - data_loader/torch_data_loader.py TorchIterableDataset: worker k of a rank
 *   takes files[k::workers] (read_threads 0: one iterator over all); it reads
 *   every row group of its files in order, yields a batch whenever it holds
 *   batch_size rows (rows carry over from file to file) and drops its own
 *   remainder. sample_shuffle has no effect on this path.
 * - PyTorch's DataLoader takes batches from its workers round-robin and skips
 *   a worker once it is exhausted; main.py _train stops at the planned
 *   ⌈rank samples ÷ batch⌉ steps or total_training_steps, whichever is first.
 */
import { numpyShuffle } from '../dataset/numpy-shuffle.ts';
import type { DatasetLayout, RunPlan } from '../dataset/types.ts';

/** One rank's epoch under files sharding. */
export interface FileShards {
  /** The rank's files (file indexes), in the order its loader reads them. */
  files: number[];
  /** Loader iterators: read_threads, or 1 when the accelerator loads itself (read_threads 0). */
  iterators: number;
  /** Batches each iterator yields before it is exhausted. */
  batches: number[];
  /** Rows of the rank's files. */
  rows: number;
}

/** Files of the listing the fork never reads: the last (files mod ranks). */
export function unreadFileCount(numFiles: number, ranks: number): number {
  return numFiles % ranks;
}

/**
 * The file at `position` of the fork's sorted listing of train/: flat, the
 * file indexes in order (names are zero-padded); with subfolders, subfolder
 * by subfolder (file i lives in subfolder i mod S).
 */
export function listedFile(layout: DatasetLayout, position: number): number {
  const { numFiles, numSubfolders } = layout.splits.train;
  const s = numSubfolders > 1 ? numSubfolders : 1;
  const q = Math.floor(numFiles / s);
  const r = numFiles % s;
  const big = r * (q + 1);
  const [folder, j] =
    position < big
      ? [Math.floor(position / (q + 1)), position % (q + 1)]
      : [r + Math.floor((position - big) / q), (position - big) % q];
  return folder + j * s;
}

/** Rank `rank`'s share before any shuffle: listing positions rank, rank + R, …, cut to ⌊files ÷ R⌋. */
function dealtFiles(layout: DatasetLayout, rank: number, ranks: number): number[] {
  const perRank = Math.floor(layout.splits.train.numFiles / ranks);
  return Array.from({ length: perRank }, (_, i) => listedFile(layout, rank + i * ranks));
}

/** The numpy seeds of the epoch-1 reshard: [every rank's first shuffle, this rank's second]. */
export function reshardSeeds(plan: RunPlan, rank: number): [number, number] {
  const { seed, seedChangeEpoch } = plan.training;
  return [seedChangeEpoch ? seed + 1 : seed, seed + 1 + rank * 31];
}

/** utils/config.py _reshard_files for epoch 1, computed for one rank from every rank's share. */
function reshardedFiles(plan: RunPlan, rank: number): number[] {
  const ranks = plan.training.accelerators;
  const layout = plan.dataset.layout;
  const perRank = Math.floor(layout.splits.train.numFiles / ranks);
  const [first, second] = reshardSeeds(plan, rank);
  // Every rank shuffles a list of the same length with the same seed: one permutation for all.
  const order = numpyShuffle(
    Array.from({ length: perRank }, (_, i) => i),
    first,
  );
  const received: number[] = [];
  for (let sender = 0; sender < ranks; sender++) {
    // Sender s puts its shuffled item i in bucket (i + s) mod R; rank r receives bucket r of each sender in turn.
    const start = (((rank - sender) % ranks) + ranks) % ranks;
    for (let i = start; i < perRank; i += ranks) {
      received.push(listedFile(layout, sender + (order[i] as number) * ranks));
    }
  }
  return numpyShuffle(received, second);
}

/** Rank `rank`'s files in read order (the same in every epoch: the fork's workers are persistent). */
export function rankFiles(plan: RunPlan, rank: number): number[] {
  const ranks = plan.training.accelerators;
  if (plan.training.shuffle.file === null) return dealtFiles(plan.dataset.layout, rank, ranks);
  return reshardedFiles(plan, rank);
}

/** files[k::n]: iterator k's files. */
export function iteratorFiles(files: readonly number[], iterator: number, iterators: number): number[] {
  return files.filter((_, i) => i % iterators === iterator);
}

export function fileShards(plan: RunPlan, rank: number): FileShards {
  const files = rankFiles(plan, rank);
  const iterators = Math.max(1, plan.loader.readThreads);
  const perFile = plan.dataset.samplesPerFile;
  const batches = Array.from({ length: iterators }, (_, k) =>
    Math.floor((iteratorFiles(files, k, iterators).length * perFile) / plan.loader.batchSize),
  );
  return { files, iterators, batches, rows: files.length * perFile };
}

/** Steps the fork's _train runs: the batches its loader yields, capped by ⌈rows ÷ batch⌉ and total_training_steps. */
export function fileShardSteps(plan: RunPlan, shards: FileShards): number {
  const yielded = shards.batches.reduce((n, b) => n + b, 0);
  const planned = Math.ceil(shards.rows / plan.loader.batchSize);
  const cap = plan.training.totalTrainingSteps;
  return Math.min(yielded, planned, cap > 0 ? cap : Number.POSITIVE_INFINITY);
}

/** Steps handed out in the first `round` rounds: Σ min(batches_k, round). */
function stepsBeforeRound(batches: readonly number[], round: number): number {
  return batches.reduce((n, b) => n + Math.min(b, round), 0);
}

/** The round holding step `step` (0-based) and the steps before it (binary search: rounds are monotone). */
function roundOf(batches: readonly number[], step: number): { round: number; before: number } {
  let lo = 0;
  let hi = Math.max(0, ...batches);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (stepsBeforeRound(batches, mid) <= step) lo = mid;
    else hi = mid - 1;
  }
  return { round: lo, before: stepsBeforeRound(batches, lo) };
}

/**
 * Which iterator serves step `step`, as its how-manieth batch: round r takes
 * one batch from every iterator that has more than r, in iterator order.
 */
export function roundRobinSource(
  batches: readonly number[],
  step: number,
): { worker: number; batch: number } {
  const { round, before } = roundOf(batches, step);
  let nth = step - before;
  for (const [worker, b] of batches.entries()) {
    if (b <= round) continue;
    if (nth === 0) return { worker, batch: round };
    nth--;
  }
  throw new RangeError(`step ${step} is beyond the ${before} batches the iterators yield`);
}

/** Batches each iterator hands over in the first `steps` steps. */
export function batchesTaken(batches: readonly number[], steps: number): number[] {
  const { round, before } = roundOf(batches, steps);
  let extra = steps - before;
  return batches.map((b) => {
    const taken = Math.min(b, round);
    if (b > round && extra > 0) {
      extra--;
      return taken + 1;
    }
    return taken;
  });
}

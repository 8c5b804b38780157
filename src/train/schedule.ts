/**
 * Which samples each simulated accelerator reads in each epoch, and which of
 * its loader workers loads them — as data. Two models (reader.sharding):
 * `files` is the MLCommons fork's parquet path (file-sharding.ts); `samples`,
 * DLIO's map-style sampler, is this file:
 *
 * - An epoch's samples are the files in a seeded order (file_shuffle; a
 *   file's Hive partitions stay together, in value order), each file's rows
 *   in order: N = files × samples per file positions, computed on demand
 *   (a keyed Feistel permutation: no list is ever materialised).
 * - Rank r takes the contiguous positions [r·spp, (r+1)·spp), spp = ⌊N / A⌋
 *   (DLIO's dlio_sampler; the N mod A tail is dropped), and runs
 *   ⌊spp / batch⌋ steps (drop_last), capped by total_training_steps.
 * - The rank's kept positions are cut into one contiguous run per loader
 *   worker; step i is worker (i mod R)'s next batch, as a PyTorch DataLoader
 *   hands batches to its workers round-robin. Contiguous runs let each worker
 *   read whole objects or row groups that no other worker needs (only a
 *   run's first and last object can be shared with a neighbour).
 */
import { mixKey, permutation } from '../dataset/permutation.ts';
import type { DatasetLayout, RunPlan, TrainingPlan } from '../dataset/types.ts';
import {
  batchesTaken,
  type FileShards,
  fileShardSteps,
  fileShards,
  iteratorFiles,
  roundRobinSource,
} from './file-sharding.ts';

/** One object to read: unit u is file ⌊u/P⌋, partition u mod P (P partition values, 1 when unpartitioned). */
export interface UnitRef {
  /** Index in 0..unitCount-1: a sample id is (unit, row). */
  unit: number;
  fileIndex: number;
  /** Partition value index, or null when the dataset is not partitioned. */
  partition: number | null;
}

/** Rows [rowStart, rowEnd) of one object, consecutive in a rank's order. */
export interface Piece {
  ref: UnitRef;
  rowStart: number;
  rowEnd: number;
}

/** One accelerator's epoch. */
export interface RankEpoch {
  epoch: number;
  rank: number;
  ranks: number;
  /** Samples dealt to each rank: ⌊N / ranks⌋ (samples); the rows of its files (files). */
  samplesPerRank: number;
  /** Steps this epoch: ⌊samplesPerRank / batch⌋, capped by total_training_steps. */
  steps: number;
  batchSize: number;
  /** This rank's samples not delivered: its share beyond the kept steps. */
  droppedSamples: number;
  /** files sharding: the rank's files and what each loader iterator yields. */
  files?: FileShards;
}

/** The batches one loader worker produces in an epoch: rank positions [from, to). */
export interface WorkerRun {
  worker: number;
  /** Batches it produces (steps worker, worker + R, …). */
  batches: number;
  from: number;
  to: number;
  /** files sharding: the worker's files (files[k::workers]), read whole, in order. */
  files?: number[];
  /** files sharding: read the row groups past the last batch too (the fork's worker reads its files to the end). */
  readTail?: boolean;
}

/** Objects of the train split: files × partition values. */
export function unitCount(layout: DatasetLayout): number {
  return layout.splits.train.numObjects;
}

export function unitRef(layout: DatasetLayout, unit: number): UnitRef {
  if (layout.partition === null) return { unit, fileIndex: unit, partition: null };
  const p = layout.partition.cardinality;
  return { unit, fileIndex: Math.floor(unit / p), partition: unit % p };
}

function epochSalt(training: TrainingPlan, epoch: number): number {
  return training.seedChangeEpoch ? epoch : 0;
}

/** Samples of one epoch over all ranks. */
export function epochSamples(plan: RunPlan): number {
  return plan.dataset.layout.splits.train.numFiles * plan.dataset.samplesPerFile;
}

export function rankEpoch(plan: RunPlan, epoch: number, rank: number): RankEpoch {
  const ranks = plan.training.accelerators;
  if (!Number.isInteger(rank) || rank < 0 || rank >= ranks) {
    throw new RangeError(`accelerator ${rank} outside 0..${ranks - 1}`);
  }
  const batchSize = plan.loader.batchSize;
  if (plan.loader.sharding === 'files') {
    const files = fileShards(plan, rank);
    const steps = fileShardSteps(plan, files);
    const dropped = files.rows - steps * batchSize;
    return {
      epoch,
      rank,
      ranks,
      samplesPerRank: files.rows,
      steps,
      batchSize,
      droppedSamples: dropped,
      files,
    };
  }
  const samplesPerRank = Math.floor(epochSamples(plan) / ranks);
  const cap = plan.training.totalTrainingSteps;
  const full = Math.floor(samplesPerRank / batchSize);
  const steps = cap > 0 ? Math.min(cap, full) : full;
  return {
    epoch,
    rank,
    ranks,
    samplesPerRank,
    steps,
    batchSize,
    droppedSamples: samplesPerRank - steps * batchSize,
  };
}

/** The rank's kept positions split over `workers` loader workers (at least one). */
export function workerRuns(rank: RankEpoch, workers: number): WorkerRun[] {
  if (rank.files) return fileWorkerRuns(rank, rank.files);
  const count = Math.max(1, workers);
  const runs: WorkerRun[] = [];
  let from = 0;
  for (let worker = 0; worker < count; worker++) {
    const batches = Math.floor(rank.steps / count) + (worker < rank.steps % count ? 1 : 0);
    const to = from + batches * rank.batchSize;
    runs.push({ worker, batches, from, to });
    from = to;
  }
  return runs;
}

/** files sharding: each iterator's batches up to the rank's steps, over its own files. */
function fileWorkerRuns(rank: RankEpoch, files: FileShards): WorkerRun[] {
  const taken = batchesTaken(files.batches, rank.steps);
  const yielded = files.batches.reduce((n, b) => n + b, 0);
  return taken.map((batches, worker) => ({
    worker,
    batches,
    from: 0,
    to: batches * rank.batchSize,
    files: iteratorFiles(files.files, worker, files.iterators),
    readTail: rank.steps === yielded,
  }));
}

/** Which worker serves step `step`, and as its how-manieth batch. */
export function stepSource(
  rank: RankEpoch,
  step: number,
  workers: number,
): { worker: number; batch: number } {
  if (rank.files) return roundRobinSource(rank.files.batches, step);
  const count = Math.max(1, workers);
  return { worker: step % count, batch: Math.floor(step / count) };
}

/** Start row of partition p within its file, and its row count (a file's rows spread evenly). */
function partitionSpan(
  samplesPerFile: number,
  partitions: number,
  p: number,
): { start: number; rows: number } {
  const base = Math.floor(samplesPerFile / partitions);
  const extra = samplesPerFile % partitions;
  return { start: p * base + Math.min(p, extra), rows: base + (p < extra ? 1 : 0) };
}

/** The partition holding row `x` of a file. */
function partitionOfRow(samplesPerFile: number, partitions: number, x: number): number {
  const base = Math.floor(samplesPerFile / partitions);
  const extra = samplesPerFile % partitions;
  const big = extra * (base + 1);
  return x < big ? Math.floor(x / (base + 1)) : extra + Math.floor((x - big) / base);
}

/**
 * The samples at rank positions [from, to) of `rank`'s epoch, as pieces of
 * objects in order. O(1) memory: positions map to files through the epoch's
 * permutation.
 */
export function* piecesOf(plan: RunPlan, rank: RankEpoch, from: number, to: number): Generator<Piece> {
  const { layout, samplesPerFile } = plan.dataset;
  const fileSeed = plan.training.shuffle.file;
  const order = permutation(
    layout.splits.train.numFiles,
    fileSeed === null ? null : mixKey(fileSeed, epochSalt(plan.training, rank.epoch)),
  );
  const partitions = layout.partition?.cardinality ?? 1;
  let g = rank.rank * rank.samplesPerRank + from;
  const end = rank.rank * rank.samplesPerRank + to;
  while (g < end) {
    const fileIndex = order.at(Math.floor(g / samplesPerFile));
    const x = g % samplesPerFile;
    const p = layout.partition ? partitionOfRow(samplesPerFile, partitions, x) : 0;
    const span = layout.partition
      ? partitionSpan(samplesPerFile, partitions, p)
      : { start: 0, rows: samplesPerFile };
    const take = Math.min(end - g, span.start + span.rows - x);
    const unit = fileIndex * partitions + p;
    yield {
      ref: { unit, fileIndex, partition: layout.partition ? p : null },
      rowStart: x - span.start,
      rowEnd: x - span.start + take,
    };
    g += take;
  }
}

/**
 * Key of the row order inside one loaded chunk (the rows of an object, or of
 * one row group, that a worker holds), or null when sample_shuffle is off.
 * Shuffling within what a worker holds never duplicates or drops a sample.
 */
export function sampleOrderKey(
  training: TrainingPlan,
  epoch: number,
  unit: number,
  rowStart: number,
): number | null {
  const seed = training.shuffle.sample;
  if (seed === null) return null;
  return mixKey(seed, epochSalt(training, epoch), unit, rowStart);
}

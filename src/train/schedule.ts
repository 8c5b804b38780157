/**
 * Which objects each simulated accelerator reads in each epoch, as data.
 *
 * The unit of reading is an *object*: a file, or with `partition_by` one
 * (file, partition value) pair — unit u is file ⌊u/P⌋, partition u mod P.
 * Each epoch the units are put in a seeded order (file_shuffle) and dealt out
 * round-robin: accelerator k takes positions k, k+A, k+2A, … of that order, so
 * shares differ by at most one object when the count is not divisible by A and
 * every object is read by exactly one accelerator. Nothing here materialises a
 * list: an epoch plan is (count, at(i)).
 */
import { randomInt } from 'node:crypto';
import type { ShuffleMode, Workload } from '../config/types.ts';
import { partitionLayout } from '../dataset/layout.ts';
import { mixKey, permutation } from './permutation.ts';

export interface ObjectRef {
  /** Index in 0..unitCount-1. */
  unit: number;
  fileIndex: number;
  /** Partition value index, or null when the dataset is not partitioned. */
  partition: number | null;
}

/** Resolved shuffle seeds of a run: null = that shuffle is off. */
export interface ShuffleSeeds {
  file: number | null;
  sample: number | null;
  /** Set when a mode is `random`: the seed drawn once for the run, recorded in results. */
  randomSeed: number | null;
}

export interface AcceleratorEpochPlan {
  epoch: number;
  accelerator: number;
  accelerators: number;
  /** Objects this accelerator reads this epoch. */
  count: number;
  at(i: number): ObjectRef;
}

/** Partition values per file: the partition column's cardinality, or 1 (validated by the layout). */
export function partitionCount(w: Workload): number {
  return partitionLayout(w)?.cardinality ?? 1;
}

export function unitCount(w: Workload): number {
  return w.dataset.num_files_train * partitionCount(w);
}

export function objectRef(w: Workload, unit: number): ObjectRef {
  if (w.dataset.parquet.partition_by === null) return { unit, fileIndex: unit, partition: null };
  const p = partitionCount(w);
  return { unit, fileIndex: Math.floor(unit / p), partition: unit % p };
}

/** Draws the per-run seed for `random` shuffles; call once per run, never per shard. */
export function drawRandomSeed(): number {
  return randomInt(0, 2 ** 47);
}

/** `randomSeed` is used only by `random` modes; pass the same value to every shard of a run. */
export function resolveShuffleSeeds(w: Workload, randomSeed: number | null): ShuffleSeeds {
  const needsRandom = w.reader.file_shuffle === 'random' || w.reader.sample_shuffle === 'random';
  if (needsRandom && randomSeed === null) {
    throw new Error('a random shuffle needs the run seed drawn by drawRandomSeed()');
  }
  const seedFor = (mode: ShuffleMode, salt: number): number | null => {
    if (mode === 'off') return null;
    return mixKey(mode === 'seed' ? w.train.seed : (randomSeed as number), salt);
  };
  return {
    file: seedFor(w.reader.file_shuffle, 1),
    sample: seedFor(w.reader.sample_shuffle, 2),
    randomSeed: needsRandom ? randomSeed : null,
  };
}

function epochSalt(w: Workload, epoch: number): number {
  return w.train.seed_change_epoch ? epoch : 0;
}

/** Objects accelerator k reads in `epoch`: positions k, k+A, … of the epoch's unit order. */
export function planAcceleratorEpoch(
  w: Workload,
  seeds: ShuffleSeeds,
  epoch: number,
  accelerator: number,
): AcceleratorEpochPlan {
  const accelerators = w.run.accelerators;
  if (accelerator < 0 || accelerator >= accelerators) {
    throw new RangeError(`accelerator ${accelerator} outside 0..${accelerators - 1}`);
  }
  const units = unitCount(w);
  const order = permutation(units, seeds.file === null ? null : mixKey(seeds.file, epochSalt(w, epoch)));
  const count = accelerator < units ? Math.floor((units - accelerator - 1) / accelerators) + 1 : 0;
  return {
    epoch,
    accelerator,
    accelerators,
    count,
    at(i: number): ObjectRef {
      if (i < 0 || i >= count) throw new RangeError(`plan position ${i} outside 0..${count - 1}`);
      return objectRef(w, order.at(accelerator + i * accelerators));
    },
  };
}

/**
 * Key of the row order inside one delivered chunk (a whole object in default
 * mode, one row group in row_group mode), or null when sample_shuffle is off.
 * Shuffling happens within what the accelerator holds, so it never duplicates
 * or drops a sample.
 */
export function sampleOrderKey(
  w: Workload,
  seeds: ShuffleSeeds,
  epoch: number,
  unit: number,
  rowStart: number,
): number | null {
  if (seeds.sample === null) return null;
  return mixKey(seeds.sample, epochSalt(w, epoch), unit, rowStart);
}

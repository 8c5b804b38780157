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

import { mixKey, permutation } from '../dataset/permutation.ts';
import type { DatasetLayout, RunPlan, TrainingPlan } from '../dataset/types.ts';

/** One object to read: unit u is file ⌊u/P⌋, partition u mod P (P partition values, 1 when unpartitioned). */
export interface UnitRef {
  /** Index in 0..unitCount-1. */
  unit: number;
  fileIndex: number;
  /** Partition value index, or null when the dataset is not partitioned. */
  partition: number | null;
}

export interface AcceleratorEpochPlan {
  epoch: number;
  accelerator: number;
  accelerators: number;
  /** Objects this accelerator reads this epoch. */
  count: number;
  at(i: number): UnitRef;
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

/** Objects accelerator k reads in `epoch`: positions k, k+A, … of the epoch's unit order. */
export function planAcceleratorEpoch(
  plan: RunPlan,
  epoch: number,
  accelerator: number,
): AcceleratorEpochPlan {
  const { training } = plan;
  const layout = plan.dataset.layout;
  const accelerators = training.accelerators;
  if (accelerator < 0 || accelerator >= accelerators) {
    throw new RangeError(`accelerator ${accelerator} outside 0..${accelerators - 1}`);
  }
  const units = unitCount(layout);
  const fileSeed = training.shuffle.file;
  const order = permutation(units, fileSeed === null ? null : mixKey(fileSeed, epochSalt(training, epoch)));
  const count = accelerator < units ? Math.floor((units - accelerator - 1) / accelerators) + 1 : 0;
  return {
    epoch,
    accelerator,
    accelerators,
    count,
    at(i: number): UnitRef {
      if (i < 0 || i >= count) throw new RangeError(`plan position ${i} outside 0..${count - 1}`);
      return unitRef(layout, order.at(accelerator + i * accelerators));
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
  training: TrainingPlan,
  epoch: number,
  unit: number,
  rowStart: number,
): number | null {
  const seed = training.shuffle.sample;
  if (seed === null) return null;
  return mixKey(seed, epochSalt(training, epoch), unit, rowStart);
}

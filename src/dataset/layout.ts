/**
 * Dataset layout (SPEC §2): every object name is a pure function of
 * (config, split, file index, partition value), so readers never list.
 *
 * Naming follows DLIO's data_generator.py exactly so a DLIO-generated parquet
 * dataset and a pqbench one are interchangeable:
 *  - the file index is zero-padded to the number of digits of N
 *    (`img_0007_of_1024.parquet`);
 *  - the eval split lives in `valid/`;
 *  - subfolders are used only when num_subfolders > 1; file i goes to
 *    subfolder `i % num_subfolders`, zero-padded to the digits of num_subfolders.
 * Partitioned datasets (Hive): `<split>/<col>=<value>/[<subfolder>/]<file>`.
 */

import type { ColumnSpec, Workload } from '../config/types.ts';
import { ConfigError } from '../errors.ts';
import type { DatasetLayout, ObjectRef, PartitionLayout, Split, SplitLayout } from './types.ts';

export const SPLITS: readonly Split[] = ['train', 'eval'];

/** DLIO's folder names for the splits. */
const SPLIT_FOLDER: Record<Split, string> = { train: 'train', eval: 'valid' };

export const MANIFEST_NAME = '_pqbench.json';

type DatasetSection = Workload['dataset'];

export function normaliseFolder(folder: string): string {
  return folder
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function partitionLayout(d: DatasetSection): PartitionLayout | null {
  const name = d.parquet.partition_by;
  if (name === null) return null;
  const columns = d.parquet.columns;
  const column = columns.find((c) => c.name === name);
  if (!column) {
    throw new ConfigError([
      {
        path: 'dataset.parquet.partition_by',
        message: `column '${name}' is not one of the columns (${columns.map((c) => c.name).join(', ') || 'none'})`,
      },
    ]);
  }
  if (column.cardinality === undefined || column.cardinality < 1) {
    throw new ConfigError([
      {
        path: 'dataset.parquet.partition_by',
        message: `column '${name}' needs a cardinality >= 1 to be a partition column`,
      },
    ]);
  }
  return { column, cardinality: column.cardinality };
}

/**
 * The text of partition value `value` in the `col=value` folder name: `v<k>`
 * for string columns (as the generator writes them), true/false for bool, the
 * number otherwise.
 */
export function partitionValueText(column: ColumnSpec, value: number): string {
  if (column.dtype === 'string') return `v${value}`;
  if (column.dtype === 'bool') return value === 0 ? 'false' : 'true';
  return String(value);
}

/** The layout of the dataset a workload's `dataset` section describes (ConfigError for a bad partition_by). */
export function datasetLayout(d: DatasetSection): DatasetLayout {
  const dataFolder = normaliseFolder(d.data_folder);
  const partition = partitionLayout(d);
  const perFile = partition ? partition.cardinality : 1;
  const split = (s: Split, numFiles: number, numSubfolders: number): SplitLayout => ({
    split: s,
    prefix: joinKey(dataFolder, SPLIT_FOLDER[s]),
    numFiles,
    numSubfolders,
    numObjects: numFiles * perFile,
  });
  return {
    dataFolder,
    filePrefix: d.file_prefix,
    manifestKey: joinKey(dataFolder, MANIFEST_NAME),
    partition,
    splits: {
      train: split('train', d.num_files_train, d.num_subfolders_train),
      eval: split('eval', d.num_files_eval, d.num_subfolders_eval),
    },
  };
}

/** `<prefix>_<i>_of_<N>.parquet`, i padded to the digits of N (DLIO). */
export function fileName(prefix: string, fileIndex: number, numFiles: number): string {
  return `${prefix}_${pad(fileIndex, String(numFiles).length)}_of_${numFiles}.parquet`;
}

/** Key of one object of the dataset. */
export function objectKey(
  layout: DatasetLayout,
  split: Split,
  fileIndex: number,
  partition: number | null,
): string {
  const s = layout.splits[split];
  if (!Number.isInteger(fileIndex) || fileIndex < 0 || fileIndex >= s.numFiles) {
    throw new RangeError(`file index ${fileIndex} out of range 0..${s.numFiles - 1} for split ${split}`);
  }
  let partitionFolder = '';
  if (layout.partition) {
    const { column, cardinality } = layout.partition;
    if (partition === null || !Number.isInteger(partition) || partition < 0 || partition >= cardinality) {
      throw new RangeError(
        `partition ${partition} out of range 0..${cardinality - 1} for column ${column.name}`,
      );
    }
    partitionFolder = `${column.name}=${partitionValueText(column, partition)}`;
  } else if (partition !== null) {
    throw new RangeError(`partition ${partition} given but the dataset is not partitioned`);
  }
  const subfolder =
    s.numSubfolders > 1 ? pad(fileIndex % s.numSubfolders, String(s.numSubfolders).length) : '';
  return joinKey(s.prefix, partitionFolder, subfolder, fileName(layout.filePrefix, fileIndex, s.numFiles));
}

/** The partition values of one file: [null] when unpartitioned, else 0..cardinality-1. */
export function partitionsOf(layout: DatasetLayout): (number | null)[] {
  if (!layout.partition) return [null];
  return Array.from({ length: layout.partition.cardinality }, (_, v) => v);
}

/** The objects of files [fileStart, fileEnd) of a split, file-major, partition-minor. */
export function* objectsOfFiles(
  layout: DatasetLayout,
  split: Split,
  fileStart: number,
  fileEnd: number,
): Generator<ObjectRef> {
  const partitions = partitionsOf(layout);
  for (let fileIndex = fileStart; fileIndex < fileEnd; fileIndex++) {
    for (const partition of partitions) yield { split, fileIndex, partition };
  }
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import {
  datasetLayout,
  normaliseFolder,
  objectKey,
  objectsOfFiles,
  partitionValueText,
} from '../../src/dataset/layout.ts';
import type { Split } from '../../src/dataset/types.ts';
import { ConfigError } from '../../src/errors.ts';

/** The key of one object of `w`'s dataset, as it stands when called. */
function keyOf(w: Workload, split: Split, fileIndex: number, partition: number | null): string {
  return objectKey(datasetLayout(w.dataset), split, fileIndex, partition);
}

function manifestKeyOf(w: Workload): string {
  return datasetLayout(w.dataset).manifestKey;
}

function workload(edit: (w: Workload) => void = () => {}): Workload {
  const w = defaultWorkload();
  w.dataset.data_folder = 'data/dlrm/';
  w.dataset.file_prefix = 'img';
  w.dataset.num_files_train = 8;
  edit(w);
  return w;
}

test('train file names: DLIO format, index padded to the digits of N', () => {
  const w = workload((w) => {
    w.dataset.num_files_train = 1024;
  });
  assert.equal(keyOf(w, 'train', 0, null), 'data/dlrm/train/img_0000_of_1024.parquet');
  assert.equal(keyOf(w, 'train', 7, null), 'data/dlrm/train/img_0007_of_1024.parquet');
  assert.equal(keyOf(w, 'train', 1023, null), 'data/dlrm/train/img_1023_of_1024.parquet');
  assert.equal(keyOf(workload(), 'train', 3, null), 'data/dlrm/train/img_3_of_8.parquet');
});

test('subfolders round-robin, padded to the digits of the subfolder count; only when > 1', () => {
  const w = workload((w) => {
    w.dataset.num_files_train = 25;
    w.dataset.num_subfolders_train = 12;
  });
  assert.equal(keyOf(w, 'train', 0, null), 'data/dlrm/train/00/img_00_of_25.parquet');
  assert.equal(keyOf(w, 'train', 11, null), 'data/dlrm/train/11/img_11_of_25.parquet');
  assert.equal(keyOf(w, 'train', 12, null), 'data/dlrm/train/00/img_12_of_25.parquet');
  assert.equal(keyOf(w, 'train', 24, null), 'data/dlrm/train/00/img_24_of_25.parquet');
  const one = workload((w) => {
    w.dataset.num_subfolders_train = 1;
  });
  assert.equal(keyOf(one, 'train', 1, null), 'data/dlrm/train/img_1_of_8.parquet');
});

test('eval split lives in valid/ with its own count and subfolders', () => {
  const w = workload((w) => {
    w.dataset.num_files_eval = 3;
    w.dataset.num_subfolders_eval = 2;
  });
  assert.equal(keyOf(w, 'eval', 0, null), 'data/dlrm/valid/0/img_0_of_3.parquet');
  assert.equal(keyOf(w, 'eval', 1, null), 'data/dlrm/valid/1/img_1_of_3.parquet');
  assert.equal(keyOf(w, 'eval', 2, null), 'data/dlrm/valid/0/img_2_of_3.parquet');
  assert.throws(() => keyOf(w, 'eval', 3, null), RangeError);
  assert.throws(() => keyOf(w, 'train', 8, null), RangeError);
});

test('partitioned layout: col=value folders, strings v0.., one object per value', () => {
  const w = workload((w) => {
    w.dataset.num_files_train = 2;
    w.dataset.parquet.columns = [
      { name: 'x', dtype: 'float32', size: 4, read: true },
      { name: 'day', dtype: 'int32', size: 1, read: true, cardinality: 3 },
      { name: 'tag', dtype: 'string', size: 4, read: true, cardinality: 2 },
    ];
    w.dataset.parquet.partition_by = 'day';
  });
  assert.equal(keyOf(w, 'train', 1, 2), 'data/dlrm/train/day=2/img_1_of_2.parquet');
  assert.throws(() => keyOf(w, 'train', 1, null), RangeError);
  assert.throws(() => keyOf(w, 'train', 1, 3), RangeError);
  const layout = datasetLayout(w.dataset);
  assert.equal(layout.splits.train.numObjects, 6);
  assert.deepEqual(
    [...objectsOfFiles(layout, 'train', 0, 2)].map((o) => `${o.fileIndex}/${o.partition}`),
    ['0/0', '0/1', '0/2', '1/0', '1/1', '1/2'],
  );
  w.dataset.parquet.partition_by = 'tag';
  assert.equal(keyOf(w, 'train', 0, 1), 'data/dlrm/train/tag=v1/img_0_of_2.parquet');
  assert.equal(partitionValueText({ name: 'b', dtype: 'bool', size: 1, read: true }, 1), 'true');
  w.dataset.num_subfolders_train = 2;
  assert.equal(keyOf(w, 'train', 1, 0), 'data/dlrm/train/tag=v0/1/img_1_of_2.parquet');
});

test('partition_by must name a column with a cardinality', () => {
  const w = workload((w) => {
    w.dataset.parquet.columns = [{ name: 'x', dtype: 'float32', size: 1, read: true }];
    w.dataset.parquet.partition_by = 'x';
  });
  assert.throws(() => datasetLayout(w.dataset), ConfigError);
  w.dataset.parquet.partition_by = 'nope';
  assert.throws(() => datasetLayout(w.dataset), /partition_by.*'nope'/);
});

test('data_folder normalisation and manifest key', () => {
  assert.equal(normaliseFolder('./data//dlrm/'), 'data/dlrm');
  assert.equal(normaliseFolder('/'), '');
  assert.equal(manifestKeyOf(workload()), 'data/dlrm/_pqbench.json');
  const root = workload((w) => {
    w.dataset.data_folder = '';
  });
  assert.equal(keyOf(root, 'train', 0, null), 'train/img_0_of_8.parquet');
  assert.equal(manifestKeyOf(root), '_pqbench.json');
});

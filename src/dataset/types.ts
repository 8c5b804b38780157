/**
 * The shared types of the dataset floor: the resolved run plan and its parts.
 * Everything here is plain data (structured-clone and JSON safe), so a plan
 * resolved once crosses to worker threads and Lambdas as it is.
 */
import type {
  Codec,
  ColumnSpec,
  ComputationTime,
  ReadMode,
  Sharding,
  SleepDistribution,
  VectorLayout,
  Workload,
} from '../config/types.ts';

export type Split = 'train' | 'eval';

export interface PartitionLayout {
  /** The partition_by column (dropped from the files). */
  column: ColumnSpec;
  /** Number of partition values: 0..cardinality-1. */
  cardinality: number;
}

export interface SplitLayout {
  split: Split;
  /** Key prefix of the split, e.g. `data/dlrm/train`. */
  prefix: string;
  numFiles: number;
  numSubfolders: number;
  /** Objects in the split: numFiles × cardinality (1 when not partitioned). */
  numObjects: number;
}

/** Where every object of the dataset lives: names are computed, never listed. */
export interface DatasetLayout {
  /** Normalised data_folder: no leading './' or '/', no trailing '/', '' for the root. */
  dataFolder: string;
  filePrefix: string;
  manifestKey: string;
  partition: PartitionLayout | null;
  splits: Record<Split, SplitLayout>;
}

/** One object of the dataset: a file, or one partition of a file. */
export interface ObjectRef {
  split: Split;
  fileIndex: number;
  /** Partition value 0..cardinality-1, or null when not partitioned. */
  partition: number | null;
}

/** How each file is written (the Parquet writer's settings). */
export interface FileFormat {
  codec: Codec;
  compressionLevel: number | null;
  rowGroupSize: number;
  pageSize: number;
  /** Rows generated per step; null = as many as fill a page. */
  generationBatchSize: number | null;
  vectorLayout: VectorLayout;
  /** Dictionary pages as pyarrow writes them: fall back to plain past this many dictionary bytes; null = plain only. */
  dictionaryPageSizeLimit: number | null;
}

export interface ManifestColumn {
  name: string;
  dtype: string;
  size: number;
  cardinality?: number;
}

/** Everything that determines the dataset's bytes and names (the manifest's `dataset`). */
export type DatasetDefinition = Omit<Workload['dataset'], 'data_folder' | 'parquet'> &
  Pick<
    Workload['dataset']['parquet'],
    'row_group_size' | 'page_size' | 'generation_batch_size' | 'vector_layout' | 'partition_by'
  > &
  Partial<Pick<Workload['dataset']['parquet'], 'use_dictionary' | 'dictionary_pagesize_limit'>> & {
    columns: ManifestColumn[];
    seed: number;
  };

/** The dataset as both sides read it: layout, columns, value seed, file format, identity. */
export interface DatasetPlan {
  layout: DatasetLayout;
  /** Every column of a row (the implicit `data` column when none are configured). */
  columns: ColumnSpec[];
  /** The columns stored in each object: all, minus the Hive partition column. */
  objectColumns: ColumnSpec[];
  samplesPerFile: number;
  /** Seed of the value generator. */
  seed: number;
  /** Stdev of the implicit `data` column's record length (0 otherwise). */
  recordLengthStdev: number;
  format: FileFormat;
  definition: DatasetDefinition;
  /** Hash of the definition and generator version: equal fingerprints mean equal bytes. */
  fingerprint: string;
}

/** How a loader reads objects (SPEC §4). */
export interface LoaderPlan {
  readMode: ReadMode;
  /** samples: DLIO's map-style sampler (schedule.ts); files: the MLCommons fork's parquet path (file-sharding.ts). */
  sharding: Sharding;
  /** files sharding: row groups a loader worker keeps in flight (with at most getsPerWorker GETs). */
  rowGroupWindow: number;
  /** Columns with `read: true`, in file order (the partition column included: restored from the path). */
  projected: ColumnSpec[];
  batchSize: number;
  /** Loader workers per accelerator (0: the accelerator loads in its own loop). */
  readThreads: number;
  /** GETs one loader worker keeps in flight while it loads a chunk. */
  getsPerWorker: number;
  /** Batches a loader worker keeps ready ahead (at least 1; prefetch_size 0 resolves to PyTorch's 2). */
  prefetchSize: number;
  /** Seconds a loader worker spends per sample before handing a batch over (DLIO's reader.preprocess_time). */
  preprocess: SleepDistribution;
  decode: boolean;
  verify: boolean;
  footerFetchBytes: number;
  coalesceGapBytes: number;
  maxRequestBytes: number;
}

/** Resolved shuffle keys of a run: null = that shuffle is off. */
export interface ShuffleSeeds {
  file: number | null;
  sample: number | null;
  /** Set when a mode is `random`: the seed drawn once for the run, recorded in results. */
  randomSeed: number | null;
}

/** The training loop (SPEC §5) and its metric window (SPEC §6). */
export interface TrainingPlan {
  epochs: number;
  accelerators: number;
  /** Steps cap per epoch; ≤ 0 = none. */
  totalTrainingSteps: number;
  seed: number;
  seedChangeEpoch: boolean;
  computation: ComputationTime;
  shuffle: ShuffleSeeds;
  metric: { au: number; excludeStartSteps: number; excludeEndSteps: number };
}

/** The facts summary.json repeats about the run's configuration. */
export interface RunFacts {
  workload: string;
  storageType: Workload['storage']['storage_type'];
  numFilesTrain: number;
  numFilesEval: number;
  numSamplesPerFile: number;
  readMode: ReadMode;
  sharding: Sharding;
  /** Train files no accelerator reads: files mod accelerators under files sharding, else 0. */
  filesUnread: number;
  /** Bytes per sample in DLIO's train_io_* figures (config/dtypes.ts dlioRecordBytes). */
  dlioRecordBytes: number;
  /** The dataset's fingerprint: equal fingerprints, equal bytes (runs read like-for-like data). */
  datasetFingerprint?: string;
}

/** A workload resolved once (resolveRun): what every shard, local or remote, takes. */
export interface RunPlan {
  workflow: { generateData: boolean; train: boolean };
  dataset: DatasetPlan;
  loader: LoaderPlan;
  training: TrainingPlan;
  storage: Workload['storage'];
  /** run.workers as configured ('auto' is resolved where the threads start). */
  workers: number | 'auto';
  facts: RunFacts;
}

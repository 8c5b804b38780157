/**
 * The resolved, fully defaulted workload (SPEC §1). The YAML schema in
 * schema.ts produces exactly this shape; everything downstream takes a
 * `Workload` and never looks at raw YAML.
 */

export const DTYPES = [
  'float32',
  'float64',
  'float16',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'string',
  'binary',
  'list',
] as const;
export type Dtype = (typeof DTYPES)[number];

export const CODECS = ['none', 'snappy', 'gzip', 'zstd', 'lz4', 'brotli'] as const;
export type Codec = (typeof CODECS)[number];

export type ShuffleMode = 'off' | 'seed' | 'random';
export type VectorLayout = 'list' | 'fixed';
export type ReadMode = 'default' | 'row_group';

export interface ColumnSpec {
  name: string;
  dtype: Dtype;
  /** Elements per row for numeric/bool vectors and `list`; characters for string; bytes for binary. Default 1. */
  size: number;
  /** Projected by readers. Default true. */
  read: boolean;
  /** Values drawn from 0..cardinality-1 (strings "v0".."v{n-1}"); required for the partition_by column. */
  cardinality?: number;
}

/**
 * A time in seconds drawn per use (DLIO's `utility.sleep(config)`): the
 * distributions DLIO has, with DLIO's parameter names. Every draw is folded
 * with abs() as DLIO does. `constant` is pqbench's name for DLIO's `{mean}`.
 */
export type SleepDistribution =
  | { type: 'constant'; mean: number; stdev: number }
  | { type: 'normal'; mean: number; stdev: number }
  | { type: 'uniform'; min: number; max: number }
  | { type: 'gamma'; shape: number; scale: number }
  | { type: 'exponential'; scale: number }
  | { type: 'poisson'; lam: number };

export type SleepDistributionType = SleepDistribution['type'];

/** Seconds of simulated accelerator compute per step (train.computation_time). */
export type ComputationTime = SleepDistribution;

/** storage_options.connect_timeout_seconds when not given. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;

export interface S3Options {
  endpoint_url?: string;
  region: string;
  s3_force_path_style: boolean;
  s3_max_attempts: number;
  checksums: 'when_required' | 'when_supported';
  max_sockets: number;
  /** A request whose socket stays idle this long fails that attempt (and is retried). */
  request_timeout_seconds: number;
  /**
   * Until the endpoint has answered once: how long a request may wait for its
   * response (TCP connect included) — a silent endpoint fails in seconds.
   * Absent: 5 (the schema's default).
   */
  connect_timeout_seconds?: number;
  access_key_id?: string;
  secret_access_key?: string;
  session_token?: string;
}

/** How an epoch's data is split over accelerators and loader workers. */
export type Sharding = 'samples' | 'files';

export interface Workload {
  model: { name: string };
  framework?: string;
  workflow: { generate_data: boolean; train: boolean };
  storage: {
    storage_type: 'local_fs' | 's3';
    /** Local directory, or bucket[/prefix] (an `s3://` scheme is stripped). */
    storage_root: string;
    storage_options: S3Options;
  };
  dataset: {
    data_folder: string;
    format: 'parquet';
    num_files_train: number;
    num_files_eval: number;
    num_subfolders_train: number;
    num_subfolders_eval: number;
    file_prefix: string;
    num_samples_per_file: number;
    /** May be fractional, as DLIO accepts; the implicit `data` column rounds it. */
    record_length_bytes: number;
    record_length_bytes_stdev: number;
    compression: Codec;
    compression_level: number | null;
    parquet: {
      row_group_size: number;
      read_mode: ReadMode;
      partition_by: string | null;
      generation_batch_size: number | null;
      page_size: number;
      vector_layout: VectorLayout;
      /** Dictionary-encode column chunks as pyarrow does (a dictionary page, plain pages past the limit). */
      use_dictionary: boolean;
      /** Bytes of plain-encoded dictionary values past which a chunk falls back to plain pages (pyarrow's 1 MiB). */
      dictionary_pagesize_limit: number;
      /** Empty = one `data` BYTE_ARRAY column of record_length_bytes (see effectiveColumns). */
      columns: ColumnSpec[];
    };
  };
  reader: {
    data_loader?: string;
    batch_size: number;
    batch_size_eval: number;
    read_threads: number;
    /** GETs a loader worker keeps in flight while it loads one object or row group. */
    gets_per_worker: number;
    /** Batches buffered ahead per loader worker; 0 = PyTorch's default prefetch factor (2), as DLIO. */
    prefetch_size: number;
    /** Seconds slept per sample inside the loader worker (DLIO's reader.preprocess_time). */
    preprocess_time: SleepDistribution;
    file_shuffle: ShuffleMode;
    sample_shuffle: ShuffleMode;
    /** samples: DLIO's map-style sampler; files: the MLCommons fork's parquet path (TorchIterableDataset). */
    sharding: Sharding;
    /** files sharding: row groups a loader worker keeps in flight (the fork's storage_options.prefetch_window). */
    row_group_window: number;
    decode: boolean;
    verify: boolean;
    coalesce_gap_bytes: number;
    max_request_bytes: number;
    footer_fetch_bytes: number;
  };
  train: {
    epochs: number;
    computation_time: ComputationTime;
    total_training_steps: number;
    seed: number;
    seed_change_epoch: boolean;
  };
  metric: { au: number; exclude_start_steps: number; exclude_end_steps: number };
  run: { accelerators: number; workers: number | 'auto' };
  output: { folder: string; requests_csv: boolean };
}

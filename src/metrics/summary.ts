/**
 * pqbench's run summary and per-epoch figures (schema_version 3). On disk
 * (metrics/results.ts) summary.json leads with DLIO's top-level keys —
 * `start`/`end` in DLIO's timestamp format, these ISO instants as
 * `start_utc`/`end_utc` — and the per-epoch list is epoch_stats.json, while
 * per_epoch_stats.json has DLIO's layout (metrics/dlio-summary.ts).
 * Version 3: those file changes and `num_files_eval`.
 * Stable within a version: fields are only ever added. DLIO's metric keys
 * keep DLIO's names and meanings (MLCommons fork, statscounter.py), including
 * train_io_*, which DLIO derives from samples/s and the configured record
 * size; pqbench's measured bytes are under `io`.
 */
import type { OperationType } from '../storage/operations.ts';
import type { ClientSummary } from './client-summary.ts';
import type { PriceTable } from './cost.ts';
import type { LatencySummary } from './histogram.ts';
import type { RequestCounter } from './partial.ts';
import type { PhaseFigures } from './phase-figures.ts';
import type { TimeSeriesFile } from './timeseries-file.ts';
import type { Verdict } from './verdict.ts';

export const SUMMARY_SCHEMA_VERSION = 3;

export interface SummaryMetric {
  /** Per epoch: AU (%) averaged over every accelerator (an empty metric window counts as 0, as in DLIO). */
  train_au_percentage: number[];
  train_au_mean_percentage: number | null;
  train_au_stdev_percentage: number | null;
  train_au_meet_expectation: 'success' | 'fail';
  /** metric.au × 100. */
  train_au_expectation_percentage: number;
  /** Per epoch: samples/s over the metric window, summed over accelerators. */
  train_throughput_samples_per_second: number[];
  train_throughput_mean_samples_per_second: number | null;
  train_throughput_stdev_samples_per_second: number | null;
  /** DLIO's figure: mean samples/s × record size ÷ 2^20 (MiB/s despite the name); not measured bytes. */
  train_io_mean_MB_per_second: number | null;
  train_io_stdev_MB_per_second: number | null;
  exclude_start_steps: number;
  exclude_end_steps: number;
}

export type RequestsSummary = Partial<Record<OperationType, RequestCounter>> & {
  total: number;
  errors: number;
  retries: number;
};

export interface CostSummary {
  currency: 'USD';
  /** Whose prices: the default list prices or the --prices table. */
  basis: string;
  /** What the total prices: training requests (and, for cloud runs, Lambda and Step Functions); never generation. */
  covers: string;
  prices: PriceTable;
  requests_usd: number;
  /** Lambda, Step Functions and S3 Express per-GB charges, cloud runs only (null locally). */
  serverless_usd: number | null;
  total_usd: number;
  per_epoch_usd: number[];
  /** total ÷ TB (10^12 bytes) transferred; null when nothing was read. */
  per_TB_read_usd: number | null;
}

export interface RunSummaryJson {
  schema_version: typeof SUMMARY_SCHEMA_VERSION;
  tool: 'pqbench';
  tool_version: string;
  run_id: string;
  workload: string;
  /** sha256 of the resolved config (credentials excluded). */
  config_hash: string;
  /** ISO 8601. */
  start: string;
  end: string;
  num_accelerators: number;
  num_hosts: number;
  epochs: number;
  num_files_train: number;
  /** dataset.num_files_eval, repeated as DLIO does (pqbench runs no evaluation). */
  num_files_eval: number;
  num_samples_per_file: number;
  storage_type: 'local_fs' | 's3';
  read_mode: 'default' | 'row_group';
  /** Seed drawn for `random` shuffles (reuse with `seed` mode to replay); null otherwise. */
  random_seed: number | null;
  /** Hash of what the generator writes (columns, codec, layout, seed, …): equal fingerprints, equal bytes. */
  dataset_fingerprint?: string;
  /** How each epoch was split over accelerators and loader workers. */
  reader: {
    /** samples: DLIO's map-style sampler; files: the MLCommons fork's parquet path. */
    sharding: 'samples' | 'files';
    /** Steps each accelerator ran in the first epoch (the most of any). */
    steps_per_epoch_per_accelerator: number;
    files_read: number;
    /** Train files no accelerator reads (files sharding: files mod accelerators). */
    files_unread: number;
  };
  metric: SummaryMetric;
  steps: {
    total: number;
    samples: number;
    /** Samples of the epochs no kept step delivered: drop_last remainders and the N mod accelerators tail. */
    dropped_samples: number;
    compute_s: number;
    load_wait_s: number;
  };
  io: {
    bytes_transferred: number;
    projected_bytes: number;
    /** bytes_transferred ÷ projected_bytes; null when nothing projected was read. */
    read_amplification: number | null;
    /** Measured bytes received over the metric window ÷ its time, summed over accelerators, mean over epochs; MB = 10^6 B. */
    mean_MB_per_second: number | null;
    stdev_MB_per_second: number | null;
    /** The same rate in MiB = 2^20 B. */
    mean_MiB_per_second: number | null;
    /** The record size DLIO's train_io_* figures use (bytes per sample, DLIO's dtype widths). */
    dlio_record_bytes: number;
    /** Bytes received inside the metric windows, and their share of bytes_transferred (null: nothing read). */
    window_bytes: number;
    window_byte_share: number | null;
    /** The read phase: first request start to last request end over the run (s), and bytes_transferred over it. */
    read_phase_s: number | null;
    read_phase_MB_per_second: number | null;
    read_phase_MiB_per_second: number | null;
    /** Objects opened over the run (a file, or a Hive partition object, per open). */
    objects_read: number;
  };
  requests: RequestsSummary;
  latency: { request: LatencySummary; time_to_first_byte: LatencySummary; step_load_wait: LatencySummary };
  /** The read phase per operation (count, rates, latency) and its fastest/median/slowest 1-s segments; absent in older results. */
  read_phase?: PhaseFigures;
  cost: CostSummary;
  /** Everything a reader of the numbers must know (too few steps, page cache, …). */
  notices: string[];
  /** The client's CPU, its threads' run-queue wait and compute against its draws; null if not measured. */
  client: ClientSummary | null;
  /** Whether the figures measure the storage: valid, warn or invalid, with the reasons (docs/results.md). */
  verdict: Verdict;
}

export interface EpochStats {
  epoch: number;
  start: string;
  end: string;
  duration_s: number;
  steps: number;
  samples: number;
  dropped_samples: number;
  au_percentage: number;
  /** Per accelerator, in accelerator order; 0 when its metric window was empty. */
  au_percentage_per_accelerator: number[];
  au_stdev_percentage_across_accelerators: number | null;
  throughput_samples_per_second: number;
  /** Measured bytes received over the metric window ÷ its time, summed over accelerators. */
  io_MB_per_second: number;
  io_MiB_per_second: number;
  bytes_transferred: number;
  projected_bytes: number;
  read_amplification: number | null;
  /** Objects opened in the epoch. */
  objects_read: number;
  requests: RequestsSummary;
  load_wait_s: number;
  compute_s: number;
  cost_usd: number;
}

export interface RunSummary {
  summary: RunSummaryJson;
  perEpoch: EpochStats[];
  /** timeseries.json; null when a partial carried no series (written before they existed). */
  timeseries?: TimeSeriesFile | null;
}

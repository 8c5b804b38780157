/**
 * Resolve once (SPEC §7): a workload becomes a RunPlan — the dataset layout,
 * its columns and identity, the loader's and the training loop's settings,
 * the shuffle seeds — computed here and nowhere else. Shards, local or in a
 * Lambda, take the plan; nothing below the CLI reads the raw workload.
 */
import { randomInt } from 'node:crypto';
import { dlioRecordBytes } from '../config/dtypes.ts';
import { effectiveColumns, projectedColumns } from '../config/load.ts';
import type { ShuffleMode, Workload } from '../config/types.ts';
import { datasetLayout } from './layout.ts';
import { datasetDefinition, datasetFingerprint } from './manifest.ts';
import { mixKey } from './permutation.ts';
import type { DatasetPlan, LoaderPlan, RunPlan, ShuffleSeeds, TrainingPlan } from './types.ts';

export interface ResolveOptions {
  /**
   * The run's seed for `random` shuffles, drawn once per run and given to
   * every shard of it. Undefined: drawn here (the top of a run). Null: the
   * caller has none, which is an error when a shuffle is random.
   */
  randomSeed?: number | null;
}

/** The dataset part of a workload: what the generator writes and a reader expects. */
export function resolveDataset(w: Workload): DatasetPlan {
  const d = w.dataset;
  const columns = effectiveColumns(w);
  const partitionBy = d.parquet.partition_by;
  // Values are seeded by train.seed, as DLIO seeds its generator from the workload seed.
  const seed = w.train.seed;
  const definition = datasetDefinition(d, columns, seed);
  return {
    layout: datasetLayout(d),
    columns,
    objectColumns: columns.filter((c) => c.name !== partitionBy),
    samplesPerFile: d.num_samples_per_file,
    seed,
    // Only the implicit `data` column has variable-length records (SPEC §1).
    recordLengthStdev: d.parquet.columns.length === 0 ? d.record_length_bytes_stdev : 0,
    format: {
      codec: d.compression,
      compressionLevel: d.compression_level,
      rowGroupSize: d.parquet.row_group_size,
      pageSize: d.parquet.page_size,
      generationBatchSize: d.parquet.generation_batch_size,
      vectorLayout: d.parquet.vector_layout,
      dictionaryPageSizeLimit: d.parquet.use_dictionary ? d.parquet.dictionary_pagesize_limit : null,
    },
    definition,
    fingerprint: datasetFingerprint(definition),
  };
}

/**
 * PyTorch's DataLoader prefetch_factor when DLIO is given prefetch_size 0
 * (data_loader/torch_data_loader.py: "a default prefetch factor of 2").
 */
const TORCH_DEFAULT_PREFETCH = 2;

function resolveLoader(w: Workload): LoaderPlan {
  const r = w.reader;
  return {
    readMode: w.dataset.parquet.read_mode,
    sharding: r.sharding,
    rowGroupWindow: r.row_group_window,
    projected: projectedColumns(w),
    batchSize: r.batch_size,
    readThreads: r.read_threads,
    getsPerWorker: r.gets_per_worker,
    prefetchSize: r.prefetch_size === 0 ? TORCH_DEFAULT_PREFETCH : r.prefetch_size,
    preprocess: r.preprocess_time,
    decode: r.decode,
    verify: r.verify,
    footerFetchBytes: r.footer_fetch_bytes,
    coalesceGapBytes: r.coalesce_gap_bytes,
    maxRequestBytes: r.max_request_bytes,
  };
}

/** Whether the workload shuffles with a seed drawn per run (recorded in the results). */
export function needsRandomSeed(w: Workload): boolean {
  return w.reader.file_shuffle === 'random' || w.reader.sample_shuffle === 'random';
}

/** Draws the per-run seed for `random` shuffles; once per run, never per shard. */
export function drawRandomSeed(): number {
  return randomInt(0, 2 ** 47);
}

function resolveShuffle(w: Workload, given: number | null | undefined): ShuffleSeeds {
  const random = needsRandomSeed(w);
  if (random && given === null) {
    throw new Error('a random shuffle needs the run seed drawn by drawRandomSeed() (one per run)');
  }
  const randomSeed = random ? (given ?? drawRandomSeed()) : null;
  const seedFor = (mode: ShuffleMode, salt: number): number | null => {
    if (mode === 'off') return null;
    return mixKey(mode === 'seed' ? w.train.seed : (randomSeed as number), salt);
  };
  return {
    file: seedFor(w.reader.file_shuffle, 1),
    sample: seedFor(w.reader.sample_shuffle, 2),
    randomSeed,
  };
}

function resolveTraining(w: Workload, options: ResolveOptions): TrainingPlan {
  return {
    epochs: w.train.epochs,
    accelerators: w.run.accelerators,
    totalTrainingSteps: w.train.total_training_steps,
    seed: w.train.seed,
    seedChangeEpoch: w.train.seed_change_epoch,
    computation: w.train.computation_time,
    shuffle: resolveShuffle(w, options.randomSeed),
    metric: {
      au: w.metric.au,
      excludeStartSteps: w.metric.exclude_start_steps,
      excludeEndSteps: w.metric.exclude_end_steps,
    },
  };
}

export function resolveRun(w: Workload, options: ResolveOptions = {}): RunPlan {
  const dataset = resolveDataset(w);
  return {
    workflow: { generateData: w.workflow.generate_data, train: w.workflow.train },
    dataset,
    loader: resolveLoader(w),
    training: resolveTraining(w, options),
    storage: w.storage,
    workers: w.run.workers,
    facts: {
      workload: w.model.name,
      storageType: w.storage.storage_type,
      numFilesTrain: w.dataset.num_files_train,
      numFilesEval: w.dataset.num_files_eval,
      numSamplesPerFile: w.dataset.num_samples_per_file,
      readMode: w.dataset.parquet.read_mode,
      sharding: w.reader.sharding,
      // The fork deals files round-robin and cuts every rank to ⌊files ÷ ranks⌋ (train/file-sharding.ts).
      filesUnread: w.reader.sharding === 'files' ? w.dataset.num_files_train % w.run.accelerators : 0,
      dlioRecordBytes: dlioRecordBytes(w.dataset.parquet.columns, w.dataset.record_length_bytes),
      datasetFingerprint: dataset.fingerprint,
    },
  };
}

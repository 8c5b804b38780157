/**
 * DLIO compatibility: keys pqbench deliberately ignores (each gives one notice
 * line, never an error) and DLIO spellings rewritten to pqbench's before
 * validation. Everything not listed here and not in schema.ts is an error —
 * DLIO silently ignores unknown keys, a known source of wrong results.
 */

type Raw = Record<string, unknown>;

/** Dotted paths; `*` under a section ignores every key of it except those the schema knows. */
export const IGNORED_DLIO_KEYS: Record<string, string> = {
  framework: 'informational; pqbench has no framework backends',
  evaluation: 'evaluation runs are not emulated',
  checkpoint: 'checkpoint I/O is not emulated',
  profiling: 'profilers are not supported',
  hydra: 'Hydra runtime settings',
  'workflow.evaluation': 'evaluation runs are not emulated',
  'workflow.checkpoint': 'checkpoint I/O is not emulated',
  'workflow.profiling': 'profilers are not supported',
  'model.type': 'informational',
  'model.model_size': 'informational',
  'model.model_size_bytes': 'informational',
  'model.optimization_groups': 'checkpoint-only',
  'model.num_layers': 'checkpoint-only',
  'model.layer_parameters': 'checkpoint-only',
  'model.model_datatype': 'checkpoint-only',
  'model.optimizer_datatype': 'checkpoint-only',
  'model.parallelism': 'checkpoint-only',
  'model.transformer': 'checkpoint-only',
  'dataset.record_length_bytes_resize': 'not used by the parquet format',
  'dataset.generation_buffer_size': 'pqbench streams; see dataset.parquet.generation_batch_size',
  'dataset.enable_chunking': 'not used by the parquet format',
  'dataset.chunk_size': 'not used by the parquet format',
  'dataset.keep_files': 'datasets are always kept',
  'dataset.record_element_bytes': 'parquet columns define the record',
  'dataset.record_element_type': 'parquet columns define the record',
  'dataset.record_dims': 'parquet columns define the record',
  'dataset.hdf5': 'hdf5 only',
  'reader.data_loader': 'informational; pqbench emulates a PyTorch-style loader',
  'reader.data_loader_classname': 'custom loaders are not supported',
  'reader.data_loader_sampler': 'pqbench uses its own sampler (file_shuffle/sample_shuffle)',
  'reader.reader_classname': 'custom readers are not supported',
  'reader.multiprocessing_context': 'pqbench uses worker threads',
  'reader.computation_threads': 'compute is simulated',
  'reader.pin_memory': 'no accelerator memory is involved',
  'reader.dont_use_mmap': 'not applicable to ranged GETs',
  'reader.odirect': 'not applicable to ranged GETs',
  'reader.file_access': 'one object per file is always used',
  'reader.read_type': 'pqbench always reads on demand',
  'reader.transfer_size': 'see reader.max_request_bytes',
  'reader.shuffle_size': 'sample_shuffle shuffles within what an accelerator holds',
  'reader.preprocess_time': 'use train.computation_time',
  'reader.preprocess_time_stdev': 'use train.computation_time',
  'reader.transformed_record_dims': 'no transformation is emulated',
  'reader.transformed_record_element_type': 'no transformation is emulated',
  'output.log_file': 'pqbench writes its own result files',
  'output.log_level': 'use --verbose',
  'output.metric': 'use the top-level metric section',
};

/** Informational keys that are kept in the resolved workload although they do nothing. */
const KEPT_INFORMATIONAL = new Set(['framework', 'reader.data_loader']);

function isMap(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Rewrites DLIO spellings in place and strips ignored keys.
 * Returns one notice line per ignored key present.
 */
export function normalizeDlioKeys(raw: Raw): string[] {
  const notices: string[] = [];

  // DLIO accepts `data_reader:` for `reader:`.
  if ('data_reader' in raw && !('reader' in raw)) {
    raw.reader = raw.data_reader;
    delete raw.data_reader;
  }
  // `model: dlrm` is shorthand for `model: {name: dlrm}`.
  if (typeof raw.model === 'string') raw.model = { name: raw.model };

  const dataset = raw.dataset;
  if (isMap(dataset) && 'record_length' in dataset) {
    if (!('record_length_bytes' in dataset)) dataset.record_length_bytes = dataset.record_length;
    else
      notices.push('notice: dataset.record_length ignored because dataset.record_length_bytes is also set');
    delete dataset.record_length;
  }
  if (isMap(dataset) && 'record_length_stdev' in dataset && !('record_length_bytes_stdev' in dataset)) {
    dataset.record_length_bytes_stdev = dataset.record_length_stdev;
    delete dataset.record_length_stdev;
  }

  // DLIO: train.computation_time_stdev belongs to computation_time.
  const train = raw.train;
  if (isMap(train) && 'computation_time_stdev' in train) {
    const stdev = train.computation_time_stdev;
    delete train.computation_time_stdev;
    const ct = train.computation_time;
    if (typeof ct === 'number' || ct === undefined) {
      train.computation_time = { mean: ct ?? 0, stdev, type: 'normal' };
    } else if (isMap(ct) && !('stdev' in ct)) {
      ct.stdev = stdev;
    }
  }

  for (const [path, why] of Object.entries(IGNORED_DLIO_KEYS)) {
    const parts = path.split('.');
    const parentPath = parts.slice(0, -1);
    const leaf = parts[parts.length - 1]!;
    let parent: unknown = raw;
    for (const p of parentPath) parent = isMap(parent) ? parent[p] : undefined;
    if (!isMap(parent) || !(leaf in parent)) continue;
    notices.push(`notice: ${path} is a DLIO key pqbench ignores (${why})`);
    if (!KEPT_INFORMATIONAL.has(path)) delete parent[leaf];
  }
  return notices;
}

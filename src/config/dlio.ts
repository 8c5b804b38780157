/**
 * DLIO compatibility: keys pqbench deliberately ignores (each gives one notice
 * line, never an error) and DLIO spellings rewritten to pqbench's before
 * validation, with DLIO's meaning (MLCommons fork, utils/config.py LoadConfig).
 * Everything not listed here, in dlio-storage.ts or in schema.ts is an error —
 * DLIO silently ignores unknown keys, a known source of wrong results.
 *
 * Notices are plain sentences; whoever prints them adds the `notice:` label.
 */
import type { ConfigIssue } from '../errors.ts';
import { normalizeDlioStorage } from './dlio-storage.ts';
import { quoteKey, showValue } from './quote.ts';
import { isMap, type Raw } from './raw.ts';

/** Dotted paths of DLIO keys pqbench reads nothing from, and why. */
export const IGNORED_DLIO_KEYS: Record<string, string> = {
  framework: 'informational; pqbench has no framework backends',
  evaluation: 'evaluation runs are not emulated',
  checkpoint: 'checkpoint I/O is not emulated',
  profiling: 'profilers are not supported',
  logging: "pqbench's output is set by --verbose",
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
  'dataset.data_gen_method': 'pqbench has one deterministic generator',
  'dataset.skip_listing': 'pqbench never lists: object names are computed from the config',
  'dataset.listing_validation_interval': 'pqbench never lists: object names are computed from the config',
  'dataset.total_disk_bytes': "mlpstorage's datasize metadata",
  'dataset.parquet.use_s3dlio_gen': 'pqbench writes its own Parquet files',
  'reader.data_loader': 'informational; pqbench emulates a PyTorch-style loader',
  'reader.data_loader_classname': 'custom loaders are not supported',
  'reader.data_loader_sampler': 'pqbench uses its own sampler (file_shuffle/sample_shuffle)',
  'reader.reader_classname': 'custom readers are not supported',
  'reader.multiprocessing_context': 'pqbench uses worker threads',
  'reader.computation_threads': 'compute is simulated',
  'reader.write_threads': 'see run.workers',
  'reader.pin_memory': 'no accelerator memory is involved',
  'reader.dont_use_mmap': 'not applicable to ranged GETs',
  'reader.odirect': 'not applicable to ranged GETs',
  'reader.file_access': 'one object per file is always used',
  'reader.read_type': 'pqbench always reads on demand',
  'reader.transfer_size': 'see reader.max_request_bytes',
  'reader.shuffle_size': 'sample_shuffle shuffles within what an accelerator holds',
  'reader.transformed_record_dims': 'no transformation is emulated',
  'reader.transformed_record_element_type': 'no transformation is emulated',
  'output.log_file': 'pqbench writes its own result files',
  'output.log_level': 'use --verbose',
};

/** Informational keys that are kept in the resolved workload although they do nothing. */
const KEPT_INFORMATIONAL = new Set(['framework', 'reader.data_loader']);

/** What normalisation found: notices to print, and errors in DLIO keys that have no schema path. */
export interface NormalizeResult {
  notices: string[];
  issues: ConfigIssue[];
}

/** `record_length` → `record_length_bytes` (and its stdev), `model: x` → `{name: x}`, `data_reader` → `reader`. */
function renameSpellings(raw: Raw, notices: string[]): void {
  if ('data_reader' in raw && !('reader' in raw)) {
    raw.reader = raw.data_reader;
    delete raw.data_reader;
  }
  if (typeof raw.model === 'string') raw.model = { name: raw.model };
  const dataset = raw.dataset;
  if (!isMap(dataset)) return;
  if ('record_length' in dataset) {
    if (!('record_length_bytes' in dataset)) dataset.record_length_bytes = dataset.record_length;
    else notices.push('dataset.record_length ignored because dataset.record_length_bytes is also set');
    delete dataset.record_length;
  }
  if ('record_length_stdev' in dataset && !('record_length_bytes_stdev' in dataset)) {
    dataset.record_length_bytes_stdev = dataset.record_length_stdev;
    delete dataset.record_length_stdev;
  }
}

/**
 * `<key>_stdev` belongs to `<key>` as DLIO stores it (`config["stdev"] = …`):
 * a number becomes {mean, stdev} (a normal draw); without the time itself
 * DLIO sleeps 0, and a distribution with other parameters ignores it.
 */
function foldStdev(section: unknown, key: string, path: string, notices: string[]): void {
  const stdevKey = `${key}_stdev`;
  if (!isMap(section) || !(stdevKey in section)) return;
  const stdev = section[stdevKey];
  delete section[stdevKey];
  const time = section[key];
  if (typeof time === 'number') {
    section[key] = { mean: time, stdev };
  } else if (isMap(time) && (time.type === undefined || time.type === 'normal' || time.type === 'constant')) {
    section[key] = { ...time, type: 'normal', stdev };
  } else if (time === undefined) {
    notices.push(`${path}_stdev without ${path}: DLIO sleeps 0, and so does pqbench`);
  } else {
    notices.push(
      `${path}_stdev ignored: ${path} is a ${String(isMap(time) ? time.type : time)} distribution`,
    );
  }
}

/**
 * mlpstorage (newer than the fork pqbench follows) passes
 * dataset.num_files_generated so that a run reads num_files_train of a larger
 * generated set, named `_of_<generated>`. pqbench names files by
 * num_files_train: equal counts need nothing; different ones get a notice
 * (the manifest check then stops a run on a dataset it cannot name).
 */
function checkGeneratedCount(raw: Raw, notices: string[]): void {
  const dataset = raw.dataset;
  if (!isMap(dataset) || !('num_files_generated' in dataset)) return;
  const generated = dataset.num_files_generated;
  delete dataset.num_files_generated;
  if (generated === dataset.num_files_train) return;
  notices.push(
    `dataset.num_files_generated ${showValue(generated)} is not used: pqbench names and reads files as ` +
      `<prefix>_<i>_of_<num_files_train>; reading a subset of a larger dataset is not supported`,
  );
}

/** DLIO's metric window lives under output.metric; pqbench's top-level metric section takes it. */
function moveOutputMetric(raw: Raw, issues: ConfigIssue[]): void {
  const output = raw.output;
  if (!isMap(output) || !('metric' in output)) return;
  const from = output.metric;
  delete output.metric;
  if (!isMap(from)) {
    issues.push({ path: 'output.metric', message: `${showValue(from)} is not a mapping` });
    return;
  }
  if (!isMap(raw.metric)) raw.metric = raw.metric ?? {};
  const metric = raw.metric as Raw;
  for (const [key, value] of Object.entries(from)) {
    if (key !== 'exclude_start_steps' && key !== 'exclude_end_steps') {
      issues.push({
        path: `output.metric.${key}`,
        message: `unknown key ${quoteKey(key)} (DLIO reads exclude_start_steps, exclude_end_steps)`,
      });
    } else if (key in metric && metric[key] !== value) {
      issues.push({
        path: `output.metric.${key}`,
        message: `${showValue(value)} disagrees with metric.${key} (${showValue(metric[key])}); give it once`,
      });
    } else {
      metric[key] = value;
    }
  }
}

/** Removes each ignored key present, with one notice per key. */
function dropIgnored(raw: Raw, notices: string[]): void {
  for (const [path, why] of Object.entries(IGNORED_DLIO_KEYS)) {
    const parts = path.split('.');
    const leaf = parts[parts.length - 1] as string;
    let parent: unknown = raw;
    for (const p of parts.slice(0, -1)) parent = isMap(parent) ? parent[p] : undefined;
    if (!isMap(parent) || !(leaf in parent)) continue;
    notices.push(`${path} is a DLIO key pqbench ignores (${why})`);
    if (!KEPT_INFORMATIONAL.has(path)) delete parent[leaf];
  }
}

/** Rewrites DLIO spellings in place and strips ignored keys. */
export function normalizeDlioKeys(raw: Raw): NormalizeResult {
  const notices: string[] = [];
  const issues: ConfigIssue[] = [];
  renameSpellings(raw, notices);
  checkGeneratedCount(raw, notices);
  foldStdev(raw.train, 'computation_time', 'train.computation_time', notices);
  foldStdev(raw.reader, 'preprocess_time', 'reader.preprocess_time', notices);
  moveOutputMetric(raw, issues);
  normalizeDlioStorage(raw, notices, issues);
  dropIgnored(raw, notices);
  return { notices, issues };
}

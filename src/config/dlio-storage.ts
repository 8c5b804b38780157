/**
 * DLIO's storage section and where the dataset lives, as the MLCommons fork
 * reads them (utils/config.py LoadConfig, storage/*):
 *
 * - `storage_options` is a pass-through dict for DLIO's storage libraries.
 *   Keys pqbench knows are validated by the schema; the fork's keys that
 *   shape a read map to pqbench (`prefetch_workers` → reader.gets_per_worker,
 *   `prefetch_window` → reader.row_group_window, `columns` → the projection); `storage_library`/`uri_scheme` select the
 *   fork's I/O library and get one notice; any other key one notice each.
 * - `storage_type` parallel_fs and direct_fs are local paths: read as local_fs.
 * - `data_folder` is joined with `storage_root` as DLIO joins them: on a
 *   local file system with os.path.join (an absolute data_folder wins); on
 *   object storage and direct_fs as `<root>/<folder without leading '/'>`.
 */
import path from 'node:path';
import type { ConfigIssue } from '../errors.ts';
import { quote, showValue } from './quote.ts';
import { isMap, type Raw } from './raw.ts';
import { STORAGE_OPTION_KEYS } from './schema.ts';

const LOCAL_STORAGE_TYPES: Record<string, string> = {
  parallel_fs: 'a parallel file system mounted on this host',
  direct_fs: "DLIO's O_DIRECT reads through s3dlio; pqbench reads through the page cache",
};

/**
 * The fork's read knobs per DataLoader worker (file and S3 iterables) and the
 * reader key each maps to: its thread pool (`prefetch` is s3dlio's alias) and
 * its sliding window of row groups.
 */
const PREFETCH_KEYS: Record<string, { key: string; what: string; max: number }> = {
  prefetch_workers: { key: 'gets_per_worker', what: 'GETs in flight per loader worker', max: 1024 },
  prefetch: { key: 'gets_per_worker', what: 'GETs in flight per loader worker', max: 1024 },
  prefetch_window: { key: 'row_group_window', what: 'row groups in flight per loader worker', max: 4096 },
};
const LIBRARY_KEYS = ['storage_library', 'uri_scheme'];

function section(raw: Raw, key: string): Raw | undefined {
  const value = raw[key];
  return isMap(value) ? value : undefined;
}

/** parallel_fs / direct_fs → local_fs, with one notice; returns the type DLIO was given. */
function mapStorageType(storage: Raw, notices: string[]): unknown {
  const given = storage.storage_type;
  if (typeof given === 'string' && given in LOCAL_STORAGE_TYPES) {
    storage.storage_type = 'local_fs';
    notices.push(`storage.storage_type ${given} is read as local_fs (${LOCAL_STORAGE_TYPES[given]})`);
  }
  return given;
}

/** storage.storage_library and storage.s3_force_path_style: the fork and mlpstorage put them beside storage_options. */
function liftStorageKeys(storage: Raw, options: Raw, notices: string[]): void {
  if ('storage_library' in storage) {
    if (!('storage_library' in options)) options.storage_library = storage.storage_library;
    delete storage.storage_library;
  }
  if ('s3_force_path_style' in storage) {
    if (!('s3_force_path_style' in options)) options.s3_force_path_style = storage.s3_force_path_style;
    delete storage.s3_force_path_style;
  }
  if ('post_generation_settle_seconds' in storage) {
    delete storage.post_generation_settle_seconds;
    notices.push(
      'storage.post_generation_settle_seconds is a DLIO key pqbench ignores (objects are complete when written)',
    );
  }
}

function mapPrefetchKeys(raw: Raw, options: Raw, issues: ConfigIssue[]): void {
  for (const [key, to] of Object.entries(PREFETCH_KEYS)) {
    if (!(key in options)) continue;
    const value = options[key];
    delete options[key];
    if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= to.max)) {
      issues.push({
        path: `storage.storage_options.${key}`,
        message: `${showValue(value)} is not allowed; allowed: an integer 1..${to.max} (${to.what})`,
      });
      continue;
    }
    if (!isMap(raw.reader)) raw.reader = raw.reader ?? {};
    const reader = raw.reader as Raw;
    if (!(to.key in reader)) reader[to.key] = value;
  }
}

function columnName(column: unknown): unknown {
  if (typeof column === 'string') return column;
  return isMap(column) ? (column.name ?? 'data') : undefined;
}

/** storage_options.columns: the names to read (null = all), as the fork's s3dlio reader projects. */
function mapColumns(raw: Raw, options: Raw, issues: ConfigIssue[]): void {
  if (!('columns' in options)) return;
  const names = options.columns;
  delete options.columns;
  if (names === null) return;
  const where = 'storage.storage_options.columns';
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    issues.push({ path: where, message: `${showValue(names)} is not a list of column names` });
    return;
  }
  const parquet = section(section(raw, 'dataset') ?? {}, 'parquet');
  const columns = Array.isArray(parquet?.columns) ? parquet.columns : [];
  const known = columns.length > 0 ? columns.map(columnName) : ['data'];
  names.forEach((name, i) => {
    if (!known.includes(name)) {
      issues.push({
        path: `${where}[${i}]`,
        message: `${quote(String(name))} is not a column; columns: ${known.join(', ')}`,
      });
    }
  });
  if (!parquet || columns.length === 0) return;
  parquet.columns = columns.map((c) => {
    const spec = typeof c === 'string' ? { name: c } : c;
    return isMap(spec) ? { ...spec, read: names.includes(columnName(spec) as string) } : c;
  });
}

/** Every other storage option: DLIO hands them to its library; pqbench says once that it does not. */
function noticeForeignOptions(options: Raw, notices: string[]): void {
  const library = LIBRARY_KEYS.filter((k) => k in options);
  if (library.length > 0) {
    const given = library.map((k) => `${k}=${String(options[k])}`).join(', ');
    notices.push(
      `storage.storage_options ${given}: DLIO's I/O library choice; pqbench reads with its own local and S3 clients`,
    );
  }
  for (const key of library) delete options[key];
  const foreign = Object.keys(options).filter((key) => !STORAGE_OPTION_KEYS.includes(key));
  for (const key of foreign) delete options[key];
  // Never named: this mapping holds credentials, and a secret pasted as a key would be printed.
  if (foreign.length > 0) {
    notices.push(
      `storage.storage_options has ${foreign.length === 1 ? '1 key' : `${foreign.length} keys`} pqbench does not use ` +
        `(DLIO storage-library options; not named, as this mapping holds credentials; pqbench reads ${STORAGE_OPTION_KEYS.join(', ')})`,
    );
  }
}

/**
 * An absolute data_folder as DLIO resolves it. Local: os.path.join(root,
 * folder) is the folder itself, so the folder becomes relative to the root
 * when it lies inside it, else the root. Object storage and direct_fs:
 * `<scheme>://<root>/<folder.lstrip('/')>`.
 */
function joinDataFolder(storage: Raw | undefined, dataset: Raw, givenType: unknown): void {
  const folder = dataset.data_folder;
  if (typeof folder !== 'string' || !folder.startsWith('/')) return;
  const type = givenType ?? 'local_fs';
  if (type === 's3' || type === 'direct_fs') {
    dataset.data_folder = folder.replace(/^\/+/, '');
    return;
  }
  const root = typeof storage?.storage_root === 'string' ? storage.storage_root : './';
  const relative = path.relative(path.resolve(root), folder);
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    dataset.data_folder = relative;
    return;
  }
  const target = storage ?? {};
  target.storage_root = folder;
  dataset.data_folder = '';
}

export function normalizeDlioStorage(raw: Raw, notices: string[], issues: ConfigIssue[]): void {
  const storage = section(raw, 'storage');
  let givenType: unknown;
  if (storage) {
    givenType = mapStorageType(storage, notices);
    if (!isMap(storage.storage_options)) storage.storage_options = storage.storage_options ?? {};
    const options = storage.storage_options;
    if (isMap(options)) {
      liftStorageKeys(storage, options, notices);
      mapPrefetchKeys(raw, options, issues);
      mapColumns(raw, options, issues);
      noticeForeignOptions(options, notices);
    }
  }
  const dataset = section(raw, 'dataset');
  if (dataset) {
    if (!storage && typeof dataset.data_folder === 'string' && dataset.data_folder.startsWith('/')) {
      raw.storage = {};
    }
    joinDataFolder(section(raw, 'storage'), dataset, givenType);
  }
}

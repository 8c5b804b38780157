/**
 * The dataset manifest `<data_folder>/_pqbench.json` (SPEC §2): the config
 * fields that define the bytes of the dataset, the generator version and the
 * seed. Readers compare it with their config (`compareManifest`) and stop on
 * a difference instead of measuring the wrong data.
 *
 * The `fingerprint` (a hash of the definition) is also written into every
 * object's footer key-value metadata, which is what lets `generate` skip an
 * existing object without trusting the manifest (see shard.ts).
 */
import { createHash } from 'node:crypto';
import type { ColumnSpec, Workload } from '../config/types.ts';
import { ManifestMismatchError, StorageError } from '../errors.ts';
import { describeKey } from '../storage/keys.ts';
import type { Storage } from '../storage/types.ts';
import type { DatasetDefinition, DatasetPlan, ManifestColumn } from './types.ts';

/**
 * Bump when the bytes generated for the same config change (value scheme,
 * page layout, metadata): old datasets are then regenerated, not reused.
 */
export const GENERATOR_VERSION = 1;
export const MANIFEST_FORMAT = 'pqbench-dataset/1';

/** Footer key-value metadata keys written into every object. */
export const FOOTER_KEYS = {
  fingerprint: 'pqbench.fingerprint',
  generatorVersion: 'pqbench.generator_version',
} as const;

export interface DatasetManifest {
  format: typeof MANIFEST_FORMAT;
  generator: { name: 'pqbench'; version: number };
  /** ISO 8601. */
  created: string;
  fingerprint: string;
  dataset: DatasetDefinition;
}

/**
 * The manifest's `dataset` section for a workload: every config field that
 * defines the dataset's bytes and names. `read` only affects readers, so it is
 * not part of the data's identity.
 */
export function datasetDefinition(
  d: Workload['dataset'],
  columns: ColumnSpec[],
  seed: number,
): DatasetDefinition {
  const p = d.parquet;
  return {
    format: 'parquet',
    num_files_train: d.num_files_train,
    num_files_eval: d.num_files_eval,
    num_subfolders_train: d.num_subfolders_train,
    num_subfolders_eval: d.num_subfolders_eval,
    file_prefix: d.file_prefix,
    num_samples_per_file: d.num_samples_per_file,
    record_length_bytes: d.record_length_bytes,
    record_length_bytes_stdev: d.record_length_bytes_stdev,
    compression: d.compression,
    compression_level: d.compression_level,
    row_group_size: p.row_group_size,
    page_size: p.page_size,
    generation_batch_size: p.generation_batch_size,
    vector_layout: p.vector_layout,
    partition_by: p.partition_by,
    // Only when on: datasets written before the option keep their fingerprint.
    ...(p.use_dictionary
      ? { use_dictionary: true, dictionary_pagesize_limit: p.dictionary_pagesize_limit }
      : {}),
    columns: columns.map(({ name, dtype, size, cardinality }) =>
      cardinality === undefined ? { name, dtype, size } : { name, dtype, size, cardinality },
    ),
    seed,
  };
}

/** Hash of the definition + generator version: equal fingerprints mean equal bytes. */
export function datasetFingerprint(definition: DatasetDefinition): string {
  const canonical = JSON.stringify({ generator: GENERATOR_VERSION, dataset: definition });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

export function buildManifest(dataset: DatasetPlan, created: Date = new Date()): DatasetManifest {
  return {
    format: MANIFEST_FORMAT,
    generator: { name: 'pqbench', version: GENERATOR_VERSION },
    created: created.toISOString(),
    fingerprint: dataset.fingerprint,
    dataset: dataset.definition,
  };
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

function describeColumn(c: ManifestColumn | undefined): string {
  if (!c) return '(absent)';
  return `${c.dtype}${c.size !== 1 ? `[${c.size}]` : ''}${c.cardinality !== undefined ? ` cardinality ${c.cardinality}` : ''}`;
}

/**
 * Differences between a dataset's manifest and a workload, one readable line
 * each ("dataset.num_files_train: dataset has 1024, config has 512"); empty
 * when the workload describes exactly this dataset.
 */
export function compareManifest(manifest: DatasetManifest, dataset: DatasetPlan): string[] {
  const diffs: string[] = [];
  if (manifest.generator?.version !== GENERATOR_VERSION) {
    diffs.push(
      `generator version: dataset has ${show(manifest.generator?.version)}, this pqbench writes ${GENERATOR_VERSION}`,
    );
  }
  const want = dataset.definition;
  const have = (manifest.dataset ?? {}) as Partial<DatasetDefinition>;
  for (const key of Object.keys(want) as (keyof DatasetDefinition)[]) {
    if (key === 'columns') continue;
    if (JSON.stringify(have[key]) !== JSON.stringify(want[key])) {
      diffs.push(`${key}: dataset has ${show(have[key])}, config has ${show(want[key])}`);
    }
  }
  const haveCols = new Map((have.columns ?? []).map((c) => [c.name, c]));
  const wantCols = new Map(want.columns.map((c) => [c.name, c]));
  for (const [name, c] of wantCols) {
    const h = haveCols.get(name);
    if (!h)
      diffs.push(
        `column ${name}: not in the dataset (dataset has ${[...haveCols.keys()].join(', ') || 'none'})`,
      );
    else if (describeColumn(h) !== describeColumn(c)) {
      diffs.push(`column ${name}: dataset has ${describeColumn(h)}, config has ${describeColumn(c)}`);
    }
  }
  for (const name of haveCols.keys()) {
    if (!wantCols.has(name)) diffs.push(`column ${name}: in the dataset but not in the config`);
  }
  const order = (cols: ManifestColumn[]) => cols.map((c) => c.name).join(',');
  if (diffs.length === 0 && order(have.columns ?? []) !== order(want.columns)) {
    diffs.push(`column order: dataset has ${order(have.columns ?? [])}, config has ${order(want.columns)}`);
  }
  return diffs;
}

/** Throws ManifestMismatchError naming every difference; for readers. */
export function assertManifestMatches(manifest: DatasetManifest, dataset: DatasetPlan, where: string): void {
  const diffs = compareManifest(manifest, dataset);
  if (diffs.length > 0) {
    throw new ManifestMismatchError(
      `${where}: the dataset was generated with a different config: ${diffs.join('; ')} ` +
        '(regenerate with `pqbench generate --force`, or fix the workload)',
    );
  }
}

/** The dataset's manifest, or undefined when there is none. */
export async function readManifest(
  storage: Storage,
  dataset: DatasetPlan,
): Promise<DatasetManifest | undefined> {
  const key = dataset.layout.manifestKey;
  let body: Uint8Array;
  try {
    body = (await storage.get(key)).body;
  } catch (e) {
    // A folder where the manifest goes (local disk) is not "no manifest": the dataset would pass as foreign.
    if (e instanceof StorageError && e.kind === 'not_found' && e.code === 'EISDIR') {
      throw new ManifestMismatchError(
        `${describeKey(storage.location, key)}: is a folder, not a dataset manifest (remove it, then run \`pqbench generate\`)`,
      );
    }
    if (e instanceof StorageError && e.kind === 'not_found') return undefined;
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new ManifestMismatchError(
      `${describeKey(storage.location, key)}: dataset manifest is not valid JSON`,
    );
  }
  const m = parsed as Partial<DatasetManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== MANIFEST_FORMAT || typeof m.dataset !== 'object') {
    throw new ManifestMismatchError(
      `${describeKey(storage.location, key)}: not a pqbench dataset manifest (expected format ${MANIFEST_FORMAT})`,
    );
  }
  return m as DatasetManifest;
}

export async function writeManifest(
  storage: Storage,
  dataset: DatasetPlan,
  manifest: DatasetManifest,
): Promise<void> {
  const body = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  await storage.put(dataset.layout.manifestKey, body);
}

/**
 * Before generating: whether the dataset's manifest already describes this
 * config. A stale or unreadable manifest (or any manifest under `force`) is
 * deleted before any object is replaced, so a half-regenerated dataset never
 * carries a manifest that vouches for it. Used by local runs and the cloud plan.
 */
export async function prepareManifestForGenerate(
  dataset: DatasetPlan,
  storage: Storage,
  force: boolean,
): Promise<boolean> {
  let matches = false;
  try {
    const existing = await readManifest(storage, dataset);
    if (existing === undefined) return false;
    matches = compareManifest(existing, dataset).length === 0;
  } catch (e) {
    if (!(e instanceof ManifestMismatchError)) throw e;
  }
  if (!matches || force) await storage.deleteMany([dataset.layout.manifestKey]);
  return matches && !force;
}

/**
 * After every object was generated: records the manifest unless the one found
 * before generating already vouched for this dataset (`prepareManifestForGenerate`
 * returned true). Returns whether it wrote one. Local runs and the cloud
 * schedule step both end generation here.
 */
export async function recordManifestAfterGenerate(
  dataset: DatasetPlan,
  storage: Storage,
  manifestCurrent: boolean,
): Promise<boolean> {
  if (manifestCurrent) return false;
  await writeManifest(storage, dataset, buildManifest(dataset));
  return true;
}

/**
 * Before training: throws ManifestMismatchError when the manifest disagrees
 * with the config; a dataset without a manifest is read as a foreign one
 * (returned as a notice). Used by local runs and the cloud schedule step.
 */
export async function checkDatasetManifest(dataset: DatasetPlan, storage: Storage): Promise<string[]> {
  const where = describeKey(storage.location, dataset.layout.manifestKey);
  const manifest = await readManifest(storage, dataset);
  if (manifest === undefined) {
    return [
      `no pqbench manifest at ${where}: reading the dataset as a foreign one ` +
        '(its schema is still checked against the config file by file)',
    ];
  }
  assertManifestMatches(manifest, dataset, where);
  return [];
}

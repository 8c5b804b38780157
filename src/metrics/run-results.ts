/**
 * Reading a run's results directory back (`pqbench report`, `pqbench
 * compare`) — a local directory or an `s3://` folder, through the storage
 * backends (a FIFO at a file's name is refused, not waited on):
 * summary.json, the per-epoch figures, timeseries.json and config.yaml. Runs written by older versions read too: summary.json of
 * schema 2 (ISO `start`, pqbench's list in per_epoch_stats.json), no
 * timeseries.json, no config.yaml — what is missing is null, never invented.
 */
import { basename, resolve } from 'node:path';
import type { S3Options } from '../config/types.ts';
import { StorageError, UsageError } from '../errors.ts';
import { isS3Url, locationS3Options } from '../storage/endpoint.ts';
import { describeKey } from '../storage/keys.ts';
import { LocalStorage } from '../storage/local.ts';
import { openStorage } from '../storage/open.ts';
import { parseS3Root } from '../storage/s3-location.ts';
import type { Storage } from '../storage/types.ts';
import type { Distribution } from './distribution.ts';
import { GENERATE_FILE, type GenerateJson } from './generate-results.ts';
import type { HostsReport } from './hosts-file.ts';
import { RESULT_FILES, type ResultFile } from './results.ts';
import type { EpochStats, RunSummaryJson } from './summary.ts';
import type { TimeSeriesFile } from './timeseries-file.ts';

export interface LoadedRun {
  /** The results directory as given. */
  dir: string;
  /** summary.json's pqbench keys, `start`/`end` as ISO instants whatever the schema. */
  summary: RunSummaryJson;
  epochs: EpochStats[];
  timeseries: TimeSeriesFile | null;
  /** The resolved workload (credentials removed), as the run wrote it. */
  configYaml: string | null;
  /** The write phase when the run generated its dataset (generate.json beside its results). */
  generate: GenerateJson | null;
  /** A multi-host run's ranks (hosts.json). */
  hosts: HostsReport | null;
  /** A cloud run's readers (cloud.json), the parts report.html shows. */
  cloud: CloudView | null;
}

/** What report.html reads of cloud.json (schema_version 2, src/cloud/report.ts; docs/results.md §6). */
export interface CloudView {
  readers: number;
  readers_reported: number;
  accelerators: number;
  ranks_per_host: number;
  cold_starts: { readers: number; generators: number };
  reader_init_ms: Distribution;
  reader_wait_for_start_ms: Distribution;
  reader_late_ms: Distribution;
  readers_late: number;
  overlap: {
    duration_s: number;
    readers: number;
    samples_per_second: number | null;
    MB_per_second: number | null;
    share_of_samples: number | null;
    late_readers: number;
  };
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The sections the report and compare read; a file without them is not a pqbench summary. */
const REQUIRED_SECTIONS = ['metric', 'steps', 'io', 'requests', 'latency', 'cost'] as const;

function summaryOf(raw: unknown, path: string): RunSummaryJson {
  if (!isObject(raw) || raw.tool !== 'pqbench') {
    throw new UsageError(`${path} is not a pqbench summary (no "tool": "pqbench")`);
  }
  const missing = REQUIRED_SECTIONS.filter((k) => !isObject(raw[k]));
  if (missing.length > 0) throw new UsageError(`${path} lacks ${missing.join(', ')}: not a pqbench summary`);
  // Schema 3 keeps DLIO's local-time `start`/`end` and the ISO instants as start_utc/end_utc.
  const start = typeof raw.start_utc === 'string' ? raw.start_utc : raw.start;
  const end = typeof raw.end_utc === 'string' ? raw.end_utc : raw.end;
  return { ...(raw as unknown as RunSummaryJson), start: String(start), end: String(end) };
}

function epochsOf(epochStats: unknown, perEpochStats: unknown): EpochStats[] {
  if (Array.isArray(epochStats)) return epochStats as EpochStats[];
  // Schema 2 wrote pqbench's list as per_epoch_stats.json (now DLIO's layout, an object).
  if (Array.isArray(perEpochStats)) return perEpochStats as EpochStats[];
  return [];
}

function timeseriesOf(raw: unknown): TimeSeriesFile | null {
  if (!isObject(raw) || !isObject(raw.columns) || typeof raw.interval_ms !== 'number') return null;
  return raw as unknown as TimeSeriesFile;
}

/** A result file that has the section the report reads, else null (an older or foreign file). */
function fileWith<T>(raw: unknown, section: string): T | null {
  return isObject(raw) && section in raw ? (raw as T) : null;
}

/** A results folder as a Storage: a local directory, or `s3://bucket/prefix` (endpoint: storage/endpoint.ts). */
export function openResultsFolder(dir: string, s3?: S3Options): Storage {
  if (!isS3Url(dir)) return new LocalStorage(dir);
  const { bucket, prefix } = parseS3Root(dir);
  return openStorage({
    storage_type: 's3',
    storage_root: `${bucket}/${prefix}`,
    storage_options: s3 ?? locationS3Options(),
  });
}

/** A file of a results folder, or null when there is none (a folder at its name, a FIFO: storage errors). */
async function readOptional(storage: Storage, name: string): Promise<string | null> {
  try {
    return new TextDecoder().decode((await storage.get(name)).body);
  } catch (e) {
    if (e instanceof StorageError && e.kind === 'not_found' && e.code !== 'EISDIR') return null;
    throw e;
  }
}

/** A run from its result files' texts (`text(name)` null when the file is absent). */
async function runFrom(
  dir: string,
  where: (name: string) => string,
  text: (name: string) => Promise<string | null>,
): Promise<LoadedRun> {
  const summaryText = await text(RESULT_FILES.summary);
  if (summaryText === null) {
    throw new UsageError(
      `${dir} is not a pqbench results directory: no ${RESULT_FILES.summary} (give <output.folder>/<run-id>)`,
    );
  }
  const optionalJson = async (name: string) => {
    const body = await text(name);
    return body === null ? null : parseJson(body, where(name));
  };
  return {
    dir,
    summary: summaryOf(parseJson(summaryText, where(RESULT_FILES.summary)), where(RESULT_FILES.summary)),
    epochs: epochsOf(
      await optionalJson(RESULT_FILES.epochStats),
      await optionalJson(RESULT_FILES.perEpochStats),
    ),
    timeseries: timeseriesOf(await optionalJson(RESULT_FILES.timeseries)),
    configYaml: await text(RESULT_FILES.config),
    generate: fileWith<GenerateJson>(await optionalJson(GENERATE_FILE), 'write_phase'),
    hosts: fileWith<HostsReport>(await optionalJson('hosts.json'), 'hosts'),
    cloud: fileWith<CloudView>(await optionalJson('cloud.json'), 'overlap'),
  };
}

/**
 * Reads one results directory (`<output.folder>/<run-id>`): a local
 * directory, or an `s3://bucket/prefix/<run-id>` folder (`s3`: its options,
 * default locationS3Options()).
 */
export async function readRunResults(dir: string, s3?: S3Options): Promise<LoadedRun> {
  const storage = openResultsFolder(dir, s3);
  try {
    return await runFrom(
      dir,
      (name) => describeKey(storage.location, name),
      (name) => readOptional(storage, name),
    );
  } finally {
    await storage.close();
  }
}

/** A run from the files just rendered for it (rank 0 draws report.html before its files are read back). */
export function runFromFiles(dir: string, files: readonly ResultFile[]): Promise<LoadedRun> {
  return runFrom(
    dir,
    (name) => `${dir}/${name}`,
    async (name) => files.find((f) => f.name === name)?.body ?? null,
  );
}

/** A short name for a run in tables and legends: its run id, else its directory's name. */
export function runLabel(run: LoadedRun): string {
  return run.summary.run_id || basename(resolve(run.dir));
}

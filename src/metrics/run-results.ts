/**
 * Reading a run's results directory back (`pqbench report`, `pqbench
 * compare`): summary.json, the per-epoch figures, timeseries.json and
 * config.yaml. Runs written by older versions read too: summary.json of
 * schema 2 (ISO `start`, pqbench's list in per_epoch_stats.json), no
 * timeseries.json, no config.yaml — what is missing is null, never invented.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { RESULT_FILES } from './results.ts';
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
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
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

/** Reads one results directory (`<output.folder>/<run-id>`). */
export async function readRunResults(dir: string): Promise<LoadedRun> {
  const summaryPath = join(dir, RESULT_FILES.summary);
  const summaryText = await readOptional(summaryPath);
  if (summaryText === null) {
    throw new UsageError(
      `${dir} is not a pqbench results directory: no ${RESULT_FILES.summary} (give <output.folder>/<run-id>)`,
    );
  }
  const optionalJson = async (name: string) => {
    const path = join(dir, name);
    const text = await readOptional(path);
    return text === null ? null : parseJson(text, path);
  };
  return {
    dir,
    summary: summaryOf(parseJson(summaryText, summaryPath), summaryPath),
    epochs: epochsOf(
      await optionalJson(RESULT_FILES.epochStats),
      await optionalJson(RESULT_FILES.perEpochStats),
    ),
    timeseries: timeseriesOf(await optionalJson(RESULT_FILES.timeseries)),
    configYaml: await readOptional(join(dir, RESULT_FILES.config)),
  };
}

/** A short name for a run in tables and legends: its run id, else its directory's name. */
export function runLabel(run: LoadedRun): string {
  return run.summary.run_id || basename(resolve(run.dir));
}

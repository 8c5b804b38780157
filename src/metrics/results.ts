/**
 * Run results on disk: `<output.folder>/<run-id>/` (or a directory given
 * outright, as DLIO's hydra.run.dir) with summary.json (DLIO's keys and
 * pqbench's), per_epoch_stats.json (DLIO's layout), epoch_stats.json
 * (pqbench's per-epoch figures), timeseries.json, the resolved config.yaml
 * and (optionally) requests.csv; report.html is drawn from them (src/report/). Rendering is pure so the cloud aggregator can put the same
 * bodies into the bucket.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { redactWorkload, workloadToYaml } from '../config/load.ts';
import type { Workload } from '../config/types.ts';
import { ConfigError } from '../errors.ts';
import { ERRNO_DETAIL, errnoCode, mkdirFailure, mkdirShared } from '../storage/local-fs.ts';
import { dlioPerEpochStats, type HostFacts, readHostFacts, summaryFileJson } from './dlio-summary.ts';
import type { RunSummary } from './summary.ts';
import { timeSeriesJson } from './timeseries-file.ts';

/** The result file names. per_epoch_stats.json is DLIO's layout; pqbench's richer list has its own name. */
export const RESULT_FILES = {
  summary: 'summary.json',
  perEpochStats: 'per_epoch_stats.json',
  epochStats: 'epoch_stats.json',
  config: 'config.yaml',
  timeseries: 'timeseries.json',
} as const;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * `sha256:<hex>` of the resolved workload with credentials and the output
 * section removed (where results go does not change what was measured).
 */
export function configHash(w: Workload): string {
  const { output: _output, ...measured } = redactWorkload(w);
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(canonical(measured)))
    .digest('hex')}`;
}

/** `20250102T030405Z-<workload>-<6 hex>`: sorts by time, unique across concurrent runs. */
export function makeRunId(w: Workload, at: Date = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const name = w.model.name.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'run';
  return `${stamp}-${name}-${randomBytes(3).toString('hex')}`;
}

export interface ResultFile {
  name: string;
  body: string;
}

/**
 * A fraction to 12 significant digits: what the measurement can carry, and
 * no float noise (0.000025600000000000002) in the files. Integers stay whole.
 */
export const roundForJson = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)
    ? Number(value.toPrecision(12))
    : value;

/** A result file's JSON text, numbers rounded by roundForJson. */
export const resultJson = (value: unknown) => `${JSON.stringify(value, roundForJson, 2)}\n`;

/** summary.json's text, as renderRunResults writes it. */
export function summaryFileText(run: RunSummary, hosts: HostFacts[]): string {
  return resultJson(summaryFileJson(run.summary, hosts));
}

/**
 * The result files of a run; `configYaml` is the resolved workload without
 * credentials (workloadToYaml), `hosts` the facts of the hosts that ran the
 * accelerators for DLIO's host_* keys (none known: empty lists, as a cloud run).
 */
export function renderRunResults(run: RunSummary, configYaml: string, hosts: HostFacts[] = []): ResultFile[] {
  return [
    { name: RESULT_FILES.summary, body: summaryFileText(run, hosts) },
    { name: RESULT_FILES.perEpochStats, body: resultJson(dlioPerEpochStats(run.perEpoch)) },
    { name: RESULT_FILES.epochStats, body: resultJson(run.perEpoch) },
    { name: RESULT_FILES.config, body: configYaml },
    ...(run.timeseries ? [{ name: RESULT_FILES.timeseries, body: timeSeriesJson(run.timeseries) }] : []),
  ];
}

/** Where a run's results go and what identifies its configuration. */
export interface RunOutput {
  runId: string;
  /** `<output.folder>/<run-id>` */
  dir: string;
  /** The resolved workload as YAML, credentials removed. */
  configYaml: string;
  configHash: string;
  /** output.requests_csv */
  requestsCsv: boolean;
}

/**
 * Where a run's results go: `<output.folder>/<run-id>`, or `dir` outright
 * (DLIO's hydra.run.dir, which DLIO writes straight into).
 */
export function runOutput(w: Workload, runId: string = makeRunId(w), dir?: string): RunOutput {
  return {
    runId,
    dir: dir ?? join(w.output.folder, runId),
    configYaml: workloadToYaml(w),
    configHash: configHash(w),
    requestsCsv: w.output.requests_csv,
  };
}

/**
 * Writes the rendered files into `dir` (created); returns their paths. A
 * local run's accelerators ran on this machine, whose facts DLIO's host_*
 * keys report unless `hosts` says otherwise.
 */
export async function writeRunResults(
  dir: string,
  run: RunSummary,
  configYaml: string,
  hosts: HostFacts[] = [readHostFacts()],
): Promise<string[]> {
  const paths: string[] = [];
  for (const file of renderRunResults(run, configYaml, hosts)) {
    const path = join(dir, file.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomically(path, file.body);
    paths.push(path);
  }
  return paths;
}

/** A result file is whole or absent: a full disk must not leave a 0-byte summary.json. */
export async function writeFileAtomically(path: string, body: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temp, body);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Why a results folder cannot be written, in words: the storage's errno wording, or a file in its way. */
function outputProblem(error: unknown): string {
  const code = errnoCode(error) ?? '';
  if (code === 'EEXIST' || code === 'ENOTDIR') return 'a file is in the way (a folder is needed)';
  return ERRNO_DETAIL[code] ?? (error as Error).message;
}

/**
 * Creates the results folder and proves it writable before any work (SPEC
 * §8): a run must not train for an hour and then fail to write its results.
 * A probe file of a few KB is written and removed, so a full disk shows too;
 * the folders it made are removed again, so a run that fails later leaves
 * no empty results folder.
 */
export async function prepareOutputDir(dir: string): Promise<void> {
  const probe = join(dir, `.pqbench-probe-${process.pid}`);
  let created: string | undefined;
  try {
    created = await mkdirShared(dir).catch(async (e: unknown) => Promise.reject(await mkdirFailure(dir, e)));
    await writeFile(probe, Buffer.alloc(64 * 1024));
  } catch (error) {
    const problem = outputProblem(error);
    throw new ConfigError([{ path: 'output.folder', message: `cannot write results to ${dir}: ${problem}` }]);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
    if (created) await removeEmptyUpTo(resolve(dir), resolve(created));
  }
}

/** rmdir from `dir` up to `top`, stopping at the first folder that is not empty (another run's). */
async function removeEmptyUpTo(dir: string, top: string): Promise<void> {
  for (let d = dir; d.startsWith(top); d = dirname(d)) {
    if (
      !(await rmdir(d).then(
        () => true,
        () => false,
      ))
    )
      return;
    if (d === top) return;
  }
}

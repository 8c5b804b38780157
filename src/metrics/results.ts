/**
 * Run results on disk: `<output.folder>/<run-id>/` with summary.json,
 * per_epoch_stats.json, the resolved config.yaml and (optionally)
 * requests.csv. Rendering is pure so the cloud aggregator can put the same
 * bodies into the bucket.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { redactWorkload, workloadToYaml } from '../config/load.ts';
import type { Workload } from '../config/types.ts';
import type { RunSummary } from './summary.ts';

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

/** The result files of a run; `configYaml` is the resolved workload without credentials (workloadToYaml). */
export function renderRunResults(run: RunSummary, configYaml: string): ResultFile[] {
  return [
    { name: 'summary.json', body: `${JSON.stringify(run.summary, null, 2)}\n` },
    { name: 'per_epoch_stats.json', body: `${JSON.stringify(run.perEpoch, null, 2)}\n` },
    { name: 'config.yaml', body: configYaml },
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

export function runOutput(w: Workload, runId: string = makeRunId(w)): RunOutput {
  return {
    runId,
    dir: join(w.output.folder, runId),
    configYaml: workloadToYaml(w),
    configHash: configHash(w),
    requestsCsv: w.output.requests_csv,
  };
}

/** Writes the rendered files into `dir` (created); returns their paths. */
export async function writeRunResults(dir: string, run: RunSummary, configYaml: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const file of renderRunResults(run, configYaml)) {
    const path = join(dir, file.name);
    await writeFile(path, file.body);
    paths.push(path);
  }
  return paths;
}

/**
 * What `pqbench compare` takes as a column: a run's results folder; a folder
 * of runs (repeats of one configuration, e.g. an output.folder the same
 * workload ran into three times); or a sweep's folder, whose every point is
 * a column of its repeats.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { S3Options } from '../config/types.ts';
import { UsageError } from '../errors.ts';
import { isS3Url } from '../storage/endpoint.ts';
import type { RunGroup } from './compare.ts';
import { RESULT_FILES } from './results.ts';
import { readRunResults, runLabel } from './run-results.ts';
import { SWEEP_FILE, type SweepJson } from './sweep.ts';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function sweepGroups(dir: string): Promise<RunGroup[]> {
  let sweep: SweepJson;
  try {
    sweep = JSON.parse(await readFile(join(dir, SWEEP_FILE), 'utf8')) as SweepJson;
  } catch (e) {
    throw new UsageError(`${join(dir, SWEEP_FILE)} is not a readable sweep: ${(e as Error).message}`);
  }
  const groups: RunGroup[] = [];
  for (const point of sweep.points ?? []) {
    if (point.repeats.length === 0) continue;
    const runs = [];
    for (const r of point.repeats) runs.push(await readRunResults(join(dir, r.dir)));
    groups.push({ label: point.label, dir: join(dir, 'runs'), runs });
  }
  if (groups.length === 0)
    throw new UsageError(`sweep ${sweep.sweep_id} in ${dir} has no finished point yet`);
  return groups;
}

/**
 * The column(s) a folder gives: a run, a sweep's points, or the runs in it as
 * one column. An s3:// location is one run's folder (`s3`: its options).
 */
export async function readRunGroups(dir: string, s3?: S3Options): Promise<RunGroup[]> {
  if (isS3Url(dir)) {
    const run = await readRunResults(dir, s3);
    return [{ label: runLabel(run), dir, runs: [run] }];
  }
  if (await exists(join(dir, RESULT_FILES.summary))) {
    const run = await readRunResults(dir);
    return [{ label: runLabel(run), dir, runs: [run] }];
  }
  if (await exists(join(dir, SWEEP_FILE))) return sweepGroups(dir);
  let entries: string[] = [];
  try {
    entries = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    // Not a folder: the error below says what a column is.
  }
  const runs = [];
  for (const name of entries)
    if (await exists(join(dir, name, RESULT_FILES.summary))) runs.push(await readRunResults(join(dir, name)));
  if (runs.length === 0)
    throw new UsageError(
      `${dir} is not a pqbench results directory: no ${RESULT_FILES.summary}, no ${SWEEP_FILE} and no run folders in it (give <output.folder>/<run-id>, a folder of runs, or a sweep's folder)`,
    );
  return [{ label: basename(resolve(dir)), dir, runs }];
}

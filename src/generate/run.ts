/**
 * A local generate run: plan shards, run them through the local executor,
 * then record the manifest. `pqbench generate` and `pqbench run` both call
 * `runGenerate`.
 *
 * Manifest protocol (dataset/manifest.ts, shared with the cloud plan step):
 * a manifest that does not describe this dataset is deleted *before* any
 * object is replaced, and a new one is written only after every shard
 * succeeded — so a manifest never vouches for a half-rewritten dataset.
 */

import { prepareManifestForGenerate, recordManifestAfterGenerate } from '../dataset/manifest.ts';
import type { RunPlan } from '../dataset/types.ts';
import { threadModuleUrl } from '../entries.ts';
import { runLocally, threadsUsed } from '../exec/local.ts';
import { resolveWorkers } from '../exec/pool.ts';
import { type ProgressSnapshot, ProgressTotals } from '../exec/progress.ts';
import type { Storage } from '../storage/types.ts';
import type { ObjectFaults } from './object.ts';
import { type GenerateProgress, type GenerateShardResult, generateShard } from './shard.ts';
import type { GenerateShardTaskArgs } from './shard-task.ts';
import { planGenerateShards } from './shards.ts';

export interface GenerateRunOptions {
  force?: boolean;
  /** Worker threads; default `run.workers`. With 1, shards run in this thread on `storage`. */
  workers?: number;
  signal?: AbortSignal;
  /** Aggregated progress over all shards (files done of total, bytes written). */
  onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Test-only fault injection, passed to every shard. */
  faults?: ObjectFaults;
}

/** The shards' counters summed (seconds is the run's wall time), plus run-level facts. */
export interface GenerateRunResult extends Omit<GenerateShardResult, 'shard'> {
  /** bytesWritten / seconds in 10^6 bytes per second. */
  mbPerSecond: number;
  workers: number;
  shards: number;
  manifestKey: string;
  /** False when an identical manifest was already there (nothing to record). */
  manifestWritten: boolean;
}

const SHARD_TASK_MODULE = { moduleUrl: threadModuleUrl('generate-shard'), exportName: 'generateShardTask' };

export async function runGenerate(
  plan: RunPlan,
  storage: Storage,
  options: GenerateRunOptions = {},
): Promise<GenerateRunResult> {
  const started = performance.now();
  const { dataset } = plan;
  const force = options.force ?? false;
  const manifestCurrent = await prepareManifestForGenerate(dataset, storage, force);
  const workers = options.workers ?? resolveWorkers(plan.workers);
  const shards = planGenerateShards(dataset.layout, workers);
  const filesTotal = dataset.layout.splits.train.numFiles + dataset.layout.splits.eval.numFiles;
  const totals = new ProgressTotals<GenerateProgress>(
    (p) => p.shard,
    filesTotal,
    (p) => ({ done: p.filesDone, bytes: p.bytesWritten }),
  );
  const args: GenerateShardTaskArgs[] = shards.map((shard) => ({
    plan,
    shard,
    force,
    faults: options.faults,
  }));
  const results = await runLocally<GenerateShardTaskArgs, GenerateShardResult>(
    {
      module: SHARD_TASK_MODULE,
      inThread: (a, ctx) =>
        generateShard(a.plan, a.shard, storage, {
          force: a.force,
          signal: ctx.signal,
          faults: a.faults,
          onProgress: ctx.progress,
        }),
    },
    args,
    {
      workers,
      signal: options.signal,
      onProgress: (_, payload) => options.onProgress?.(totals.update(payload as GenerateProgress)),
    },
  );
  const manifestWritten = await recordManifestAfterGenerate(dataset, storage, manifestCurrent);
  return summarize(results, {
    seconds: (performance.now() - started) / 1000,
    files: filesTotal,
    workers: threadsUsed(workers, shards.length),
    shards: shards.length,
    manifestKey: dataset.layout.manifestKey,
    manifestWritten,
  });
}

type RunLevel = Pick<
  GenerateRunResult,
  'seconds' | 'files' | 'workers' | 'shards' | 'manifestKey' | 'manifestWritten'
>;

function summarize(results: GenerateShardResult[], run: RunLevel): GenerateRunResult {
  const sum = (pick: (r: GenerateShardResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const bytesWritten = sum((r) => r.bytesWritten);
  return {
    ...run,
    filesWritten: sum((r) => r.filesWritten),
    filesSkipped: sum((r) => r.filesSkipped),
    objectsWritten: sum((r) => r.objectsWritten),
    objectsSkipped: sum((r) => r.objectsSkipped),
    bytesWritten,
    parts: sum((r) => r.parts),
    mbPerSecond: run.seconds > 0 ? bytesWritten / 1e6 / run.seconds : 0,
  };
}

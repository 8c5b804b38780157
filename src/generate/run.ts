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

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { prepareManifestForGenerate, recordManifestAfterGenerate } from '../dataset/manifest.ts';
import type { RunPlan } from '../dataset/types.ts';
import { threadModuleUrl } from '../entries.ts';
import { runLocally, threadsUsed } from '../exec/local.ts';
import { resolveWorkers } from '../exec/pool.ts';
import { type ProgressSnapshot, ProgressTotals } from '../exec/progress.ts';
import { interruptionOf, interruptSignalOr } from '../exec/signals.ts';
import { mergePhaseParts, type PhasePart } from '../metrics/phase.ts';
import type { CleanupResult, Storage } from '../storage/types.ts';
import { interruptedGenerate } from './interrupted.ts';
import { cleanDatasetLeftovers, NOTHING_CLEANED } from './leftovers.ts';
import type { ObjectFaults } from './object.ts';
import { type GenerateProgress, type GenerateShardResult, generateShard } from './shard.ts';
import type { GenerateShardTaskArgs } from './shard-task.ts';
import { planGenerateShards, rankShards, shardFileCount } from './shards.ts';

export interface GenerateRunOptions {
  force?: boolean;
  /** Worker threads; default `run.workers`. With 1, shards run in this thread on `storage`. */
  workers?: number;
  /** Stops the run (default: the command's SIGINT/SIGTERM, exec/signals.ts). */
  signal?: AbortSignal;
  /** Aggregated progress over all shards (files done of total, bytes written). */
  onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Test-only fault injection, passed to every shard. */
  faults?: ObjectFaults;
  /** Leftovers of interrupted writes begun before this are cleaned first; default: this process's start. */
  leftoversBefore?: Date;
  /**
   * Multi-host: generate only this launcher rank's share of the files (split
   * again over the workers) and leave the manifest to rank 0, which records it
   * once every rank is done (generate/multihost.ts).
   */
  share?: { rank: number; world: number };
}

/** The shards' counters summed (seconds is the run's wall time), plus run-level facts. */
export interface GenerateRunResult extends Omit<GenerateShardResult, 'shard' | 'phase'> {
  /** Every shard's requests merged: the write phase (generate.json). */
  phase: PhasePart;
  /** bytesWritten / seconds in 10^6 bytes per second. */
  mbPerSecond: number;
  workers: number;
  shards: number;
  manifestKey: string;
  /** False when an identical manifest was already there (nothing to record). */
  manifestWritten: boolean;
  /** Leftovers of earlier interrupted writes removed before writing. */
  cleaned: CleanupResult;
}

const SHARD_TASK_MODULE = { moduleUrl: threadModuleUrl('generate-shard'), exportName: 'generateShardTask' };

/**
 * DLIO's initialize lists <data_folder>/valid/ even with evaluation off (and
 * fails without it): on a local disk the empty folder is made. Object storage
 * has no folders — an empty prefix lists as empty, which DLIO takes.
 */
async function makeEmptyEvalFolder(plan: RunPlan, storage: Storage): Promise<void> {
  const evalSplit = plan.dataset.layout.splits.eval;
  if (storage.kind !== 'local_fs' || evalSplit.numFiles > 0) return;
  await mkdir(path.join(storage.location, evalSplit.prefix), { recursive: true });
}

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
  const share = options.share;
  const cleaned = share
    ? NOTHING_CLEANED
    : await cleanDatasetLeftovers(
        plan.dataset.layout,
        storage,
        options.leftoversBefore ?? new Date(performance.timeOrigin),
      );
  const shards = share
    ? rankShards(dataset.layout, share.rank, share.world, workers)
    : planGenerateShards(dataset.layout, workers);
  const filesTotal = shards.reduce((n, s) => n + shardFileCount(s), 0);
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
  const signal = interruptSignalOr(options.signal);
  const latest = new Map<number, GenerateProgress>();
  const onProgress = (_: number, payload: unknown) => {
    const p = payload as GenerateProgress;
    latest.set(p.shard, p);
    options.onProgress?.(totals.update(p));
  };
  let results: GenerateShardResult[];
  try {
    results = await runLocally<GenerateShardTaskArgs, GenerateShardResult>(
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
      { workers, signal, onProgress },
    );
  } catch (error) {
    const interruption = interruptionOf(signal);
    if (!interruption) throw error;
    throw await interruptedGenerate(interruption, plan, storage, {
      progress: [...latest.values()],
      files: filesTotal,
      // Another rank's live upload looks like a leftover: only a single-process run sweeps.
      sweep: share === undefined,
    });
  }
  const manifestWritten = share
    ? false
    : await recordManifestAfterGenerate(dataset, storage, manifestCurrent);
  await makeEmptyEvalFolder(plan, storage);
  return summarize(results, {
    seconds: (performance.now() - started) / 1000,
    files: filesTotal,
    workers: threadsUsed(workers, shards.length),
    shards: shards.length,
    manifestKey: dataset.layout.manifestKey,
    manifestWritten,
    cleaned,
  });
}

type RunLevel = Pick<
  GenerateRunResult,
  'seconds' | 'files' | 'workers' | 'shards' | 'manifestKey' | 'manifestWritten' | 'cleaned'
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
    requests: sum((r) => r.requests),
    retries: sum((r) => r.retries),
    mbPerSecond: run.seconds > 0 ? bytesWritten / 1e6 / run.seconds : 0,
    phase: mergePhaseParts(results.flatMap((r) => (r.phase ? [r.phase] : []))),
  };
}

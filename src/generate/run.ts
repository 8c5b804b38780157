/**
 * A local generate run: plan shards, run them on worker threads (or in this
 * thread for one worker), aggregate progress, then write the manifest.
 * `pqbench generate` and `pqbench run` both call `runGenerate`.
 *
 * Manifest protocol: a manifest that does not describe this config is deleted
 * *before* any object is replaced, and the new one is written only after every
 * shard succeeded — so a manifest never vouches for a half-rewritten dataset.
 */
import type { Workload } from '../config/types.ts';
import { manifestKey } from '../dataset/layout.ts';
import { buildManifest, prepareManifestForGenerate, writeManifest } from '../dataset/manifest.ts';
import { runShardsOnWorkers } from '../exec/pool.ts';
import type { ProgressSnapshot } from '../exec/progress.ts';
import { type GenerateShard, planGenerateShards, resolveWorkers } from '../exec/shards.ts';
import type { Storage } from '../storage/types.ts';
import type { ObjectFaults } from './object.ts';
import { type GenerateProgress, type GenerateShardResult, generateShard } from './shard.ts';
import type { GenerateShardTaskArgs } from './shard-task.ts';

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

const SHARD_TASK = {
  moduleUrl: new URL('./shard-task.ts', import.meta.url).href,
  exportName: 'generateShardTask',
};

export async function runGenerate(
  w: Workload,
  storage: Storage,
  options: GenerateRunOptions = {},
): Promise<GenerateRunResult> {
  const started = performance.now();
  const force = options.force ?? false;
  const manifestCurrent = await prepareManifestForGenerate(w, storage, force);
  const workers = options.workers ?? resolveWorkers(w.run.workers);
  const plan: GenerateShard[] = planGenerateShards(w, workers);
  const filesTotal = w.dataset.num_files_train + w.dataset.num_files_eval;

  const latest = new Map<number, GenerateProgress>();
  const onShardProgress = (p: GenerateProgress) => {
    latest.set(p.shard, p);
    if (!options.onProgress) return;
    let done = 0;
    let bytes = 0;
    for (const s of latest.values()) {
      done += s.filesDone;
      bytes += s.bytesWritten;
    }
    options.onProgress({ done, total: filesTotal, bytes });
  };

  let results: GenerateShardResult[];
  if (workers <= 1 || plan.length <= 1) {
    results = [];
    for (const shard of plan) {
      results.push(
        await generateShard(w, shard, storage, {
          force,
          signal: options.signal,
          faults: options.faults,
          onProgress: onShardProgress,
        }),
      );
    }
  } else {
    const args: GenerateShardTaskArgs[] = plan.map((shard) => ({
      workload: w,
      shard,
      force,
      faults: options.faults,
    }));
    results = await runShardsOnWorkers<GenerateShardTaskArgs, GenerateShardResult>(SHARD_TASK, args, {
      workers,
      signal: options.signal,
      onProgress: (_, payload) => onShardProgress(payload as GenerateProgress),
    });
  }

  const sum = (pick: (r: GenerateShardResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const objectsWritten = sum((r) => r.objectsWritten);
  let manifestWritten = false;
  if (!manifestCurrent || objectsWritten > 0) {
    await writeManifest(storage, w, buildManifest(w));
    manifestWritten = true;
  }
  const seconds = (performance.now() - started) / 1000;
  const bytesWritten = sum((r) => r.bytesWritten);
  return {
    files: filesTotal,
    filesWritten: sum((r) => r.filesWritten),
    filesSkipped: sum((r) => r.filesSkipped),
    objectsWritten,
    objectsSkipped: sum((r) => r.objectsSkipped),
    bytesWritten,
    parts: sum((r) => r.parts),
    seconds,
    mbPerSecond: seconds > 0 ? bytesWritten / 1e6 / seconds : 0,
    workers: Math.min(workers, Math.max(plan.length, 1)),
    shards: plan.length,
    manifestKey: manifestKey(w),
    manifestWritten,
  };
}

/**
 * A local training run (`pqbench train`, and the train half of `pqbench run`):
 * check the dataset manifest, run every accelerator shard — in this thread, or
 * on worker threads in groups so all accelerators start together — merge the
 * partials exactly as the cloud aggregator does, and write the results.
 */
import { mkdir } from 'node:fs/promises';
import { freemem } from 'node:os';
import type { Workload } from '../config/types.ts';
import { datasetLayout } from '../dataset/layout.ts';
import { checkDatasetManifest } from '../dataset/manifest.ts';
import { runShardsOnWorkers } from '../exec/pool.ts';
import { resolveWorkers } from '../exec/shards.ts';
import type { PriceTable } from '../metrics/cost.ts';
import { mergePartials } from '../metrics/merge.ts';
import { pageCacheWarning } from '../metrics/pagecache.ts';
import type { AcceleratorPartial } from '../metrics/partial.ts';
import { configHash, joinRequestsCsv, makeRunId, runDirectory, writeRunResults } from '../metrics/results.ts';
import type { RunSummary } from '../metrics/summary.ts';
import { openStorage } from '../storage/open.ts';
import type { Storage } from '../storage/types.ts';
import { drawRandomSeed } from './schedule.ts';
import type { ShardProgress } from './shard.ts';
import { type AcceleratorGroupArgs, requestsCsvPart, runAcceleratorGroup } from './shard-task.ts';

export interface TrainProgress {
  /** Samples delivered so far over all accelerators and epochs, of `total` expected. */
  samples: number;
  total: number;
  bytes: number;
}

export interface TrainRunOptions {
  /** Notices to carry into summary.json (e.g. the config loader's). */
  notices?: string[];
  prices?: Partial<PriceTable>;
  /** Threads; default run.workers. 1 = everything in this thread. */
  workers?: number;
  runId?: string;
  onProgress?: (p: TrainProgress) => void;
  /** Called with each notice as soon as it is known (page cache, missing manifest). */
  onNotice?: (notice: string) => void;
  signal?: AbortSignal;
}

export interface TrainRunResult {
  runId: string;
  dir: string;
  run: RunSummary;
  files: string[];
  workers: number;
}

const TASK = {
  moduleUrl: new URL('./shard-task.ts', import.meta.url).href,
  exportName: 'acceleratorGroupTask',
};
/** Worker threads need about a second to load tsx and the modules; shards wait for this common start. */
const WORKER_START_MS = 2000;

async function localDatasetBytes(w: Workload, storage: Storage): Promise<number> {
  let bytes = 0;
  for await (const entry of storage.list(`${datasetLayout(w).splits.train.prefix}/`))
    bytes += Math.max(0, entry.size);
  return bytes;
}

function expectedSamples(w: Workload): number {
  const perEpoch = w.dataset.num_files_train * w.dataset.num_samples_per_file;
  const capped =
    w.train.total_training_steps > 0
      ? Math.min(perEpoch, w.train.total_training_steps * w.reader.batch_size * w.run.accelerators)
      : perEpoch;
  return capped * w.train.epochs;
}

export async function runTraining(w: Workload, options: TrainRunOptions = {}): Promise<TrainRunResult> {
  const notices = [...(options.notices ?? [])];
  const notice = (text: string) => {
    notices.push(text);
    options.onNotice?.(text);
  };
  const storage = openStorage(w.storage);
  try {
    for (const n of await checkDatasetManifest(w, storage)) notice(n);
    if (w.storage.storage_type === 'local_fs') {
      const warning = pageCacheWarning(
        'local_fs',
        await localDatasetBytes(w, storage),
        freemem(),
        w.train.epochs,
      );
      if (warning) notice(warning);
    }
  } finally {
    await storage.close();
  }

  const runId = options.runId ?? makeRunId(w);
  const dir = runDirectory(w, runId);
  const needsRandom = w.reader.file_shuffle === 'random' || w.reader.sample_shuffle === 'random';
  const randomSeed = needsRandom ? drawRandomSeed() : null;
  const accelerators = w.run.accelerators;
  const workers = Math.min(accelerators, options.workers ?? resolveWorkers(w.run.workers));
  const groups: number[][] = Array.from({ length: workers }, () => []);
  for (let k = 0; k < accelerators; k++) groups[k % workers].push(k);
  const startAt = workers > 1 ? Date.now() + WORKER_START_MS : undefined;
  const requestsCsvDir = w.output.requests_csv ? dir : undefined;
  if (requestsCsvDir) await mkdir(requestsCsvDir, { recursive: true });
  const argsList: AcceleratorGroupArgs[] = groups.map((group) => ({
    workload: w,
    accelerators: group,
    randomSeed,
    startAt,
    requestsCsvDir,
  }));

  const total = expectedSamples(w);
  const latest = new Map<number, ShardProgress>();
  const report = (p: ShardProgress) => {
    latest.set(p.accelerator, p);
    let samples = 0;
    let bytes = 0;
    for (const q of latest.values()) {
      samples += q.samples;
      bytes += q.bytes;
    }
    options.onProgress?.({ samples, total, bytes });
  };

  let partials: AcceleratorPartial[];
  if (workers <= 1) {
    partials = await runAcceleratorGroup(argsList[0], report, options.signal);
  } else {
    const results = await runShardsOnWorkers<AcceleratorGroupArgs, AcceleratorPartial[]>(TASK, argsList, {
      workers,
      signal: options.signal,
      onProgress: (_task, payload) => report(payload as ShardProgress),
    });
    partials = results.flat();
  }

  const run = mergePartials(w, partials, {
    runId,
    configHash: configHash(w),
    prices: options.prices,
    notices,
  });
  const files = await writeRunResults(dir, run, w);
  if (requestsCsvDir) {
    const path = `${dir}/requests.csv`;
    await joinRequestsCsv(
      path,
      Array.from({ length: accelerators }, (_, k) => requestsCsvPart(requestsCsvDir, k)),
    );
    files.push(path);
  }
  return { runId, dir, run, files, workers };
}

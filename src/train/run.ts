/**
 * A local training run (`pqbench train`, and the train half of `pqbench run`):
 * check the dataset manifest, run every accelerator shard through the local
 * executor — in this thread, or on worker threads in groups so all
 * accelerators start together — merge the partials exactly as the cloud
 * aggregator does, and write the results.
 */
import { mkdir } from 'node:fs/promises';
import { freemem } from 'node:os';
import { checkDatasetManifest } from '../dataset/manifest.ts';
import type { RunPlan } from '../dataset/types.ts';
import { threadModuleUrl } from '../entries.ts';
import { runLocally } from '../exec/local.ts';
import { resolveWorkers } from '../exec/pool.ts';
import { ProgressTotals } from '../exec/progress.ts';
import type { PriceTable } from '../metrics/cost.ts';
import { mergePartials } from '../metrics/merge.ts';
import { pageCacheWarning } from '../metrics/pagecache.ts';
import type { AcceleratorPartial } from '../metrics/partial.ts';
import { joinRequestsCsv, type RunOutput, writeRunResults } from '../metrics/results.ts';
import type { RunSummary } from '../metrics/summary.ts';
import { openStorage } from '../storage/open.ts';
import type { Storage } from '../storage/types.ts';
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

const TASK_MODULE = { moduleUrl: threadModuleUrl('accelerator-group'), exportName: 'acceleratorGroupTask' };
/** Worker threads need about a second to load tsx and the modules; shards wait for this common start. */
const WORKER_START_MS = 2000;

async function localDatasetBytes(plan: RunPlan, storage: Storage): Promise<number> {
  let bytes = 0;
  for await (const entry of storage.list(`${plan.dataset.layout.splits.train.prefix}/`))
    bytes += Math.max(0, entry.size);
  return bytes;
}

/** What a reader of the numbers must know before the run starts: a foreign dataset, the page cache. */
async function preflightNotices(plan: RunPlan): Promise<string[]> {
  const storage = openStorage(plan.storage);
  try {
    const notices = await checkDatasetManifest(plan.dataset, storage);
    if (plan.storage.storage_type === 'local_fs') {
      const bytes = await localDatasetBytes(plan, storage);
      const warning = pageCacheWarning('local_fs', bytes, freemem(), plan.training.epochs);
      if (warning) notices.push(warning);
    }
    return notices;
  } finally {
    await storage.close();
  }
}

function expectedSamples(plan: RunPlan): number {
  const { training, loader } = plan;
  const perEpoch = plan.facts.numFilesTrain * plan.dataset.samplesPerFile;
  const capped =
    training.totalTrainingSteps > 0
      ? Math.min(perEpoch, training.totalTrainingSteps * loader.batchSize * training.accelerators)
      : perEpoch;
  return capped * training.epochs;
}

/** Accelerators dealt round-robin over the threads. */
function acceleratorGroups(accelerators: number, workers: number): number[][] {
  const groups: number[][] = Array.from({ length: workers }, () => []);
  for (let k = 0; k < accelerators; k++) groups[k % workers].push(k);
  return groups;
}

export async function runTraining(
  plan: RunPlan,
  output: RunOutput,
  options: TrainRunOptions = {},
): Promise<TrainRunResult> {
  const notices = [...(options.notices ?? [])];
  for (const notice of await preflightNotices(plan)) {
    notices.push(notice);
    options.onNotice?.(notice);
  }
  const accelerators = plan.training.accelerators;
  const workers = Math.min(accelerators, options.workers ?? resolveWorkers(plan.workers));
  const startAt = workers > 1 ? Date.now() + WORKER_START_MS : undefined;
  const requestsCsvDir = output.requestsCsv ? output.dir : undefined;
  if (requestsCsvDir) await mkdir(requestsCsvDir, { recursive: true });
  const argsList: AcceleratorGroupArgs[] = acceleratorGroups(accelerators, workers).map((group) => ({
    plan,
    accelerators: group,
    startAt,
    requestsCsvDir,
  }));
  const totals = new ProgressTotals<ShardProgress>(
    (p) => p.accelerator,
    expectedSamples(plan),
    (p) => ({ done: p.samples, bytes: p.bytes }),
  );
  const groups = await runLocally<AcceleratorGroupArgs, AcceleratorPartial[]>(
    { module: TASK_MODULE, inThread: (a, ctx) => runAcceleratorGroup(a, ctx.progress, ctx.signal) },
    argsList,
    {
      workers,
      signal: options.signal,
      onProgress: (_, payload) => {
        const snapshot = totals.update(payload as ShardProgress);
        options.onProgress?.({ samples: snapshot.done, total: snapshot.total, bytes: snapshot.bytes });
      },
    },
  );
  const run = mergePartials(plan, groups.flat(), {
    runId: output.runId,
    configHash: output.configHash,
    prices: options.prices,
    notices,
  });
  const files = await writeRunResults(output.dir, run, output.configYaml);
  if (requestsCsvDir) {
    const path = `${output.dir}/requests.csv`;
    const parts = Array.from({ length: accelerators }, (_, k) => requestsCsvPart(requestsCsvDir, k));
    await joinRequestsCsv(path, parts);
    files.push(path);
  }
  return { runId: output.runId, dir: output.dir, run, files, workers };
}

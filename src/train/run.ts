/**
 * A local training run (`pqbench train`, and the train half of `pqbench run`):
 * check the dataset manifest, run every accelerator on this host (each on its
 * own thread with its loader threads, all starting together), merge the
 * partials exactly as the cloud aggregator does, and write the results.
 * Under a launcher, each process runs its share instead: multihost.ts.
 */
import { mkdir } from 'node:fs/promises';
import { freemem } from 'node:os';
import { checkDatasetManifest } from '../dataset/manifest.ts';
import type { RunPlan } from '../dataset/types.ts';
import { ConfigError, InterruptedError } from '../errors.ts';
import { interruptionOf, interruptSignalOr } from '../exec/signals.ts';
import type { PriceTable } from '../metrics/cost.ts';
import { mergePartials } from '../metrics/merge.ts';
import { pageCacheWarning } from '../metrics/pagecache.ts';
import { joinRequestsCsv } from '../metrics/requests-csv.ts';
import { prepareOutputDir, type RunOutput, writeRunResults } from '../metrics/results.ts';
import type { RunSummary } from '../metrics/summary.ts';
import { writeRunReport } from '../report/write.ts';
import { openStorage } from '../storage/open.ts';
import type { Storage } from '../storage/types.ts';
import { requestsCsvPart, runHost } from './host.ts';
import { rankEpoch } from './schedule.ts';

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
  /** Threads the run used: an accelerator thread and read_threads loader threads per accelerator. */
  threads: number;
}

async function localDatasetBytes(plan: RunPlan, storage: Storage): Promise<number> {
  let bytes = 0;
  for await (const entry of storage.list(`${plan.dataset.layout.splits.train.prefix}/`))
    bytes += Math.max(0, entry.size);
  return bytes;
}

/** What a reader of the numbers must know before the run starts. */
export interface Preflight {
  /** A foreign dataset, the page cache, … */
  notices: string[];
  /** The page-cache warning (also among the notices): it makes the verdict a warning. */
  pageCache: string | null;
}

/**
 * Checks the dataset and, on local disk, whether the page cache may serve
 * it. Every rank of a multi-host run checks its own host (train/multihost.ts).
 */
export async function preflight(plan: RunPlan): Promise<Preflight> {
  const storage = openStorage(plan.storage);
  try {
    const notices = await checkDatasetManifest(plan.dataset, storage);
    let pageCache: string | null = null;
    if (plan.storage.storage_type === 'local_fs') {
      const bytes = await localDatasetBytes(plan, storage);
      pageCache = pageCacheWarning('local_fs', bytes, freemem(), plan.training.epochs);
      if (pageCache) notices.push(pageCache);
    }
    return { notices, pageCache };
  } finally {
    await storage.close();
  }
}

/** Samples the run delivers: every accelerator's kept steps, every epoch. */
function expectedSamples(plan: RunPlan): number {
  const { steps, batchSize } = rankEpoch(plan, 0, 0);
  return steps * batchSize * plan.training.accelerators * plan.training.epochs;
}

/** DLIO's drop_last: an accelerator with fewer samples than a batch would run no step at all. */
export function assertStepsToRun(plan: RunPlan): void {
  const rank = rankEpoch(plan, 0, 0);
  if (rank.steps > 0) return;
  throw new ConfigError([
    {
      path: 'reader.batch_size',
      message: `${rank.batchSize} is more than the ${rank.samplesPerRank} samples each of the ${rank.ranks} accelerator(s) gets per epoch: no step would run`,
    },
  ]);
}

export async function runTraining(
  plan: RunPlan,
  output: RunOutput,
  options: TrainRunOptions = {},
): Promise<TrainRunResult> {
  assertStepsToRun(plan);
  await prepareOutputDir(output.dir);
  const notices = [...(options.notices ?? [])];
  const checked = await preflight(plan);
  for (const notice of checked.notices) {
    notices.push(notice);
    options.onNotice?.(notice);
  }
  const accelerators = Array.from({ length: plan.training.accelerators }, (_, k) => k);
  const requestsCsvDir = output.requestsCsv ? output.dir : undefined;
  if (requestsCsvDir) await mkdir(requestsCsvDir, { recursive: true });
  const total = expectedSamples(plan);
  const signal = interruptSignalOr(options.signal);
  const host = await runHost(plan, accelerators, {
    requestsCsvDir,
    signal,
    onProgress: (samples, bytes) => options.onProgress?.({ samples, total, bytes }),
  });
  const interruption = host.stoppedAfter === undefined ? undefined : interruptionOf(signal);
  if (interruption) {
    const of = `${host.stoppedAfter} of ${plan.training.epochs} epochs completed`;
    if (host.stoppedAfter === 0)
      throw new InterruptedError(interruption.signalName, `${of}: no results written`);
    notices.push(
      `interrupted by ${interruption.signalName}: ${of}; the results hold the completed epochs only`,
    );
  }
  const run = mergePartials(plan, host.partials, {
    runId: output.runId,
    configHash: output.configHash,
    prices: options.prices,
    notices,
    pageCache: checked.pageCache,
  });
  const files = await writeRunResults(output.dir, run, output.configYaml);
  files.push(await writeRunReport(output.dir));
  if (requestsCsvDir) {
    const path = `${output.dir}/requests.csv`;
    const workers = Math.max(1, plan.loader.readThreads);
    const parts = accelerators.flatMap((k) =>
      Array.from({ length: workers }, (_, w) => requestsCsvPart(requestsCsvDir, k, w)),
    );
    await joinRequestsCsv(path, parts);
    files.push(path);
  }
  if (interruption)
    throw new InterruptedError(
      interruption.signalName,
      `${host.stoppedAfter} of ${plan.training.epochs} epochs completed; their results written to ${output.dir}`,
    );
  return { runId: output.runId, dir: output.dir, run, files, threads: host.threads };
}

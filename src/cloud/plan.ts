/**
 * The cloud run as data (SPEC §7): the workload as the Lambdas run it, the
 * plan step's work lists, and what travels inline in the Step Functions state
 * versus through S3. Pure: the steps and the CLI do the I/O.
 *
 * Inline (bounded, independent of the workload's size): the plan output, each
 * map item after ItemSelector, each child's tiny return value, the aggregate's
 * result. Through S3: the work lists (S3 item reader), the children's partial
 * metrics (written by the handlers), the maps' collected results (result writer).
 */

import { encodedRowBytes } from '../config/dtypes.ts';
import type { Workload } from '../config/types.ts';
import type { DatasetPlan, RunPlan } from '../dataset/types.ts';
import { ConfigError } from '../errors.ts';
import { type GenerateShard, planGenerateShards } from '../generate/shards.ts';
import type { ReadItem, ReadStart, WorkLists } from './events.ts';
import { CLOUD_PREFIX, runKeys } from './keys.ts';

/**
 * USD per GB-second of Lambda on arm64 (us-east-1 list price; the stack's
 * functions are ARM64, 20% below the x86 figure in the default price table).
 */
export const ARM64_LAMBDA_GB_SECOND_USD = 0.0000133334;

/** Where a cloud run's dataset lives: the stack bucket. */
export interface CloudTarget {
  bucket: string;
  region: string;
  /** Only for S3-compatible test servers; absent on AWS. */
  endpointUrl?: string;
}

/**
 * The workload as the Lambdas will run it: the dataset goes to the stack
 * bucket under datasets/ (the functions' IAM covers nothing else), and no
 * credentials travel — the functions use their execution roles.
 */
export function cloudWorkload(w: Workload, target: CloudTarget): { workload: Workload; notices: string[] } {
  const notices: string[] = [];
  const root = `${target.bucket}/${CLOUD_PREFIX.datasets.slice(0, -1)}`;
  if (w.storage.storage_type !== 's3' || w.storage.storage_root !== root) {
    notices.push(
      `notice: cloud runs keep the dataset in the stack bucket: storage ${w.storage.storage_type}:${w.storage.storage_root} replaced by s3:${root}`,
    );
  }
  const {
    access_key_id: _a,
    secret_access_key: _s,
    session_token: _t,
    endpoint_url: _e,
    ...options
  } = w.storage.storage_options;
  const storage_options = {
    ...options,
    region: target.region,
    s3_force_path_style: target.endpointUrl !== undefined,
    ...(target.endpointUrl !== undefined ? { endpoint_url: target.endpointUrl } : {}),
  };
  return {
    workload: { ...w, storage: { storage_type: 's3', storage_root: root, storage_options } },
    notices,
  };
}

/** Limits the plan step works within; the stack passes them as environment variables. */
export interface CloudPlanLimits {
  generateMaxConcurrency: number;
  readMaxConcurrency: number;
  generateBytesPerShard: number;
}

/** Uncompressed bytes of one row, as generated; a sizing estimate, not a measurement. */
export function estimatedRowBytes(dataset: DatasetPlan): number {
  const layout = dataset.format.vectorLayout;
  return dataset.columns.reduce((n, c) => n + encodedRowBytes(c, layout), 0);
}

/**
 * Enough generator invocations to use the allowed concurrency, and more when
 * the dataset is so large that each would write over `generateBytesPerShard`
 * (a Lambda stops at 15 minutes). Never more than one per file.
 */
export function generateShardCount(dataset: DatasetPlan, limits: CloudPlanLimits): number {
  const { splits } = dataset.layout;
  const files = splits.train.numFiles + splits.eval.numFiles;
  if (files === 0) return 0;
  const bytes = files * dataset.samplesPerFile * estimatedRowBytes(dataset);
  const bySize = Math.ceil(bytes / limits.generateBytesPerShard);
  return Math.min(files, Math.max(bySize, Math.min(files, limits.generateMaxConcurrency)));
}

export interface CloudPlan {
  lists: WorkLists;
  /** Written to `lists.generate.itemsKey` as a JSON array. */
  generateItems: GenerateShard[];
  /** Written to `lists.read.itemsKey` as a JSON array. */
  readItems: ReadItem[];
}

/**
 * The work lists of a run. Throws when the readers could not all run at once:
 * a reader queued behind `readMaxConcurrency` would miss the common start.
 */
export function planCloudRun(plan: RunPlan, runId: string, limits: CloudPlanLimits): CloudPlan {
  const keys = runKeys(runId);
  const accelerators = plan.workflow.train ? plan.training.accelerators : 0;
  if (accelerators > limits.readMaxConcurrency) {
    throw new ConfigError([
      {
        path: 'run.accelerators',
        message: `${accelerators} readers cannot start together: the stack allows ${limits.readMaxConcurrency} concurrent readers (redeploy with -c pqbench:readMaxConcurrency=${accelerators}, and check the account's Lambda concurrency quota)`,
      },
    ]);
  }
  const generateItems = plan.workflow.generateData
    ? planGenerateShards(plan.dataset.layout, generateShardCount(plan.dataset, limits))
    : [];
  const readItems = Array.from({ length: accelerators }, (_, accelerator) => ({ accelerator }));
  return {
    lists: {
      runId,
      configKey: keys.config,
      generate: { count: generateItems.length, itemsKey: keys.generateItems },
      read: { count: readItems.length, itemsKey: keys.readItems },
    },
    generateItems,
    readItems,
  };
}

/** The common start of the readers: now + the margin that covers their cold starts. */
export function scheduleReadStart(nowMs: number, marginMs: number): ReadStart {
  const startAt = Math.ceil(nowMs + marginMs);
  return { startAt, startAtIso: new Date(startAt).toISOString(), marginMs };
}

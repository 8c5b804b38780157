/**
 * The cloud run as data (SPEC §7): the workload as the Lambdas run it (stack
 * bucket, or the user's own, S3 Express One Zone included), the plan step's
 * work lists and its refusals, and what travels inline in the Step Functions
 * state versus through S3. Pure: the steps and the CLI do the I/O.
 *
 * Inline (bounded, independent of the workload's size): the plan output with
 * the run's config (a few KB), each map item or reader batch, each child's
 * small return value, the aggregate's result. Through S3: the work lists (S3
 * item reader), the children's partials and segments (written by the
 * handlers), the maps' collected results (result writer).
 */

import { encodedRowBytes } from '../config/dtypes.ts';
import type { Workload } from '../config/types.ts';
import type { DatasetPlan, RunPlan } from '../dataset/types.ts';
import { type GenerateShard, planGenerateShards } from '../generate/shards.ts';
import {
  type AccountConcurrency,
  epochComputeMs,
  epochFitIssues,
  invocationsPerReader,
  readerCapacityIssues,
  readerCount,
  refuse,
} from './capacity.ts';
import type { PlanOutput, ReadItem, ReadOptions, ReadStart, WorkLists } from './events.ts';
import { CLOUD_PREFIX, runKeys } from './keys.ts';

/**
 * USD per GB-second of Lambda on arm64 (us-east-1 list price; the stack's
 * functions are ARM64, 20% below the x86 figure in the default price table).
 */
export const ARM64_LAMBDA_GB_SECOND_USD = 0.0000133334;

/** The stack: its bucket and region. */
export interface CloudTarget {
  bucket: string;
  region: string;
  /** Only for S3-compatible test servers; absent on AWS. */
  endpointUrl?: string;
}

/** An S3 Express One Zone directory bucket name: `base-name--zone-id--x-s3` (S3 user guide, naming rules). */
const DIRECTORY_BUCKET = /^[a-z0-9][a-z0-9-]*[a-z0-9]--[a-z0-9]+(-[a-z0-9]+)*--x-s3$/;

export function isDirectoryBucket(bucket: string): boolean {
  return bucket.length >= 3 && bucket.length <= 63 && DIRECTORY_BUCKET.test(bucket);
}

/** The bucket of an s3 storage_root (`bucket`, `bucket/prefix`, `s3://bucket/prefix`). */
export function bucketOf(root: string): string {
  return root.replace(/^s3:\/\//, '').split('/')[0] ?? '';
}

export interface CloudWorkload {
  workload: Workload;
  notices: string[];
  /** The dataset's bucket: the stack's, or one the user owns. */
  dataBucket: string;
  /** The dataset is in an S3 Express One Zone directory bucket (its prices apply). */
  directoryBucket: boolean;
}

/** Where the dataset goes: `--bucket`, an AWS bucket the workload names, or the stack bucket's datasets/. */
function datasetRoot(
  w: Workload,
  target: CloudTarget,
  bucketFlag: string | undefined,
): { root: string; own: boolean } {
  if (bucketFlag !== undefined)
    return { root: bucketFlag.replace(/^s3:\/\//, '').replace(/\/+$/, ''), own: true };
  const { storage } = w;
  const aws = storage.storage_type === 's3' && storage.storage_options.endpoint_url === undefined;
  if (aws && bucketOf(storage.storage_root) !== target.bucket && storage.storage_root !== '') {
    return { root: storage.storage_root.replace(/^s3:\/\//, ''), own: true };
  }
  return { root: `${target.bucket}/${CLOUD_PREFIX.datasets.slice(0, -1)}`, own: false };
}

/**
 * The workload as the Lambdas will run it: the dataset in the stack bucket
 * under datasets/, or in the user's own bucket (`--bucket`, or an AWS bucket
 * the workload's storage_root names), which the stack must have been granted
 * (docs/cloud.md). No credentials travel: the functions use their roles.
 */
export function cloudWorkload(w: Workload, target: CloudTarget, bucketFlag?: string): CloudWorkload {
  const notices: string[] = [];
  const { root, own } = datasetRoot(w, target, bucketFlag);
  const dataBucket = bucketOf(root);
  const directoryBucket = isDirectoryBucket(dataBucket);
  if (!own && (w.storage.storage_type !== 's3' || w.storage.storage_root !== root)) {
    notices.push(
      `notice: cloud runs keep the dataset in the stack bucket: storage ${w.storage.storage_type}:${w.storage.storage_root} replaced by s3:${root}`,
    );
  }
  if (own) {
    notices.push(
      `notice: the dataset is in your bucket s3://${root}: the stack must be deployed with -c pqbench:dataBuckets=${dataBucket} (or its functions given the policy in docs/cloud.md), and the bucket must be in ${target.region}`,
    );
  }
  if (directoryBucket) {
    notices.push(
      `notice: ${dataBucket} is an S3 Express One Zone directory bucket: its request and data prices apply`,
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
    dataBucket,
    directoryBucket,
  };
}

/** Limits the plan step works within; the stack passes them as environment variables. */
export interface CloudPlanLimits {
  generateMaxConcurrency: number;
  readMaxConcurrency: number;
  generateBytesPerShard: number;
  /** The read function's timeout. */
  readTimeoutMs: number;
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
export function generateShardCount(
  dataset: DatasetPlan,
  limits: Pick<CloudPlanLimits, 'generateMaxConcurrency' | 'generateBytesPerShard'>,
): number {
  const { splits } = dataset.layout;
  const files = splits.train.numFiles + splits.eval.numFiles;
  if (files === 0) return 0;
  const bytes = files * dataset.samplesPerFile * estimatedRowBytes(dataset);
  const bySize = Math.ceil(bytes / limits.generateBytesPerShard);
  return Math.min(files, Math.max(bySize, Math.min(files, limits.generateMaxConcurrency)));
}

export interface CloudPlan {
  lists: WorkLists;
  capacity: PlanOutput['capacity'];
  /** Written to `lists.generate.itemsKey` as a JSON array. */
  generateItems: GenerateShard[];
  /** Written to `lists.read.itemsKey` as a JSON array. */
  readItems: ReadItem[];
}

/**
 * The work lists of a run. Refuses (ConfigError, saying what to change) a run
 * the account cannot host: readers that could not all start together (the
 * stack's map concurrency, the account's Lambda concurrency) or an epoch
 * longer than one reader invocation.
 */
export function planCloudRun(
  plan: RunPlan,
  runId: string,
  limits: CloudPlanLimits,
  read: ReadOptions,
  account: AccountConcurrency | null,
): CloudPlan {
  const keys = runKeys(runId);
  const accelerators = plan.workflow.train ? plan.training.accelerators : 0;
  if (accelerators > 0) {
    refuse([
      ...readerCapacityIssues({
        accelerators,
        ranksPerHost: read.ranksPerHost,
        stackMaxConcurrency: limits.readMaxConcurrency,
        account,
      }),
      ...epochFitIssues(plan, limits.readTimeoutMs),
    ]);
  }
  const generateItems = plan.workflow.generateData
    ? planGenerateShards(plan.dataset.layout, generateShardCount(plan.dataset, limits))
    : [];
  const readItems = Array.from({ length: accelerators }, (_, accelerator) => ({ accelerator }));
  const invocationMs = Math.min(limits.readTimeoutMs, read.invocationBudgetMs ?? Number.POSITIVE_INFINITY);
  return {
    lists: {
      runId,
      configKey: keys.config,
      generate: { count: generateItems.length, itemsKey: keys.generateItems },
      read: {
        count: readItems.length,
        itemsKey: keys.readItems,
        readers: readerCount(accelerators, read.ranksPerHost),
        ranksPerHost: read.ranksPerHost,
        warmup: read.warmup && accelerators > 0,
        budgetMs: read.invocationBudgetMs,
      },
    },
    capacity: {
      accountConcurrency: account ? (account.readerReserved ?? account.unreservedConcurrentExecutions) : null,
      epochComputeMs: accelerators > 0 ? epochComputeMs(plan) : 0,
      invocationsPerReader: accelerators > 0 ? invocationsPerReader(plan, invocationMs) : 0,
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

/**
 * The cloud run as data (SPEC §7): bucket key layout, the plan step's work
 * lists, and what travels inline in the Step Functions state versus through
 * S3. Pure: the Lambda handlers and the CLI do the I/O.
 *
 * Inline (bounded, independent of the workload's size): the plan output, each
 * map item after ItemSelector, each child's tiny return value, the aggregate's
 * result. Through S3: the work lists (S3 item reader), the children's partial
 * metrics (written by the handlers), the maps' collected results (result writer).
 */

import { encodedRowBytes } from '../config/dtypes.ts';
import { effectiveColumns } from '../config/load.ts';
import type { Workload } from '../config/types.ts';
import { ConfigError } from '../errors.ts';
import { type GenerateShard, planGenerateShards } from './shards.ts';

/** Step Functions' cap on any state's input or output, and on a task result. */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** Bucket prefixes; lifecycle rules and IAM policies are written against these. */
export const CLOUD_PREFIX = {
  datasets: 'datasets/',
  runs: 'runs/',
  results: 'results/',
} as const;

/**
 * USD per GB-second of Lambda on arm64 (us-east-1 list price; the stack's
 * functions are ARM64, 20% below the x86 figure in the default price table).
 */
export const ARM64_LAMBDA_GB_SECOND_USD = 0.0000133334;

/** CloudFormation output keys of the stack; `pqbench cloud` looks them up. */
export const STACK_OUTPUT = { bucketName: 'BucketName', stateMachineArn: 'StateMachineArn' } as const;

/** Where the maps' result writers put their manifests (under runs/, so it expires with run scratch). */
export const MAP_RESULTS_PREFIX = `${CLOUD_PREFIX.runs}map-results`;

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,159}$/;

export function assertRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new ConfigError([
      {
        path: 'run-id',
        message: `'${runId}' must be 1-160 characters of A-Z a-z 0-9 . _ - and start with a letter or digit`,
      },
    ]);
  }
}

const pad = (n: number) => String(n).padStart(6, '0');

export interface RunKeys {
  /** The resolved workload, uploaded by `pqbench cloud run` before the execution starts. */
  config: string;
  generateItems: string;
  readItems: string;
  generatePartial(shard: number): string;
  readPartial(accelerator: number): string;
}

export function runKeys(runId: string): RunKeys {
  assertRunId(runId);
  const base = `${CLOUD_PREFIX.runs}${runId}/`;
  return {
    config: `${base}config.yaml`,
    generateItems: `${base}work/generate.json`,
    readItems: `${base}work/read.json`,
    generatePartial: (shard) => `${base}partials/generate/shard-${pad(shard)}.json`,
    readPartial: (accelerator) => `${base}partials/read/accelerator-${pad(accelerator)}.json`,
  };
}

export interface ResultKeys {
  prefix: string;
  summary: string;
  perEpochStats: string;
  config: string;
  /** Cold starts, start skew and serverless usage: the cloud-only facts beside the summary. */
  cloud: string;
}

export function resultKeys(runId: string): ResultKeys {
  assertRunId(runId);
  const prefix = `${CLOUD_PREFIX.results}${runId}/`;
  return {
    prefix,
    summary: `${prefix}summary.json`,
    perEpochStats: `${prefix}per_epoch_stats.json`,
    config: `${prefix}config.yaml`,
    cloud: `${prefix}cloud.json`,
  };
}

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
export function estimatedRowBytes(w: Workload): number {
  const layout = w.dataset.parquet.vector_layout;
  return effectiveColumns(w).reduce((n, c) => n + encodedRowBytes(c, layout), 0);
}

/**
 * Enough generator invocations to use the allowed concurrency, and more when
 * the dataset is so large that each would write over `generateBytesPerShard`
 * (a Lambda stops at 15 minutes). Never more than one per file.
 */
export function generateShardCount(w: Workload, limits: CloudPlanLimits): number {
  const files = w.dataset.num_files_train + w.dataset.num_files_eval;
  if (files === 0) return 0;
  const bytes = files * w.dataset.num_samples_per_file * estimatedRowBytes(w);
  const bySize = Math.ceil(bytes / limits.generateBytesPerShard);
  return Math.min(files, Math.max(bySize, Math.min(files, limits.generateMaxConcurrency)));
}

/** One reader child: simulated accelerator `accelerator` for all epochs. */
export interface ReadItem {
  accelerator: number;
}

/** The Plan state's output: inline, a few hundred bytes whatever the workload. */
export interface PlanOutput {
  runId: string;
  configKey: string;
  generate: { count: number; itemsKey: string };
  read: { count: number; itemsKey: string };
}

export interface CloudPlan {
  output: PlanOutput;
  /** Written to `output.generate.itemsKey` as a JSON array. */
  generateItems: GenerateShard[];
  /** Written to `output.read.itemsKey` as a JSON array. */
  readItems: ReadItem[];
}

/**
 * The work lists of a run. Throws when the readers could not all run at once:
 * a reader queued behind `readMaxConcurrency` would miss the common start.
 */
export function planCloudRun(w: Workload, runId: string, limits: CloudPlanLimits): CloudPlan {
  const keys = runKeys(runId);
  const accelerators = w.workflow.train ? w.run.accelerators : 0;
  if (accelerators > limits.readMaxConcurrency) {
    throw new ConfigError([
      {
        path: 'run.accelerators',
        message: `${accelerators} readers cannot start together: the stack allows ${limits.readMaxConcurrency} concurrent readers (redeploy with -c pqbench:readMaxConcurrency=${accelerators}, and check the account's Lambda concurrency quota)`,
      },
    ]);
  }
  const generateItems = w.workflow.generate_data ? planGenerateShards(w, generateShardCount(w, limits)) : [];
  const readItems = Array.from({ length: accelerators }, (_, accelerator) => ({ accelerator }));
  return {
    output: {
      runId,
      configKey: keys.config,
      generate: { count: generateItems.length, itemsKey: keys.generateItems },
      read: { count: readItems.length, itemsKey: keys.readItems },
    },
    generateItems,
    readItems,
  };
}

/** The Schedule state's output: when every reader starts its measured window. */
export interface ScheduleOutput {
  /** ms since the epoch. */
  startAt: number;
  startAtIso: string;
  marginMs: number;
}

export function scheduleReadStart(nowMs: number, marginMs: number): ScheduleOutput {
  const startAt = Math.ceil(nowMs + marginMs);
  return { startAt, startAtIso: new Date(startAt).toISOString(), marginMs };
}

/** Bytes of a value as Step Functions counts them: UTF-8 JSON. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * The stack bucket's key layout and the limits of the state machine it
 * serves. The CDK app writes lifecycle rules and IAM policies against these
 * prefixes; the steps and the CLI read and write under them.
 */
import { ConfigError } from '../errors.ts';

/** Step Functions' cap on any state's input or output, and on a task result. */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** Bytes of a value as Step Functions counts them: UTF-8 JSON. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** Bucket prefixes; lifecycle rules and IAM policies are written against these. */
export const CLOUD_PREFIX = {
  datasets: 'datasets/',
  runs: 'runs/',
  results: 'results/',
} as const;

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

/**
 * Two hex digits from a number: the objects thousands of children write at the
 * same moment (partials) go under 256 prefixes instead of one, so S3 can
 * partition them instead of answering 503 SlowDown (SPEC §7, issue 13).
 */
export function spreadPrefix(n: number): string {
  let h = Math.imul(n ^ (n >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return ((h ^ (h >>> 16)) & 0xff).toString(16).padStart(2, '0');
}

export interface RunKeys {
  /** The resolved workload, uploaded by `pqbench cloud run` before the execution starts. */
  config: string;
  generateItems: string;
  readItems: string;
  generatePartial(shard: number): string;
  /** An accelerator's merged partial, written by its last reader invocation. */
  readPartial(accelerator: number): string;
  /** What invocation `segment` of an accelerator's reader measured (continued runs). */
  readSegment(accelerator: number, segment: number): string;
  /** The warm-up pass's usage record of a reader (keyed by its first accelerator). */
  warmupRecord(accelerator: number): string;
  /** Where the warm-up records are listed from. */
  warmupPrefix: string;
}

export function runKeys(runId: string): RunKeys {
  assertRunId(runId);
  const base = `${CLOUD_PREFIX.runs}${runId}/`;
  const spread = (n: number) => `${base}p/${spreadPrefix(n)}/`;
  return {
    config: `${base}config.yaml`,
    generateItems: `${base}work/generate.json`,
    readItems: `${base}work/read.json`,
    generatePartial: (shard) => `${spread(shard)}generate-${pad(shard)}.json`,
    readPartial: (accelerator) => `${spread(accelerator)}read-${pad(accelerator)}.json`,
    readSegment: (accelerator, segment) =>
      `${spread(accelerator)}read-${pad(accelerator)}.segment-${pad(segment)}.json`,
    warmupRecord: (accelerator) => `${base}warmup/${spreadPrefix(accelerator)}-${pad(accelerator)}.json`,
    warmupPrefix: `${base}warmup/`,
  };
}

export interface ResultKeys {
  prefix: string;
  summary: string;
  /** DLIO's per_epoch_stats layout. */
  perEpochStats: string;
  /** pqbench's per-epoch figures. */
  epochStats: string;
  config: string;
  /** Cold starts, start skew and serverless usage: the cloud-only facts beside the summary. */
  cloud: string;
  /** Per-interval series (absent for runs whose partials carry none). */
  timeseries: string;
}

export function resultKeys(runId: string): ResultKeys {
  assertRunId(runId);
  const prefix = `${CLOUD_PREFIX.results}${runId}/`;
  return {
    prefix,
    summary: `${prefix}summary.json`,
    perEpochStats: `${prefix}per_epoch_stats.json`,
    epochStats: `${prefix}epoch_stats.json`,
    config: `${prefix}config.yaml`,
    cloud: `${prefix}cloud.json`,
    timeseries: `${prefix}timeseries.json`,
  };
}

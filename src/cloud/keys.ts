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

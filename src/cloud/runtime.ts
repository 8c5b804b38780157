/**
 * Plumbing every cloud step shares: the stack bucket as a `Storage`, the
 * run's workload (and its plan) from the uploaded config, JSON objects in the
 * bucket, and the invocation's own timing facts (cold start, init, duration).
 */

import { hostname } from 'node:os';
import { parseWorkload } from '../config/load.ts';
import type { Workload } from '../config/types.ts';
import { type ResolveOptions, resolveRun } from '../dataset/run-plan.ts';
import type { RunPlan } from '../dataset/types.ts';
import type { RequestCounts } from '../metrics/cost.ts';
import { resultJson } from '../metrics/results.ts';
import { locationS3Options } from '../storage/endpoint.ts';
import { instrumentStorage } from '../storage/instrument.ts';
import { describeKey } from '../storage/keys.ts';
import { openStorage } from '../storage/open.ts';
import type { Operation, OperationSink } from '../storage/operations.ts';
import type { Storage } from '../storage/types.ts';
import { ENV, requireEnv } from './env.ts';

let control: Storage | undefined;
let controlBucket: string | undefined;

/** The stack bucket (configs, work lists, partials, results). Kept across warm invocations. */
export function controlStorage(env: NodeJS.ProcessEnv = process.env): Storage {
  const bucket = requireEnv(ENV.bucket, env);
  if (control && controlBucket === bucket) return control;
  // The endpoint the stack configured (a local state machine's tests set one), through the one resolver;
  // the function's environment is not searched for S3_ENDPOINT & co.: the stack says where its bucket is.
  const options = locationS3Options(
    { endpointUrl: env[ENV.s3Endpoint] || undefined, region: env.AWS_REGION || env.AWS_DEFAULT_REGION },
    {},
  );
  control = openStorage({
    storage_type: 's3',
    storage_root: bucket,
    storage_options: { ...options, s3_max_attempts: 5, checksums: 'when_required', max_sockets: 64 },
  });
  controlBucket = bucket;
  return control;
}

export async function readJson<T>(storage: Storage, key: string): Promise<T> {
  const { body } = await storage.get(key);
  return JSON.parse(new TextDecoder().decode(body)) as T;
}

export async function writeJson(
  storage: Storage,
  key: string,
  value: unknown,
  pretty = false,
): Promise<void> {
  // Result files (pretty) round like every result file; partials stay exact for the merge.
  const text = pretty ? resultJson(value) : JSON.stringify(value);
  await storage.put(key, new TextEncoder().encode(text));
}

/** The run's config: passed inline in the event, or (too large to travel inline) GET from the bucket. */
export interface RunConfigRef {
  configKey: string;
  config?: string | null;
}

/** The resolved workload `pqbench cloud run` uploaded, parsed by the same code as a local run, and its plan. */
export async function loadRun(
  storage: Storage,
  ref: RunConfigRef | string,
  options: ResolveOptions = {},
): Promise<{ workload: Workload; plan: RunPlan; text: string }> {
  const { configKey, config } = typeof ref === 'string' ? { configKey: ref, config: null } : ref;
  const text = config ?? new TextDecoder().decode((await storage.get(configKey)).body);
  const { workload } = parseWorkload(text, { source: describeKey(storage.location, configKey) });
  return { workload, plan: resolveRun(workload, options), text };
}

/** Counts the requests made through a storage: by operation (MULTIPART: its requests), bytes each way. */
export class RequestTally implements OperationSink {
  readonly requests: RequestCounts = {};
  bytesUploaded = 0;
  bytesRetrieved = 0;

  record(op: Operation): void {
    const n = op.op === 'MULTIPART' ? (op.parts ?? 1) + 2 : 1;
    this.requests[op.op] = (this.requests[op.op] ?? 0) + n;
    if (op.op === 'PUT' || op.op === 'MULTIPART') this.bytesUploaded += op.bytes;
    else if (op.op === 'GET' || op.op === 'HEAD') this.bytesRetrieved += op.bytes;
  }

  /** `storage`, with every request counted here. */
  wrap(storage: Storage): Storage {
    return instrumentStorage(storage, this);
  }
}

/** Timing facts of one invocation, reported beside (never inside) the measured window. */
export interface InvocationFacts {
  /** First invocation in this execution environment. */
  coldStart: boolean;
  /** Process start → handler module evaluated (runtime + imports); null on warm invocations. */
  initMs: number | null;
  /** Handler module evaluated → this handler call; null on warm invocations. */
  moduleLoadToHandlerMs: number | null;
  /** ms since the epoch when the handler was entered. */
  handlerStartAt: number;
  memoryMb: number;
  /** One name per execution environment (the log stream), the hostname elsewhere. */
  host: string;
}

let invocations = 0;

export function beginInvocation(
  moduleLoadedAt: number,
  env: NodeJS.ProcessEnv = process.env,
): InvocationFacts {
  const handlerStartAt = Date.now();
  const coldStart = invocations++ === 0;
  return {
    coldStart,
    initMs: coldStart ? Math.max(0, moduleLoadedAt - performance.timeOrigin) : null,
    moduleLoadToHandlerMs: coldStart ? handlerStartAt - moduleLoadedAt : null,
    handlerStartAt,
    memoryMb: Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? 0),
    host: env.AWS_LAMBDA_LOG_STREAM_NAME ?? hostname(),
  };
}

/** Requests by operation, every count present (JSON and zod want no undefined). */
export type RequestTotals = Record<string, number>;

function addCounts(into: RequestTotals, from: RequestCounts | RequestTotals): RequestTotals {
  for (const [op, n] of Object.entries(from)) if (n !== undefined) into[op] = (into[op] ?? 0) + n;
  return into;
}

/**
 * Billed facts of this invocation so far: duration, memory, cold-start init,
 * and the stack-bucket requests `control` counted plus `pending` ones the
 * step is about to make (writing the record that carries these facts).
 */
export function invocationCost(
  facts: InvocationFacts,
  control?: RequestTally,
  pending: RequestCounts = {},
): { durationMs: number; memoryMb: number; initMs: number; requests: RequestTotals } {
  return {
    durationMs: Date.now() - facts.handlerStartAt,
    memoryMb: facts.memoryMb,
    initMs: facts.initMs ?? 0,
    requests: addCounts(addCounts({}, control?.requests ?? {}), pending),
  };
}

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
import { openStorage } from '../storage/open.ts';
import type { Storage } from '../storage/types.ts';
import { ENV, requireEnv } from './env.ts';

let control: Storage | undefined;
let controlBucket: string | undefined;

/** The stack bucket (configs, work lists, partials, results). Kept across warm invocations. */
export function controlStorage(env: NodeJS.ProcessEnv = process.env): Storage {
  const bucket = requireEnv(ENV.bucket, env);
  if (control && controlBucket === bucket) return control;
  const endpoint = env[ENV.s3Endpoint] || undefined;
  control = openStorage({
    storage_type: 's3',
    storage_root: bucket,
    storage_options: {
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      s3_force_path_style: endpoint !== undefined,
      s3_max_attempts: 5,
      checksums: 'when_required',
      max_sockets: 64,
      request_timeout_seconds: 60,
      ...(endpoint !== undefined ? { endpoint_url: endpoint } : {}),
    },
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
  const text = pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value);
  await storage.put(key, new TextEncoder().encode(text));
}

/** The resolved workload `pqbench cloud run` uploaded, parsed by the same code as a local run, and its plan. */
export async function loadRun(
  storage: Storage,
  configKey: string,
  options: ResolveOptions = {},
): Promise<{ workload: Workload; plan: RunPlan }> {
  const { body } = await storage.get(configKey);
  const { workload } = parseWorkload(new TextDecoder().decode(body), {
    source: `${storage.location}/${configKey}`,
  });
  return { workload, plan: resolveRun(workload, options) };
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

export function invocationCost(facts: InvocationFacts): { durationMs: number; memoryMb: number } {
  return { durationMs: Date.now() - facts.handlerStartAt, memoryMb: facts.memoryMb };
}

/**
 * The one local executor: a list of shard tasks run either in this thread
 * (one worker: the caller's storage and instrumentation are used as they are)
 * or on a pool of worker threads, with every task's progress passed on. The
 * generate and train runs both go through it.
 */
import {
  type PoolOptions,
  runShardsOnWorkers,
  type ShardTaskModule,
  type WorkerTaskContext,
} from './pool.ts';

export interface LocalTask<A, R> {
  /** The module a worker thread runs the task from. */
  module: ShardTaskModule;
  /** The same task in this thread. */
  inThread: (args: A, ctx: WorkerTaskContext) => Promise<R>;
}

/** Runs every args of `argsList`; results in input order. In this thread when `workers` ≤ 1 or there is one task. */
export async function runLocally<A, R>(
  task: LocalTask<A, R>,
  argsList: readonly A[],
  options: PoolOptions,
): Promise<R[]> {
  if (options.workers > 1 && argsList.length > 1) {
    return runShardsOnWorkers<A, R>(task.module, argsList, options);
  }
  const signal = options.signal ?? new AbortController().signal;
  const results: R[] = [];
  for (const [taskIndex, args] of argsList.entries()) {
    signal.throwIfAborted();
    const progress = (payload: unknown) => options.onProgress?.(taskIndex, payload);
    results.push(await task.inThread(args, { taskIndex, signal, progress }));
  }
  return results;
}

/** Threads a run actually uses: at most one per task. */
export function threadsUsed(workers: number, tasks: number): number {
  return Math.min(workers, Math.max(tasks, 1));
}

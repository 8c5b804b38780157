/**
 * A small generic worker-thread pool for shard tasks (SPEC §7). A task is an
 * exported async function of a (TypeScript) module, called with JSON-like
 * args; the pool runs the list of args on `workers` threads, relays progress
 * messages, and returns the results in input order.
 *
 * On the first failure it aborts the other running tasks (their signal fires
 * so uploads get aborted cleanly), waits for them to settle, and rejects with
 * the original typed error rebuilt from the worker (see worker-errors.ts).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from './worker-errors.ts';

/** What a worker calls: `export async function name(args, ctx)` in `moduleUrl`. */
export interface ShardTaskModule {
  /** file: URL of the module, e.g. `new URL('./shard-task.ts', import.meta.url).href` of the task's module. */
  moduleUrl: string;
  exportName: string;
}

export interface WorkerTaskContext {
  /** Position of the args in the list given to the pool. */
  taskIndex: number;
  /** Fires when another task failed or the caller aborted. */
  signal: AbortSignal;
  /** Sends a progress payload (structured-cloneable) to the main thread. */
  progress(payload: unknown): void;
}

export type WorkerTaskFunction<A, R> = (args: A, ctx: WorkerTaskContext) => Promise<R>;

export interface PoolOptions {
  /** Threads to start (capped at the number of tasks). */
  workers: number;
  onProgress?: (taskIndex: number, payload: unknown) => void;
  signal?: AbortSignal;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; id: number; payload: unknown }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedError };

/** `run.workers`: a number, or `auto` = the cores this process may use. */
export function resolveWorkers(workers: number | 'auto'): number {
  if (workers === 'auto') return Math.max(1, availableParallelism());
  return Math.max(1, Math.floor(workers));
}

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export function runShardsOnWorkers<A, R>(
  task: ShardTaskModule,
  argsList: readonly A[],
  options: PoolOptions,
): Promise<R[]> {
  const results: R[] = new Array(argsList.length);
  if (argsList.length === 0) return Promise.resolve(results);
  const threads = Math.max(1, Math.min(Math.floor(options.workers), argsList.length));

  return new Promise<R[]>((resolve, reject) => {
    let next = 0;
    let completed = 0;
    let failure: { error: unknown } | undefined;
    const workers = new Set<Worker>();
    const runningOn = new Map<Worker, number>();

    const finish = () => {
      if (runningOn.size > 0) return;
      for (const worker of workers) void worker.terminate();
      workers.clear();
      options.signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure.error);
      else if (completed === argsList.length) resolve(results);
    };

    const fail = (error: unknown) => {
      if (!failure) {
        failure = { error };
        for (const [worker, id] of runningOn) worker.postMessage({ type: 'abort', id });
      }
      finish();
    };

    const onAbort = () => fail(options.signal?.reason ?? new Error('aborted'));
    if (options.signal?.aborted) {
      reject(options.signal.reason);
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const dispatch = (worker: Worker) => {
      if (failure || next >= argsList.length) {
        runningOn.delete(worker);
        workers.delete(worker);
        void worker.terminate();
        finish();
        return;
      }
      const id = next++;
      runningOn.set(worker, id);
      worker.postMessage({ type: 'run', id, args: argsList[id] });
    };

    for (let t = 0; t < threads; t++) {
      const worker = new Worker(ENTRY, {
        workerData: { moduleUrl: task.moduleUrl, exportName: task.exportName },
      });
      workers.add(worker);
      worker.on('message', (msg: WorkerMessage) => {
        switch (msg.type) {
          case 'ready':
            dispatch(worker);
            break;
          case 'progress':
            options.onProgress?.(msg.id, msg.payload);
            break;
          case 'done':
            results[msg.id] = msg.result as R;
            completed++;
            runningOn.delete(worker);
            dispatch(worker);
            break;
          case 'error':
            runningOn.delete(worker);
            fail(deserializeError(msg.error));
            dispatch(worker);
            break;
        }
      });
      // A crash outside a task (module failed to load, out of memory).
      worker.on('error', (error) => {
        runningOn.delete(worker);
        workers.delete(worker);
        fail(error);
      });
      worker.on('exit', (code) => {
        if (!workers.has(worker)) return;
        workers.delete(worker);
        const id = runningOn.get(worker);
        runningOn.delete(worker);
        if (id !== undefined || (code !== 0 && !failure)) {
          fail(
            new Error(
              `worker thread exited with code ${code}${id !== undefined ? ` while running task ${id}` : ''}`,
            ),
          );
        } else {
          finish();
        }
      });
    }
  });
}

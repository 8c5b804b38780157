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
import { workerEntryUrl, workerExecArgv } from '../entries.ts';
import type { WorkerEntryData } from './worker-entry.ts';
import { deserializeError, type SerializedError } from './worker-errors.ts';

/** What a worker calls: `export async function name(args, ctx)` in `moduleUrl` (see src/entries.ts). */
export interface ShardTaskModule {
  /** file: URL of the module. */
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

export function runShardsOnWorkers<A, R>(
  task: ShardTaskModule,
  argsList: readonly A[],
  options: PoolOptions,
): Promise<R[]> {
  if (argsList.length === 0) return Promise.resolve([]);
  if (options.signal?.aborted) return Promise.reject(options.signal.reason);
  return new Promise<R[]>((resolve, reject) => {
    new PoolRun<A, R>(task, argsList, options, resolve, reject).start();
  });
}

/** One run of a task list over a set of threads: hands out args, collects results, stops all on the first failure. */
class PoolRun<A, R> {
  private readonly results: R[];
  private next = 0;
  private completed = 0;
  private failure: { error: unknown } | undefined;
  private readonly workers = new Set<Worker>();
  private readonly runningOn = new Map<Worker, number>();
  private readonly onAbort = () => this.fail(this.options.signal?.reason ?? new Error('aborted'));

  constructor(
    private readonly task: ShardTaskModule,
    private readonly argsList: readonly A[],
    private readonly options: PoolOptions,
    private readonly resolve: (results: R[]) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.results = new Array(argsList.length);
  }

  start(): void {
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
    const threads = Math.max(1, Math.min(Math.floor(this.options.workers), this.argsList.length));
    for (let t = 0; t < threads; t++) this.spawn();
  }

  private spawn(): void {
    const data: WorkerEntryData = {
      moduleUrl: this.task.moduleUrl,
      exportName: this.task.exportName,
      mode: 'pool',
    };
    const worker = new Worker(new URL(workerEntryUrl()), { workerData: data, execArgv: workerExecArgv() });
    this.workers.add(worker);
    worker.on('message', (msg: WorkerMessage) => this.onMessage(worker, msg));
    // A crash outside a task (module failed to load, out of memory).
    worker.on('error', (error) => {
      this.runningOn.delete(worker);
      this.workers.delete(worker);
      this.fail(error);
    });
    worker.on('exit', (code) => this.onExit(worker, code));
  }

  private onMessage(worker: Worker, msg: WorkerMessage): void {
    switch (msg.type) {
      case 'ready':
        this.dispatch(worker);
        break;
      case 'progress':
        this.options.onProgress?.(msg.id, msg.payload);
        break;
      case 'done':
        this.results[msg.id] = msg.result as R;
        this.completed++;
        this.runningOn.delete(worker);
        this.dispatch(worker);
        break;
      case 'error':
        this.runningOn.delete(worker);
        this.fail(deserializeError(msg.error));
        this.dispatch(worker);
        break;
    }
  }

  private onExit(worker: Worker, code: number): void {
    if (!this.workers.has(worker)) return;
    this.workers.delete(worker);
    const id = this.runningOn.get(worker);
    this.runningOn.delete(worker);
    if (id !== undefined || (code !== 0 && !this.failure)) {
      const during = id !== undefined ? ` while running task ${id}` : '';
      this.fail(new Error(`worker thread exited with code ${code}${during}`));
    } else {
      this.finish();
    }
  }

  /** Gives the worker the next args, or retires it when there are none (or the run failed). */
  private dispatch(worker: Worker): void {
    if (this.failure || this.next >= this.argsList.length) {
      this.runningOn.delete(worker);
      this.workers.delete(worker);
      void worker.terminate();
      this.finish();
      return;
    }
    const id = this.next++;
    this.runningOn.set(worker, id);
    worker.postMessage({ type: 'run', id, args: this.argsList[id] });
  }

  private fail(error: unknown): void {
    if (!this.failure) {
      this.failure = { error };
      for (const [worker, id] of this.runningOn) worker.postMessage({ type: 'abort', id });
    }
    this.finish();
  }

  /** Settles once no task is running: the first failure, or every result. */
  private finish(): void {
    if (this.runningOn.size > 0) return;
    for (const worker of this.workers) void worker.terminate();
    this.workers.clear();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.failure) this.reject(this.failure.error);
    else if (this.completed === this.argsList.length) this.resolve(this.results);
  }
}

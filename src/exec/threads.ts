/**
 * A group of long-lived worker threads that each run one task to the end
 * (the accelerator and loader threads of a training host). Unlike the shard
 * pool, each thread gets its args at start, so MessagePorts can be
 * transferred and SharedArrayBuffers shared. The group reports when every
 * thread is ready (its task called `progress({ ready: true })`), collects the
 * results in spec order, and on the first failure lets the caller stop the
 * others (`onFailure`: set the shared abort flags) before it rejects with
 * that first, typed error.
 */
import { type Transferable, Worker } from 'node:worker_threads';
import { type ThreadModule, threadModuleUrl, workerEntryUrl, workerExecArgv } from '../entries.ts';
import type { WorkerEntryData } from './worker-entry.ts';
import { deserializeError, type SerializedError } from './worker-errors.ts';

export interface ThreadSpec {
  module: ThreadModule;
  exportName: string;
  args: unknown;
  transfer?: Transferable[];
}

export interface ThreadGroupOptions {
  /** Every progress payload but the ready signal. */
  onProgress?: (thread: number, payload: unknown) => void;
  /** Called once, on the first failure, before waiting for the others to stop. */
  onFailure?: (error: unknown) => void;
  /** How long the other threads get to stop after a failure before they are terminated. */
  stopGraceMs?: number;
}

type Message =
  | { type: 'progress'; id: number; payload: unknown }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedError };

const isReady = (payload: unknown) => (payload as { ready?: unknown } | null)?.ready === true;

export class ThreadGroup {
  private readonly workers: Worker[] = [];
  private readonly results: unknown[];
  private readonly finished: boolean[];
  private readyCount = 0;
  private failure: { error: unknown } | undefined;
  private readonly readyWaiters: (() => void)[] = [];
  private settle!: { resolve: (r: unknown[]) => void; reject: (e: unknown) => void };
  readonly done: Promise<unknown[]>;

  constructor(
    private readonly specs: ThreadSpec[],
    private readonly options: ThreadGroupOptions = {},
  ) {
    this.results = new Array(specs.length);
    this.finished = new Array(specs.length).fill(false);
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => {});
    for (const [i, spec] of specs.entries()) this.spawn(spec, i);
  }

  /** Resolves when every thread is ready; rejects with the group's failure. */
  ready(): Promise<void> {
    if (this.readyCount === this.specs.length) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.readyWaiters.push(resolve)),
      this.done.then(() => {}),
    ]);
  }

  private spawn(spec: ThreadSpec, index: number): void {
    const data: WorkerEntryData = {
      moduleUrl: threadModuleUrl(spec.module),
      exportName: spec.exportName,
      mode: 'once',
      args: spec.args,
    };
    const worker = new Worker(new URL(workerEntryUrl()), {
      workerData: data,
      transferList: spec.transfer,
      execArgv: workerExecArgv(),
    });
    this.workers.push(worker);
    worker.on('message', (msg: Message) => this.onMessage(index, msg));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.finished[index] && !this.failure)
        this.fail(new Error(`thread ${index} (${spec.module}) exited with code ${code}`));
      this.finished[index] = true;
      this.settleIfDone();
    });
  }

  private onMessage(index: number, msg: Message): void {
    if (msg.type === 'progress') {
      if (isReady(msg.payload)) {
        this.readyCount++;
        if (this.readyCount === this.specs.length) for (const wake of this.readyWaiters.splice(0)) wake();
      } else {
        this.options.onProgress?.(index, msg.payload);
      }
    } else if (msg.type === 'done') {
      this.results[index] = msg.result;
      this.finished[index] = true;
      void this.workers[index]?.terminate();
    } else {
      this.finished[index] = true;
      this.fail(deserializeError(msg.error));
      void this.workers[index]?.terminate();
    }
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.options.onFailure?.(error);
    const grace = setTimeout(() => this.terminate(), this.options.stopGraceMs ?? 5000);
    grace.unref();
    this.settleIfDone();
  }

  private settleIfDone(): void {
    if (!this.finished.every(Boolean)) return;
    if (this.failure) this.settle.reject(this.failure.error);
    else this.settle.resolve(this.results);
  }

  /** Stops every thread now. */
  terminate(): void {
    this.workers.forEach((w, i) => {
      if (!this.finished[i]) void w.terminate();
    });
  }
}

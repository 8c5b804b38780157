/**
 * What a loader worker needs to load an epoch: its own storage client,
 * instrumented so every request becomes an Operation in its IoRecorder (and
 * optionally a requests.csv line), and the Parquet source over it. A loader
 * thread opens one; with read_threads 0 the accelerator thread opens one and
 * loads in its own loop.
 */
import type { RunPlan } from '../dataset/types.ts';
import { IoRecorder } from '../metrics/partial.ts';
import { RequestsCsvWriter } from '../metrics/requests-csv.ts';
import { warmCodec } from '../parquet/index.ts';
import { BufferPool, type BufferPoolStats } from '../storage/buffer-pool.ts';
import { DeferredStorage } from '../storage/deferred.ts';
import { instrumentStorage } from '../storage/instrument.ts';
import { openStorage } from '../storage/open.ts';
import type { Operation, OperationSink } from '../storage/operations.ts';
import type { Batch } from './batch.ts';
import { loadBatches } from './loader.ts';
import { createParquetSource } from './parquet-source.ts';
import { rankEpoch, workerRuns } from './schedule.ts';

export interface LoaderSetup {
  plan: RunPlan;
  accelerator: number;
  worker: number;
  /** Loader workers of the accelerator (at least 1). */
  workers: number;
  /** Hears the payload bytes of every completed GET. */
  onBytes: (bytes: number) => void;
  requestsCsvPath?: string;
  collectIds?: boolean;
  signal?: AbortSignal;
  /** True once the run is stopped or aborted (see LoaderContext). */
  interrupted?: () => boolean;
}

export interface LoaderRuntime {
  io: IoRecorder;
  /** The worker's batches of `epoch`, in order. */
  epoch(epoch: number): AsyncGenerator<Batch>;
  /** Buffers of a batch its consumer is done with, for the next batches. */
  recycle(buffers: ArrayBuffer[]): void;
  /** The buffer pool's counters (benchmarks: allocations per epoch). */
  poolStats(): Readonly<BufferPoolStats>;
  /** Loads what the first request would (the S3 backend), so the measured window does not pay for it. */
  prepare(): Promise<void>;
  close(): Promise<void>;
}

class Tee implements OperationSink {
  constructor(private readonly sinks: OperationSink[]) {}
  record(op: Operation): void {
    for (const sink of this.sinks) sink.record(op);
  }
}

export function openLoader(setup: LoaderSetup): LoaderRuntime {
  const { plan, accelerator, worker, workers } = setup;
  const io = new IoRecorder(setup.onBytes);
  const csv = setup.requestsCsvPath ? new RequestsCsvWriter(setup.requestsCsvPath) : undefined;
  const storage = openStorage(plan.storage);
  const thread = accelerator * 1000 + worker;
  const measured = instrumentStorage(storage, csv ? new Tee([io, csv]) : io, thread);
  // Batch buffers (back from the accelerator) and fetch buffers (back once batched), reused.
  const buffers = new BufferPool();
  const source = createParquetSource(plan, measured, {
    concurrency: plan.loader.getsPerWorker,
    signal: setup.signal,
    buffers,
  });
  return {
    io,
    epoch(epoch: number): AsyncGenerator<Batch> {
      const rank = rankEpoch(plan, epoch, accelerator);
      const run = workerRuns(rank, workers)[worker];
      if (!run) throw new RangeError(`loader worker ${worker} outside 0..${workers - 1}`);
      io.beginEpoch(epoch);
      return loadBatches({
        plan,
        source,
        rank,
        run,
        onChunk: (bytes, opened) => io.recordChunk(bytes, opened),
        collectIds: setup.collectIds,
        buffers,
        signal: setup.signal,
        interrupted: setup.interrupted,
      });
    },
    recycle: (returned) => buffers.give(returned),
    poolStats: () => ({ ...buffers.stats }),
    async prepare() {
      if (storage instanceof DeferredStorage) await storage.backend();
      if (plan.loader.decode) warmCodec(plan.dataset.format.codec);
    },
    async close() {
      await csv?.close();
      await measured.close();
    },
  };
}

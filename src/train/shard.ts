/**
 * One accelerator shard (SPEC §7): "run accelerator k for all epochs" — a pure
 * function of (config, k, storage) returning JSON-serialisable partial
 * metrics. Local worker threads and the cloud reader Lambda both call this.
 */
import { hostname } from 'node:os';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { RunPlan } from '../dataset/types.ts';
import { type AcceleratorPartial, PartialRecorder } from '../metrics/partial.ts';
import { instrumentStorage } from '../storage/instrument.ts';
import { now, type Operation, type OperationSink } from '../storage/operations.ts';
import type { Storage } from '../storage/types.ts';
import { computeTimeSampler, simulateCompute } from './compute.ts';
import { runEpochLoop, type SampleBatch, type SampleSource } from './loop.ts';
import { createParquetSource } from './parquet-source.ts';
import { planAcceleratorEpoch, sampleOrderKey } from './schedule.ts';

export interface ShardProgress {
  accelerator: number;
  epoch: number;
  epochs: number;
  /** Steps and samples so far in this shard (all epochs). */
  steps: number;
  samples: number;
  /** Bytes received so far in this shard (all epochs). */
  bytes: number;
  /** ms timestamp of this report. */
  at: number;
}

export interface AcceleratorShardOptions {
  /**
   * ms timestamp (Date.now() clock) at which to start the first epoch, so that
   * accelerators started at different moments (Lambdas) measure together.
   */
  startAt?: number;
  /** Also receives every raw Operation record (requests.csv). */
  sink?: OperationSink;
  /** Defaults to the Parquet reader over `storage`; tests pass in-memory sources. */
  source?: SampleSource;
  /** Where this shard runs, for num_hosts (default: the hostname). */
  host?: string;
  onProgress?: (progress: ShardProgress) => void;
  /** Minimum ms between progress reports (default 1000). */
  progressIntervalMs?: number;
  /** Receives every batch's sample ids (verification, tests). */
  onBatch?: (epoch: number, batch: SampleBatch) => void;
  /** Replaces the simulated-compute wait (tests). */
  compute?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

class TeeSink implements OperationSink {
  constructor(private readonly sinks: OperationSink[]) {}
  record(op: Operation): void {
    for (const sink of this.sinks) sink.record(op);
  }
}

export async function runAcceleratorShard(
  plan: RunPlan,
  accelerator: number,
  storage: Storage,
  options: AcceleratorShardOptions = {},
): Promise<AcceleratorPartial> {
  const { training, loader } = plan;
  const recorder = new PartialRecorder(
    accelerator,
    options.host ?? hostname(),
    { start: training.metric.excludeStartSteps, end: training.metric.excludeEndSteps },
    training.shuffle.randomSeed,
  );
  const sink = options.sink ? new TeeSink([recorder, options.sink]) : recorder;
  const measured = instrumentStorage(storage, sink, accelerator);
  const source = options.source ?? createParquetSource(plan, measured);
  const nextComputeMs = computeTimeSampler(training.computation, training.seed, accelerator);
  const interval = options.progressIntervalMs ?? 1000;

  if (options.startAt !== undefined) {
    const delay = options.startAt - Date.now();
    if (delay > 0) await sleepTimer(delay, undefined, { signal: options.signal });
  }

  let lastReport = 0;
  let steps = 0;
  let samples = 0;
  for (let epoch = 0; epoch < training.epochs; epoch++) {
    options.signal?.throwIfAborted();
    recorder.beginEpoch(epoch, now());
    const result = await runEpochLoop({
      plan: planAcceleratorEpoch(plan, epoch, accelerator),
      source,
      readMode: loader.readMode,
      readThreads: loader.readThreads,
      prefetchSize: loader.prefetchSize,
      batchSize: loader.batchSize,
      maxSteps: training.totalTrainingSteps,
      sampleKey: (ref, rowStart) => sampleOrderKey(training, epoch, ref.unit, rowStart),
      nextComputeMs,
      compute: options.compute ?? simulateCompute,
      onStep: (step) => {
        recorder.recordStep(step);
        steps++;
        samples += step.samples;
        if (options.onProgress && step.end - lastReport >= interval) {
          lastReport = step.end;
          options.onProgress({
            accelerator,
            epoch,
            epochs: training.epochs,
            steps,
            samples,
            bytes: recorder.bytesReadSoFar,
            at: step.end,
          });
        }
      },
      onBatch: options.onBatch ? (batch) => options.onBatch?.(epoch, batch) : undefined,
      onChunk: (_ref, chunk) => recorder.recordChunk(chunk.projectedBytes, chunk.rowStart === 0),
      signal: options.signal,
    });
    recorder.endEpoch(now(), result);
    options.onProgress?.({
      accelerator,
      epoch,
      epochs: training.epochs,
      steps,
      samples,
      bytes: recorder.bytesReadSoFar,
      at: now(),
    });
  }
  return recorder.toPartial();
}

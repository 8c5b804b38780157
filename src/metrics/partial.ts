/**
 * The partial metrics of one accelerator shard: plain JSON (histograms HDR
 * encoded), built from raw facts — Operation records and step records — and
 * merged exactly by merge.ts, whether the shard ran in-process, on a worker
 * thread or in a Lambda.
 */
import type { Operation, OperationSink, OperationType } from '../storage/operations.ts';
import { EpochStepAccumulator, type WindowStats } from './au.ts';
import { type EncodedHistogram, encodeHistogram, newHistogram, recordMs } from './histogram.ts';
import type { StepRecord } from './step.ts';

export const PARTIAL_VERSION = 1;

export interface RequestCounter {
  count: number;
  /** Payload bytes transferred. */
  bytes: number;
  /** Requests that failed after retries. */
  errors: number;
  /** Retries performed (transient errors that were retried). */
  retries: number;
}

export type RequestCounters = Partial<Record<OperationType, RequestCounter>>;

export interface EpochPartial {
  epoch: number;
  /** ms timestamps (epoch-based wall clock) of this accelerator's epoch. */
  start: number;
  end: number;
  steps: number;
  samples: number;
  computeMs: number;
  loadWaitMs: number;
  window: WindowStats;
  /** Objects opened and chunks delivered (whole objects or row groups). */
  objects: number;
  chunks: number;
  /** Bytes of the projected column chunks read (read-amplification denominator). */
  projectedBytes: number;
  requests: RequestCounters;
}

export interface AcceleratorPartial {
  version: typeof PARTIAL_VERSION;
  accelerator: number;
  /** Where it ran (hostname, or Lambda log stream); distinct values give num_hosts. */
  host: string;
  start: number;
  end: number;
  epochs: EpochPartial[];
  histograms: {
    /** Request latency (start → end), µs. */
    requestUs: EncodedHistogram;
    /** Time to first byte, µs. */
    ttfbUs: EncodedHistogram;
    /** Per-step time blocked waiting for the batch, µs. */
    stepLoadWaitUs: EncodedHistogram;
  };
  /** The run's random shuffle seed when a shuffle mode is `random`. */
  randomSeed: number | null;
  /** Buffer high-water marks (memory bound evidence). */
  maxHeldChunks: number;
  maxBufferedRows: number;
}

/** Accumulates one accelerator's facts as they happen; `toPartial()` snapshots them. */
export class PartialRecorder implements OperationSink {
  private readonly requestUs = newHistogram();
  private readonly ttfbUs = newHistogram();
  private readonly stepLoadWaitUs = newHistogram();
  private readonly epochs: EpochPartial[] = [];
  private current: { partial: EpochPartial; steps: EpochStepAccumulator } | null = null;
  private start = 0;
  private end = 0;
  private bytesRead = 0;
  maxHeldChunks = 0;
  maxBufferedRows = 0;

  constructor(
    readonly accelerator: number,
    private readonly host: string,
    private readonly exclude: { start: number; end: number },
    private readonly randomSeed: number | null,
  ) {}

  beginEpoch(epoch: number, at: number): void {
    if (this.epochs.length === 0) this.start = at;
    const partial: EpochPartial = {
      epoch,
      start: at,
      end: at,
      steps: 0,
      samples: 0,
      computeMs: 0,
      loadWaitMs: 0,
      window: { steps: 0, samples: 0, computeMs: 0, loadWaitMs: 0, wallMs: 0 },
      objects: 0,
      chunks: 0,
      projectedBytes: 0,
      requests: {},
    };
    this.epochs.push(partial);
    this.current = { partial, steps: new EpochStepAccumulator(this.exclude.start, this.exclude.end) };
  }

  endEpoch(at: number, buffer: { maxHeldChunks: number; maxBufferedRows: number }): void {
    if (!this.current) return;
    const { partial, steps } = this.current;
    const stats = steps.finish();
    Object.assign(partial, {
      end: at,
      steps: stats.steps,
      samples: stats.samples,
      computeMs: stats.computeMs,
      loadWaitMs: stats.loadWaitMs,
      window: stats.window,
    });
    this.maxHeldChunks = Math.max(this.maxHeldChunks, buffer.maxHeldChunks);
    this.maxBufferedRows = Math.max(this.maxBufferedRows, buffer.maxBufferedRows);
    this.end = at;
    this.current = null;
  }

  /** OperationSink: requests issued while no epoch is open (e.g. a manifest read) are not counted. */
  record(op: Operation): void {
    if (!this.current) return;
    const counters = this.current.partial.requests;
    const counter = counters[op.op] ?? { count: 0, bytes: 0, errors: 0, retries: 0 };
    counter.count += 1;
    counter.bytes += op.bytes;
    counter.retries += op.retries;
    if (op.error !== undefined || op.status === 0 || op.status >= 400) counter.errors += 1;
    counters[op.op] = counter;
    if (op.op === 'GET' || op.op === 'HEAD') this.bytesRead += op.bytes;
    recordMs(this.requestUs, op.end - op.start);
    if (op.firstByte !== undefined) recordMs(this.ttfbUs, op.firstByte - op.start);
  }

  recordStep(step: StepRecord): void {
    if (!this.current) return;
    this.current.steps.add(step);
    recordMs(this.stepLoadWaitUs, step.loadWaitMs);
  }

  recordChunk(projectedBytes: number, openedObject: boolean): void {
    if (!this.current) return;
    this.current.partial.chunks += 1;
    this.current.partial.projectedBytes += projectedBytes;
    if (openedObject) this.current.partial.objects += 1;
  }

  /** Bytes received by reads so far, for progress reports. */
  get bytesReadSoFar(): number {
    return this.bytesRead;
  }

  toPartial(): AcceleratorPartial {
    return {
      version: PARTIAL_VERSION,
      accelerator: this.accelerator,
      host: this.host,
      start: this.start,
      end: this.end,
      epochs: this.epochs.map((e) => ({ ...e, requests: structuredClone(e.requests) })),
      histograms: {
        requestUs: encodeHistogram(this.requestUs),
        ttfbUs: encodeHistogram(this.ttfbUs),
        stepLoadWaitUs: encodeHistogram(this.stepLoadWaitUs),
      },
      randomSeed: this.randomSeed,
      maxHeldChunks: this.maxHeldChunks,
      maxBufferedRows: this.maxBufferedRows,
    };
  }
}

/**
 * The partial metrics of one accelerator: plain JSON (histograms HDR
 * encoded), built from raw facts and merged exactly by combine.ts, whether
 * the accelerator ran on this host, another host or in a Lambda.
 *
 * Two recorders feed it, each on the thread that owns the facts: the
 * accelerator thread's StepRecorder (steps, compute, load wait, the metric
 * window) and each loader worker's IoRecorder (every request, as an
 * Operation, and the projected bytes it needed). `assemblePartial` joins them.
 * Both also keep per-interval time series (timeseries.ts) of the same facts.
 */
import type { Operation, OperationSink, OperationType } from '../storage/operations.ts';
import { EpochStepAccumulator, type WindowStats } from './au.ts';
import { addThreadCpu, type ClientPart, type HostCpu, type ThreadCpu } from './client.ts';
import {
  type EncodedHistogram,
  encodeHistogram,
  type Histogram,
  mergeEncoded,
  newHistogram,
  recordMs,
} from './histogram.ts';
import { loadWaitMs, type StepRecord } from './step.ts';
import { DEFAULT_INTERVAL_MS, mergeSeries, type SeriesPart, SeriesRecorder } from './timeseries.ts';

export const PARTIAL_VERSION = 2;

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

/** Request latency and time to first byte of one operation type, µs. */
export interface OperationHistograms {
  requestUs: EncodedHistogram;
  ttfbUs: EncodedHistogram;
}

/** Per operation type (absent in partials written before they were kept). */
export type OperationHistogramSet = Partial<Record<OperationType, OperationHistograms>>;

/** What the accelerator thread knows about an epoch. */
export interface EpochSteps {
  epoch: number;
  /** The epoch's block (ms, epoch-based clock): from its start to past its last barrier. */
  start: number;
  end: number;
  steps: number;
  samples: number;
  /** This accelerator's samples of the epoch that no kept step delivered (drop_last, the N mod A tail is not counted here). */
  droppedSamples: number;
  computeMs: number;
  loadWaitMs: number;
  window: WindowStats;
}

/** What the loaders of one accelerator know about an epoch. */
export interface EpochIo {
  epoch: number;
  /** Objects opened and chunks (objects or row groups) loaded. */
  objects: number;
  chunks: number;
  /** Bytes of the projected column chunks of the row groups holding the samples delivered (read-amplification denominator). */
  projectedBytes: number;
  requests: RequestCounters;
  /** The epoch's first request start and last request end (ms, epoch-based clock): its read phase. */
  firstRequestMs?: number;
  lastRequestMs?: number;
}

export type EpochPartial = EpochSteps & Omit<EpochIo, 'epoch'>;

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
    /** Request latency and TTFB per operation type (the read phase's per-operation table). */
    byOperation?: OperationHistogramSet;
  };
  /** The run's random shuffle seed when a shuffle mode is `random`. */
  randomSeed: number | null;
  /**
   * Per-interval series of this accelerator's steps and requests (absent in
   * partials written before time series existed: the run then has none).
   */
  series?: SeriesPart;
  /** The client's CPU: its host's process and its own threads (absent in partials written before it was measured). */
  client?: ClientPart;
}

/** The accelerator thread's facts: steps and the metric window of each epoch. */
export interface StepsPart {
  epochs: EpochSteps[];
  stepLoadWaitUs: EncodedHistogram;
  series?: SeriesPart;
  /** The accelerator thread's CPU over its measured phase (null: not measurable here). */
  threadCpu?: ThreadCpu | null;
}

/** One loader worker's facts: requests and projected bytes of each epoch. */
export interface IoPart {
  epochs: EpochIo[];
  requestUs: EncodedHistogram;
  ttfbUs: EncodedHistogram;
  byOperation?: OperationHistogramSet;
  series?: SeriesPart;
  /** The loader thread's CPU over its measured phase (null: not measurable here). */
  threadCpu?: ThreadCpu | null;
}

export class StepRecorder {
  private readonly stepLoadWaitUs = newHistogram();
  private readonly epochs: EpochSteps[] = [];
  private current: { epoch: number; start: number; dropped: number; steps: EpochStepAccumulator } | null =
    null;

  private readonly series: SeriesRecorder;

  constructor(
    private readonly exclude: { start: number; end: number },
    intervalMs: number = DEFAULT_INTERVAL_MS,
  ) {
    this.series = new SeriesRecorder(intervalMs);
  }

  beginEpoch(epoch: number, blockStart: number, expectedSteps: number, droppedSamples: number): void {
    const steps = new EpochStepAccumulator(this.exclude.start, this.exclude.end, expectedSteps);
    this.current = { epoch, start: blockStart, dropped: droppedSamples, steps };
  }

  recordStep(step: StepRecord): void {
    if (!this.current) return;
    this.current.steps.add(step);
    recordMs(this.stepLoadWaitUs, loadWaitMs(step));
    this.series.recordStep(step);
  }

  endEpoch(blockEnd: number): void {
    if (!this.current) return;
    const { epoch, start, dropped, steps } = this.current;
    this.epochs.push({
      epoch,
      start,
      end: blockEnd,
      droppedSamples: dropped,
      ...steps.finish(start, blockEnd),
    });
    this.current = null;
    // After the epoch's block has ended: what a stopped run keeps (completedPart).
    this.completed = this.toPart();
  }

  toPart(): StepsPart {
    return {
      epochs: this.epochs.map((e) => ({ ...e })),
      stepLoadWaitUs: encodeHistogram(this.stepLoadWaitUs),
      series: this.series.toPart(),
    };
  }

  /** The completed epochs only: the steps of an epoch a stop cut short are left out of every figure. */
  completedPart(): StepsPart {
    return this.completed ?? new StepRecorder(this.exclude, this.series.intervalMs).toPart();
  }

  private completed: StepsPart | undefined;
}

export class IoRecorder implements OperationSink {
  private readonly requestUs = newHistogram();
  private readonly ttfbUs = newHistogram();
  private readonly byOperation = new Map<OperationType, { request: Histogram; ttfb: Histogram }>();
  private readonly epochs: EpochIo[] = [];
  private current: EpochIo | null = null;
  private readonly series: SeriesRecorder;

  /** `onBytes` hears every received payload byte count (the accelerator's shared counter). */
  constructor(
    private readonly onBytes?: (bytes: number) => void,
    intervalMs: number = DEFAULT_INTERVAL_MS,
  ) {
    this.series = new SeriesRecorder(intervalMs);
  }

  beginEpoch(epoch: number): void {
    this.current = { epoch, objects: 0, chunks: 0, projectedBytes: 0, requests: {} };
    this.epochs.push(this.current);
  }

  /** OperationSink: requests issued while no epoch is open (e.g. a manifest read) are not counted. */
  record(op: Operation): void {
    if (!this.current) return;
    const counters = this.current.requests;
    const counter = counters[op.op] ?? { count: 0, bytes: 0, errors: 0, retries: 0 };
    counter.count += 1;
    counter.bytes += op.bytes;
    counter.retries += op.retries;
    const failed = op.error !== undefined || op.status === 0 || op.status >= 400;
    if (failed) counter.errors += 1;
    counters[op.op] = counter;
    this.current.firstRequestMs = Math.min(this.current.firstRequestMs ?? op.start, op.start);
    this.current.lastRequestMs = Math.max(this.current.lastRequestMs ?? op.end, op.end);
    this.series.recordOperation(op, failed);
    if (op.op === 'GET' || op.op === 'HEAD') this.onBytes?.(op.bytes);
    recordMs(this.requestUs, op.end - op.start);
    if (op.firstByte !== undefined) recordMs(this.ttfbUs, op.firstByte - op.start);
    let mine = this.byOperation.get(op.op);
    if (!mine) {
      mine = { request: newHistogram(), ttfb: newHistogram() };
      this.byOperation.set(op.op, mine);
    }
    recordMs(mine.request, op.end - op.start);
    if (op.firstByte !== undefined) recordMs(mine.ttfb, op.firstByte - op.start);
  }

  recordChunk(projectedBytes: number, openedObject: boolean): void {
    if (!this.current) return;
    this.current.chunks += 1;
    this.current.projectedBytes += projectedBytes;
    if (openedObject) this.current.objects += 1;
  }

  toPart(): IoPart {
    return {
      epochs: this.epochs.map((e) => ({ ...e, requests: structuredClone(e.requests) })),
      requestUs: encodeHistogram(this.requestUs),
      ttfbUs: encodeHistogram(this.ttfbUs),
      byOperation: Object.fromEntries(
        [...this.byOperation].map(([op, h]) => [
          op,
          { requestUs: encodeHistogram(h.request), ttfbUs: encodeHistogram(h.ttfb) },
        ]),
      ),
      series: this.series.toPart(),
    };
  }

  /**
   * The loader is done with epochs < `epochsDone` and has begun no later one:
   * keeps what it recorded so far for `completedPart`. Called between epochs,
   * where the copy delays no request.
   */
  markEpochsDone(epochsDone: number): void {
    this.snapshots.set(epochsDone, this.toPart());
    this.snapshots.delete(epochsDone - 2);
  }

  /**
   * What the loader recorded for epochs < `epochs` only (a stopped run keeps
   * its completed epochs): the snapshot taken when it was done with them, or
   * everything when it has begun no later epoch.
   */
  completedPart(epochs: number): IoPart {
    const begun = this.epochs.length > 0 ? (this.epochs[this.epochs.length - 1] as EpochIo).epoch + 1 : 0;
    if (begun <= epochs) return this.toPart();
    return this.snapshots.get(epochs) ?? { ...new IoRecorder().toPart(), epochs: [] };
  }

  private readonly snapshots = new Map<number, IoPart>();
}

export function addRequestCounters(into: RequestCounters, from: RequestCounters): void {
  for (const [op, c] of Object.entries(from) as [OperationType, RequestCounter][]) {
    const target = into[op] ?? { count: 0, bytes: 0, errors: 0, retries: 0 };
    target.count += c.count;
    target.bytes += c.bytes;
    target.errors += c.errors;
    target.retries += c.retries;
    into[op] = target;
  }
}

export const minDefined = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);
export const maxDefined = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/** Joins an accelerator's step facts with its loaders' I/O facts, epoch by epoch. */
export function assemblePartial(
  who: { accelerator: number; host: string; randomSeed: number | null },
  steps: StepsPart,
  io: IoPart[],
  hostCpu?: HostCpu,
): AcceleratorPartial {
  const epochs: EpochPartial[] = steps.epochs.map((e) => {
    const partial: EpochPartial = { ...e, objects: 0, chunks: 0, projectedBytes: 0, requests: {} };
    for (const part of io) {
      const mine = part.epochs.find((x) => x.epoch === e.epoch);
      if (!mine) continue;
      partial.objects += mine.objects;
      partial.chunks += mine.chunks;
      partial.projectedBytes += mine.projectedBytes;
      addRequestCounters(partial.requests, mine.requests);
      partial.firstRequestMs = minDefined(partial.firstRequestMs, mine.firstRequestMs);
      partial.lastRequestMs = maxDefined(partial.lastRequestMs, mine.lastRequestMs);
    }
    return partial;
  });
  return {
    version: PARTIAL_VERSION,
    ...who,
    start: epochs.length > 0 ? Math.min(...epochs.map((e) => e.start)) : 0,
    end: epochs.length > 0 ? Math.max(...epochs.map((e) => e.end)) : 0,
    epochs,
    histograms: {
      requestUs: encodeHistogram(mergeEncoded(io.map((p) => p.requestUs))),
      ttfbUs: encodeHistogram(mergeEncoded(io.map((p) => p.ttfbUs))),
      stepLoadWaitUs: steps.stepLoadWaitUs,
      ...operationHistograms(io.map((p) => p.byOperation)),
    },
    randomSeed: who.randomSeed,
    ...acceleratorSeries(steps, io),
    ...(hostCpu ? { client: clientPart(hostCpu, steps, io) } : {}),
  };
}

/**
 * Per-operation histograms added (exact); none when some part has none (a
 * part of an older version), so that no figure covers only some requests.
 */
export function mergeOperationHistograms(
  sets: (OperationHistogramSet | undefined)[],
): OperationHistogramSet | undefined {
  if (sets.some((s) => s === undefined)) return undefined;
  const ops = [...new Set(sets.flatMap((s) => Object.keys(s ?? {})))] as OperationType[];
  const of = (op: OperationType) => sets.flatMap((s) => (s?.[op] ? [s[op]] : []));
  return Object.fromEntries(
    ops.map((op) => [
      op,
      {
        requestUs: encodeHistogram(mergeEncoded(of(op).map((h) => h.requestUs))),
        ttfbUs: encodeHistogram(mergeEncoded(of(op).map((h) => h.ttfbUs))),
      },
    ]),
  );
}

function operationHistograms(sets: (OperationHistogramSet | undefined)[]): {
  byOperation?: OperationHistogramSet;
} {
  const merged = mergeOperationHistograms(sets);
  return merged ? { byOperation: merged } : {};
}

/** The client facts of one accelerator: its host's process, its own thread, its loader threads. */
function clientPart(host: HostCpu, steps: StepsPart, io: IoPart[]): ClientPart {
  return {
    host,
    acceleratorThreads: steps.threadCpu ?? null,
    // read_threads 0: the accelerator thread loads, and its io part has no thread of its own.
    loaderThreads: io.reduce<ThreadCpu | null>((sum, p) => addThreadCpu(sum, p.threadCpu ?? null), null),
  };
}

/** The accelerator's series: its steps' and its loaders' added; none if any part lacks one. */
function acceleratorSeries(steps: StepsPart, io: IoPart[]): { series?: SeriesPart } {
  const parts = [steps.series, ...io.map((p) => p.series)];
  if (parts.some((p) => p === undefined)) return {};
  return { series: mergeSeries(parts as SeriesPart[]) };
}

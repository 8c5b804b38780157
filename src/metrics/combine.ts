/**
 * Combining accelerator partials, exactly: counters and sums add, histograms
 * add bucket by bucket, extremes take min/max. Each function merges one type
 * into its aggregate (as warp's aggregates merge themselves); nothing here
 * derives a rate or a percentage — derive.ts does, from the aggregate.
 */
import type { WindowStats } from './au.ts';
import { type ClientAggregate, combineClient } from './client.ts';
import { type Histogram, mergeEncoded } from './histogram.ts';
import {
  type AcceleratorPartial,
  addRequestCounters,
  type EpochPartial,
  maxDefined,
  mergeOperationHistograms,
  minDefined,
  type OperationHistogramSet,
  PARTIAL_VERSION,
  type RequestCounters,
} from './partial.ts';
import { mergeSeries, type SeriesPart } from './timeseries.ts';

/** One accelerator's part of an epoch, as derive.ts needs it. */
export interface AcceleratorEpoch {
  accelerator: number;
  steps: number;
  window: WindowStats;
}

/** An epoch over all accelerators that ran it. */
export interface EpochAggregate {
  epoch: number;
  /** Earliest start and latest end (ms, epoch-based clock). */
  start: number;
  end: number;
  steps: number;
  samples: number;
  droppedSamples: number;
  computeMs: number;
  loadWaitMs: number;
  /** Objects opened and chunks (objects or row groups) loaded. */
  objects: number;
  chunks: number;
  projectedBytes: number;
  requests: RequestCounters;
  /** The epoch's read phase: first request start, last request end (ms), when any request was made. */
  firstRequestMs?: number;
  lastRequestMs?: number;
  /** Accelerators that ran this epoch, in accelerator order. */
  accelerators: AcceleratorEpoch[];
}

export interface RunAggregate {
  /** Accelerator ids that reported, ascending. */
  accelerators: number[];
  hosts: string[];
  start: number;
  end: number;
  randomSeed: number | null;
  epochs: EpochAggregate[];
  requests: RequestCounters;
  histograms: { requestUs: Histogram; ttfbUs: Histogram; stepLoadWaitUs: Histogram };
  /** Latency and TTFB per operation type; undefined when a partial did not keep them. */
  byOperation?: OperationHistogramSet;
  /** Every accelerator's time series added interval by interval; null if some partial has none. */
  series: SeriesPart | null;
  /** The client's CPU: one record per host process, thread times added; null if no partial measured it. */
  client: ClientAggregate | null;
}

function newEpoch(e: EpochPartial): EpochAggregate {
  return {
    epoch: e.epoch,
    start: e.start,
    end: e.end,
    steps: 0,
    samples: 0,
    droppedSamples: 0,
    computeMs: 0,
    loadWaitMs: 0,
    objects: 0,
    chunks: 0,
    projectedBytes: 0,
    requests: {},
    accelerators: [],
  };
}

/** Adds one accelerator's epoch into the epoch's aggregate. */
export function addEpoch(into: EpochAggregate, accelerator: number, e: EpochPartial): void {
  into.start = Math.min(into.start, e.start);
  into.end = Math.max(into.end, e.end);
  into.steps += e.steps;
  into.samples += e.samples;
  into.droppedSamples += e.droppedSamples;
  into.computeMs += e.computeMs;
  into.loadWaitMs += e.loadWaitMs;
  into.objects += e.objects;
  into.chunks += e.chunks;
  into.projectedBytes += e.projectedBytes;
  addRequestCounters(into.requests, e.requests);
  into.firstRequestMs = minDefined(into.firstRequestMs, e.firstRequestMs);
  into.lastRequestMs = maxDefined(into.lastRequestMs, e.lastRequestMs);
  into.accelerators.push({ accelerator, steps: e.steps, window: e.window });
}

/** Partials of one run, checked: one version, each accelerator once; sorted by accelerator. */
function checkedPartials(partials: AcceleratorPartial[]): AcceleratorPartial[] {
  if (partials.length === 0) throw new Error('mergePartials: no partials to merge');
  const seen = new Set<number>();
  for (const p of partials) {
    if (p.version !== PARTIAL_VERSION)
      throw new Error(`partial version ${p.version}, expected ${PARTIAL_VERSION}`);
    if (seen.has(p.accelerator)) throw new Error(`two partials for accelerator ${p.accelerator}`);
    seen.add(p.accelerator);
  }
  return [...partials].sort((a, b) => a.accelerator - b.accelerator);
}

export function combinePartials(partials: AcceleratorPartial[]): RunAggregate {
  const ordered = checkedPartials(partials);
  const epochs = new Map<number, EpochAggregate>();
  const requests: RequestCounters = {};
  for (const p of ordered) {
    for (const e of p.epochs) {
      let aggregate = epochs.get(e.epoch);
      if (!aggregate) {
        aggregate = newEpoch(e);
        epochs.set(e.epoch, aggregate);
      }
      addEpoch(aggregate, p.accelerator, e);
      addRequestCounters(requests, e.requests);
    }
  }
  return {
    accelerators: ordered.map((p) => p.accelerator),
    hosts: [...new Set(ordered.map((p) => p.host))],
    start: Math.min(...ordered.map((p) => p.start)),
    end: Math.max(...ordered.map((p) => p.end)),
    randomSeed: ordered.find((p) => p.randomSeed !== null)?.randomSeed ?? null,
    epochs: [...epochs.values()].sort((a, b) => a.epoch - b.epoch),
    requests,
    histograms: {
      requestUs: mergeEncoded(ordered.map((p) => p.histograms.requestUs)),
      ttfbUs: mergeEncoded(ordered.map((p) => p.histograms.ttfbUs)),
      stepLoadWaitUs: mergeEncoded(ordered.map((p) => p.histograms.stepLoadWaitUs)),
    },
    byOperation: mergeOperationHistograms(ordered.map((p) => p.histograms.byOperation)),
    series: ordered.every((p) => p.series !== undefined)
      ? mergeSeries(ordered.map((p) => p.series as SeriesPart))
      : null,
    client: combineClient(ordered.map((p) => p.client)),
  };
}

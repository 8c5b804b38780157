/**
 * Per-interval time series of a run (SPEC §6): what happened in each second —
 * steps, samples, compute and load wait, requests, errors, bytes, GETs in
 * flight, request latency and time to first byte — recorded next to the
 * histograms and merged exactly like them.
 *
 * The clock: intervals are aligned to the Unix epoch (UTC), interval i
 * covering [i·intervalMs, (i+1)·intervalMs) ms. Every recorder stamps its
 * facts with performance.timeOrigin + performance.now() (wall-clock ms), so
 * accelerators, hosts and Lambdas — whose clocks NTP / Amazon Time Sync keep
 * within a millisecond or so — land on one grid without agreeing on anything
 * first, and merging is adding interval i to interval i. The run's start is
 * only the origin the results show time from (timeseries.json `t_s`).
 *
 * Exact merges: every cell is an integer (counts, bytes, microseconds;
 * timestamps are rounded to whole µs before durations are split across
 * intervals), and latency distributions use fixed log-linear buckets whose
 * counts add. Merging partials therefore equals recording everything in one
 * recorder, in any order and grouping.
 */
import type { Operation } from '../storage/operations.ts';
import type { StepRecord } from './step.ts';

export const DEFAULT_INTERVAL_MS = 1000;

/** Sub-buckets per power of two: a bucket is at most 1/16 (6.25 %) wider than its lower bound. */
const SUB_BUCKET_BITS = 4;
const SUB_BUCKETS = 2 ** SUB_BUCKET_BITS;

/** A sparse histogram: [bucket, count] pairs, ascending by bucket, counts > 0. */
export type BucketCounts = [bucket: number, count: number][];

/**
 * The log-linear bucket of a non-negative integer value (µs or bytes): values
 * below 16 have a bucket each; above, each power of two is split into 16
 * equal buckets. Pure integer arithmetic, so any language can recompute it.
 */
export function bucketOf(value: number): number {
  const v = Math.max(0, Math.floor(value));
  if (v < SUB_BUCKETS) return v;
  let exponent = Math.floor(Math.log2(v));
  // log2 of a large integer can be off by one in floating point: settle on 2^e ≤ v < 2^(e+1).
  if (2 ** exponent > v) exponent--;
  else if (2 ** (exponent + 1) <= v) exponent++;
  const shift = exponent - SUB_BUCKET_BITS;
  return SUB_BUCKETS + shift * SUB_BUCKETS + (Math.floor(v / 2 ** shift) - SUB_BUCKETS);
}

/** The values a bucket holds: [low, high). */
export function bucketBounds(bucket: number): { low: number; high: number } {
  if (bucket < SUB_BUCKETS) return { low: bucket, high: bucket + 1 };
  const shift = Math.floor((bucket - SUB_BUCKETS) / SUB_BUCKETS);
  const sub = (bucket - SUB_BUCKETS) % SUB_BUCKETS;
  return { low: (SUB_BUCKETS + sub) * 2 ** shift, high: (SUB_BUCKETS + sub + 1) * 2 ** shift };
}

/** The integer columns of a series, one value per interval. */
export const SERIES_COUNTERS = [
  /** Steps whose compute ended in the interval, and their samples. */
  'steps',
  'samples',
  /** Accelerator time (µs, summed over accelerators) spent computing, waiting for a batch, and in steps at all (load + compute + barrier). */
  'computeUs',
  'loadWaitUs',
  'stepUs',
  /** Requests that ended in the interval (every operation type), those that failed, and their retries. */
  'requests',
  'errors',
  'retries',
  /** Bytes received by reads (GET and HEAD) that ended in the interval: the summary's io.bytes_transferred. */
  'bytes',
  /** ∫ GETs in flight dt over the interval (µs): ÷ the interval's length = mean GETs in flight. */
  'getInFlightUs',
] as const;

export type SeriesCounter = (typeof SERIES_COUNTERS)[number];

/** One accelerator's (or a merged run's) series: plain JSON, part of the AcceleratorPartial. */
export type SeriesPart = {
  intervalMs: number;
  /** Index of the first interval: it starts at first × intervalMs ms since the Unix epoch. */
  first: number;
  /** Earliest and latest instant recorded (ms since the Unix epoch); null when nothing was recorded. */
  from: number | null;
  to: number | null;
  /** Request latency (start → end) and time to first byte per interval, µs in log-linear buckets. */
  requestLatency: BucketCounts[];
  ttfb: BucketCounts[];
  /** Bytes of each successful GET, over the whole run (request sizes). */
  getSizes: BucketCounts;
} & Record<SeriesCounter, number[]>;

interface IntervalCells {
  counters: Record<SeriesCounter, number>;
  requestLatency: Map<number, number>;
  ttfb: Map<number, number>;
}

const toUs = (ms: number) => Math.round(ms * 1000);

function addBucket(into: Map<number, number>, bucket: number, count = 1): void {
  into.set(bucket, (into.get(bucket) ?? 0) + count);
}

function sortedBuckets(buckets: Map<number, number>): BucketCounts {
  return [...buckets.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
}

/** Adds the facts of one accelerator (or loader) into per-interval cells. */
export class SeriesRecorder {
  private readonly cells = new Map<number, IntervalCells>();
  private readonly getSizes = new Map<number, number>();
  private from = Number.POSITIVE_INFINITY;
  private to = Number.NEGATIVE_INFINITY;
  private readonly intervalUs: number;

  constructor(readonly intervalMs: number = DEFAULT_INTERVAL_MS) {
    if (!Number.isInteger(intervalMs) || intervalMs < 1)
      throw new RangeError(`time series interval must be a positive integer of ms, got ${intervalMs}`);
    this.intervalUs = intervalMs * 1000;
  }

  private cell(index: number): IntervalCells {
    let cell = this.cells.get(index);
    if (!cell) {
      const counters = Object.fromEntries(SERIES_COUNTERS.map((c) => [c, 0])) as Record<
        SeriesCounter,
        number
      >;
      cell = { counters, requestLatency: new Map(), ttfb: new Map() };
      this.cells.set(index, cell);
    }
    return cell;
  }

  private seen(startMs: number, endMs: number): void {
    this.from = Math.min(this.from, startMs);
    this.to = Math.max(this.to, endMs);
  }

  private indexAt(us: number): number {
    return Math.floor(us / this.intervalUs);
  }

  /** Adds the µs of [startMs, endMs] that fall in each interval to `counter`. */
  private spread(counter: SeriesCounter, startMs: number, endMs: number): void {
    const start = toUs(startMs);
    const end = toUs(endMs);
    if (end <= start) return;
    for (let i = this.indexAt(start); i * this.intervalUs < end; i++) {
      const overlap = Math.min(end, (i + 1) * this.intervalUs) - Math.max(start, i * this.intervalUs);
      if (overlap > 0) this.cell(i).counters[counter] += overlap;
    }
  }

  recordStep(step: StepRecord): void {
    this.seen(step.loadStart, step.end);
    const cell = this.cell(this.indexAt(toUs(step.computeEnd)));
    cell.counters.steps += 1;
    cell.counters.samples += step.samples;
    this.spread('loadWaitUs', step.loadStart, step.batchReady);
    this.spread('computeUs', step.computeStart, step.computeEnd);
    this.spread('stepUs', step.loadStart, step.end);
  }

  recordOperation(op: Operation, failed: boolean): void {
    this.seen(op.start, op.end);
    const cell = this.cell(this.indexAt(toUs(op.end)));
    cell.counters.requests += 1;
    cell.counters.retries += op.retries;
    if (failed) cell.counters.errors += 1;
    if (op.op === 'GET' || op.op === 'HEAD') cell.counters.bytes += op.bytes;
    addBucket(cell.requestLatency, bucketOf(toUs(op.end) - toUs(op.start)));
    if (op.firstByte !== undefined) addBucket(cell.ttfb, bucketOf(toUs(op.firstByte) - toUs(op.start)));
    if (op.op === 'GET') {
      this.spread('getInFlightUs', op.start, op.end);
      if (!failed) addBucket(this.getSizes, bucketOf(op.bytes));
    }
  }

  toPart(): SeriesPart {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const index of this.cells.keys()) {
      first = Math.min(first, index);
      last = Math.max(last, index);
    }
    if (this.cells.size === 0) first = last = 0;
    const length = this.cells.size === 0 ? 0 : last - first + 1;
    const part = emptySeries(this.intervalMs, first, length);
    for (const [index, cell] of this.cells) {
      const at = index - first;
      for (const c of SERIES_COUNTERS) part[c][at] = cell.counters[c];
      part.requestLatency[at] = sortedBuckets(cell.requestLatency);
      part.ttfb[at] = sortedBuckets(cell.ttfb);
    }
    part.getSizes = sortedBuckets(this.getSizes);
    part.from = Number.isFinite(this.from) ? this.from : null;
    part.to = Number.isFinite(this.to) ? this.to : null;
    return part;
  }
}

function emptySeries(intervalMs: number, first: number, length: number): SeriesPart {
  const zeros = () => new Array<number>(length).fill(0);
  const counters = Object.fromEntries(SERIES_COUNTERS.map((c) => [c, zeros()])) as Record<
    SeriesCounter,
    number[]
  >;
  return {
    intervalMs,
    first,
    from: null,
    to: null,
    ...counters,
    requestLatency: Array.from({ length }, () => []),
    ttfb: Array.from({ length }, () => []),
    getSizes: [],
  };
}

function addBucketCounts(into: Map<number, number>, from: BucketCounts): void {
  for (const [bucket, count] of from) addBucket(into, bucket, count);
}

const minOf = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.min(...known) : null;
};
const maxOf = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.max(...known) : null;
};

/**
 * Adds series interval by interval: exact, associative and commutative. All
 * must use the same interval length (the grid is then the same: see the
 * header). Empty input gives an empty series of `intervalMs`.
 */
export function mergeSeries(parts: SeriesPart[], intervalMs = DEFAULT_INTERVAL_MS): SeriesPart {
  const length = (p: SeriesPart) => p.steps.length;
  const lengths = new Set(parts.map((p) => p.intervalMs));
  if (lengths.size > 1)
    throw new Error(`time series with different intervals cannot merge: ${[...lengths].join(', ')} ms`);
  const interval = parts[0]?.intervalMs ?? intervalMs;
  const nonEmpty = parts.filter((p) => length(p) > 0);
  const first = nonEmpty.length > 0 ? Math.min(...nonEmpty.map((p) => p.first)) : 0;
  const end = nonEmpty.length > 0 ? Math.max(...nonEmpty.map((p) => p.first + length(p))) : 0;
  const merged = emptySeries(interval, first, end - first);
  const latency = Array.from({ length: end - first }, () => ({
    request: new Map<number, number>(),
    ttfb: new Map<number, number>(),
  }));
  const sizes = new Map<number, number>();
  for (const p of parts) {
    for (let i = 0; i < length(p); i++) {
      const at = p.first + i - first;
      for (const c of SERIES_COUNTERS) (merged[c][at] as number) += p[c][i] as number;
      addBucketCounts(latency[at]?.request as Map<number, number>, p.requestLatency[i] ?? []);
      addBucketCounts(latency[at]?.ttfb as Map<number, number>, p.ttfb[i] ?? []);
    }
    addBucketCounts(sizes, p.getSizes);
  }
  merged.requestLatency = latency.map((l) => sortedBuckets(l.request));
  merged.ttfb = latency.map((l) => sortedBuckets(l.ttfb));
  merged.getSizes = sortedBuckets(sizes);
  merged.from = minOf(parts.map((p) => p.from));
  merged.to = maxOf(parts.map((p) => p.to));
  return merged;
}

/** Sum of bucket counts. */
export function bucketTotal(buckets: BucketCounts): number {
  return buckets.reduce((n, [, c]) => n + c, 0);
}

/**
 * The value at `percentile` (0–100) of a bucketed distribution: the upper
 * bound of the bucket holding it (as HDR reports a value's highest
 * equivalent), so at most 6.25 % above the true value; null when empty.
 */
export function bucketPercentile(buckets: BucketCounts, percentile: number): number | null {
  const total = bucketTotal(buckets);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((percentile / 100) * total));
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= rank) return bucketBounds(bucket).high - 1;
  }
  return bucketBounds((buckets[buckets.length - 1] as [number, number])[0]).high - 1;
}

/** Adds bucketed distributions (e.g. every interval's latency, for the run's). */
export function sumBuckets(lists: BucketCounts[]): BucketCounts {
  const all = new Map<number, number>();
  for (const list of lists) addBucketCounts(all, list);
  return sortedBuckets(all);
}

/**
 * The per-operation record of a phase of requests — the write phase of
 * `generate` above all (warp's per-operation shape): for each operation its
 * counters and HDR histograms of latency and time to first byte, and a
 * per-interval series of the bytes moved, objects finished, requests, errors
 * and retries. Plain JSON that merges exactly (counters add, histograms add,
 * intervals add on the Unix-epoch grid of timeseries.ts), so shards on worker
 * threads, ranks and Lambdas combine into one phase.
 *
 * Operations are named as the requests are: PUT, GET, HEAD, LIST, DELETE,
 * MULTIPART (a whole multipart upload, create to complete), the requests
 * inside it (CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload), and WRITE for a local file written whole (temp
 * file + rename).
 */
import type { Operation, OperationSink, UploadRequest } from '../storage/operations.ts';
import {
  type EncodedHistogram,
  encodeHistogram,
  type Histogram,
  mergeEncoded,
  newHistogram,
  recordMs,
} from './histogram.ts';
import { DEFAULT_INTERVAL_MS } from './timeseries.ts';

export const PHASE_VERSION = 1;

export interface OperationPart {
  count: number;
  /** Payload bytes moved. */
  bytes: number;
  /** Requests that failed after retries (a 404 is a miss, not an error: an existence check expects it). */
  errors: number;
  retries: number;
  /** Start → end and start → first byte, µs. */
  latencyUs: EncodedHistogram;
  ttfbUs: EncodedHistogram;
}

/** The integer columns of a phase series, one value per interval. */
export const PHASE_COUNTERS = ['bytes', 'objects', 'requests', 'errors', 'retries'] as const;
export type PhaseCounter = (typeof PHASE_COUNTERS)[number];

export type PhaseSeries = {
  intervalMs: number;
  /** Interval `first` starts at first × intervalMs ms since the Unix epoch. */
  first: number;
  /** First request start and last request end (ms since the Unix epoch); null when there was none. */
  from: number | null;
  to: number | null;
} & Record<PhaseCounter, number[]>;

export interface PhasePart {
  version: typeof PHASE_VERSION;
  operations: Record<string, OperationPart>;
  series: PhaseSeries;
}

/** Operations whose bytes are the data moved (MULTIPART's are its UploadParts'). */
const CARRIES_DATA = new Set(['PUT', 'WRITE', 'UploadPart', 'GET']);
/** Operations that finish an object. */
const FINISHES_OBJECT = new Set(['PUT', 'WRITE', 'MULTIPART']);

const failed = (status: number, error: string | undefined) =>
  status !== 404 && error !== 'not_found' && (error !== undefined || status === 0 || status >= 400);

const toUs = (ms: number) => Math.round(ms * 1000);

interface Cells {
  counters: Map<number, Record<PhaseCounter, number>>;
}

interface OperationCells {
  count: number;
  bytes: number;
  errors: number;
  retries: number;
  latency: Histogram;
  ttfb: Histogram;
}

/** Records every request of a phase; an OperationSink that also takes the requests of multipart uploads. */
export class PhaseRecorder implements OperationSink {
  private readonly operations = new Map<string, OperationCells>();
  private readonly cells: Cells = { counters: new Map() };
  private from = Number.POSITIVE_INFINITY;
  private to = Number.NEGATIVE_INFINITY;
  private readonly intervalUs: number;

  /** `localWrites`: the storage is local_fs, whose whole-object writes are WRITE, not PUT. */
  constructor(
    private readonly localWrites = false,
    readonly intervalMs: number = DEFAULT_INTERVAL_MS,
  ) {
    this.intervalUs = intervalMs * 1000;
  }

  record(op: Operation): void {
    const name = this.localWrites && (op.op === 'PUT' || op.op === 'MULTIPART') ? 'WRITE' : op.op;
    this.add(name, op, op.firstByte);
  }

  recordUploadRequest(request: UploadRequest): void {
    this.add(request.op, request, undefined);
  }

  private add(
    name: string,
    r: Pick<Operation, 'bytes' | 'start' | 'end' | 'status' | 'retries' | 'error'>,
    firstByte: number | undefined,
  ): void {
    const cells = this.operationCells(name);
    const isError = failed(r.status, r.error);
    cells.count += 1;
    cells.bytes += r.bytes;
    cells.retries += r.retries;
    if (isError) cells.errors += 1;
    recordMs(cells.latency, r.end - r.start);
    if (firstByte !== undefined) recordMs(cells.ttfb, firstByte - r.start);
    this.from = Math.min(this.from, r.start);
    this.to = Math.max(this.to, r.end);
    const end = this.cell(Math.floor(toUs(r.end) / this.intervalUs));
    if (FINISHES_OBJECT.has(name) && !isError) end.objects += 1;
    // MULTIPART is its requests, each counted on its own.
    if (name !== 'MULTIPART') {
      end.requests += 1;
      end.retries += r.retries;
      if (isError) end.errors += 1;
    }
    if (CARRIES_DATA.has(name)) this.spreadBytes(r.bytes, r.start, r.end);
  }

  /** Bytes of a request over the intervals its time covers, in proportion, as integers that sum to `bytes`. */
  private spreadBytes(bytes: number, startMs: number, endMs: number): void {
    if (bytes <= 0) return;
    const start = toUs(startMs);
    const end = toUs(endMs);
    const last = Math.floor(end / this.intervalUs);
    let given = 0;
    for (let i = Math.floor(start / this.intervalUs); i < last && end > start; i++) {
      const overlap = Math.min(end, (i + 1) * this.intervalUs) - Math.max(start, i * this.intervalUs);
      const share = Math.floor((bytes * overlap) / (end - start));
      this.cell(i).bytes += share;
      given += share;
    }
    this.cell(last).bytes += bytes - given;
  }

  private operationCells(name: string): OperationCells {
    let cells = this.operations.get(name);
    if (!cells) {
      cells = { count: 0, bytes: 0, errors: 0, retries: 0, latency: newHistogram(), ttfb: newHistogram() };
      this.operations.set(name, cells);
    }
    return cells;
  }

  private cell(index: number): Record<PhaseCounter, number> {
    let cell = this.cells.counters.get(index);
    if (!cell) {
      cell = { bytes: 0, objects: 0, requests: 0, errors: 0, retries: 0 };
      this.cells.counters.set(index, cell);
    }
    return cell;
  }

  toPart(): PhasePart {
    const indexes = [...this.cells.counters.keys()];
    const first = indexes.length > 0 ? Math.min(...indexes) : 0;
    const length = indexes.length > 0 ? Math.max(...indexes) - first + 1 : 0;
    const series = emptyPhaseSeries(this.intervalMs, first, length);
    for (const [index, cell] of this.cells.counters)
      for (const c of PHASE_COUNTERS) series[c][index - first] = cell[c];
    series.from = Number.isFinite(this.from) ? this.from : null;
    series.to = Number.isFinite(this.to) ? this.to : null;
    const operations: Record<string, OperationPart> = {};
    for (const [name, c] of [...this.operations].sort(([a], [b]) => a.localeCompare(b))) {
      operations[name] = {
        count: c.count,
        bytes: c.bytes,
        errors: c.errors,
        retries: c.retries,
        latencyUs: encodeHistogram(c.latency),
        ttfbUs: encodeHistogram(c.ttfb),
      };
    }
    return { version: PHASE_VERSION, operations, series };
  }
}

function emptyPhaseSeries(intervalMs: number, first: number, length: number): PhaseSeries {
  const zeros = () => new Array<number>(length).fill(0);
  return {
    intervalMs,
    first,
    from: null,
    to: null,
    bytes: zeros(),
    objects: zeros(),
    requests: zeros(),
    errors: zeros(),
    retries: zeros(),
  };
}

const minKnown = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.min(...known) : null;
};
const maxKnown = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.max(...known) : null;
};

function mergePhaseSeries(parts: PhaseSeries[], intervalMs: number): PhaseSeries {
  const nonEmpty = parts.filter((p) => p.bytes.length > 0);
  const first = nonEmpty.length > 0 ? Math.min(...nonEmpty.map((p) => p.first)) : 0;
  const end = nonEmpty.length > 0 ? Math.max(...nonEmpty.map((p) => p.first + p.bytes.length)) : 0;
  const merged = emptyPhaseSeries(intervalMs, first, end - first);
  for (const p of nonEmpty)
    for (const c of PHASE_COUNTERS)
      p[c].forEach((v, i) => {
        (merged[c][p.first + i - first] as number) += v;
      });
  merged.from = minKnown(parts.map((p) => p.from));
  merged.to = maxKnown(parts.map((p) => p.to));
  return merged;
}

/** Phases added: exact, in any order and grouping. All must share one interval length. */
export function mergePhaseParts(parts: PhasePart[]): PhasePart {
  const intervals = new Set(parts.map((p) => p.series.intervalMs));
  if (intervals.size > 1)
    throw new Error(`phases with different intervals cannot merge: ${[...intervals].join(', ')} ms`);
  for (const p of parts)
    if (p.version !== PHASE_VERSION) throw new Error(`phase version ${p.version}, expected ${PHASE_VERSION}`);
  const names = [...new Set(parts.flatMap((p) => Object.keys(p.operations)))].sort();
  const operations: Record<string, OperationPart> = {};
  for (const name of names) {
    const of = parts.flatMap((p) => (p.operations[name] ? [p.operations[name]] : []));
    const sum = (pick: (o: OperationPart) => number) => of.reduce((n, o) => n + pick(o), 0);
    operations[name] = {
      count: sum((o) => o.count),
      bytes: sum((o) => o.bytes),
      errors: sum((o) => o.errors),
      retries: sum((o) => o.retries),
      latencyUs: encodeHistogram(mergeEncoded(of.map((o) => o.latencyUs))),
      ttfbUs: encodeHistogram(mergeEncoded(of.map((o) => o.ttfbUs))),
    };
  }
  const intervalMs = parts[0]?.series.intervalMs ?? DEFAULT_INTERVAL_MS;
  return {
    version: PHASE_VERSION,
    operations,
    series: mergePhaseSeries(
      parts.map((p) => p.series),
      intervalMs,
    ),
  };
}

/** A sink that passes every record to each of `sinks` (a progress tally and a phase recorder). */
export function teeSinks(...sinks: OperationSink[]): OperationSink {
  return {
    record: (op) => {
      for (const s of sinks) s.record(op);
    },
    recordUploadRequest: (request, key) => {
      for (const s of sinks) s.recordUploadRequest?.(request, key);
    },
  };
}

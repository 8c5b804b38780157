/**
 * A phase of requests as figures people read — the per-operation table
 * (count, ops/s, MB/s, latency, errors, retries: warp's shape) and the
 * fastest, median and slowest 1-s segments of its steady state — for both
 * phases: the write phase of generate (generate.json `write_phase`) and the
 * read phase of training (summary.json `read_phase`). Pure.
 */
import {
  decodeHistogram,
  type EncodedHistogram,
  type LatencySummary,
  summarizeHistogram,
} from './histogram.ts';

export interface OperationFigures {
  count: number;
  bytes: number;
  errors: number;
  retries: number;
  /** count ÷ the phase's seconds (null when it has no duration). */
  per_second: number | null;
  /** bytes ÷ the phase's seconds, MB = 10^6 B. */
  MB_per_second: number | null;
  latency: LatencySummary;
  time_to_first_byte: LatencySummary;
}

export interface Segment {
  /** Start of the interval, s since the phase's first request. */
  start_s: number;
  MB_per_second: number;
  requests_per_second: number;
  /** Objects finished per second (the write phase; null for the read phase). */
  objects_per_second: number | null;
}

export interface Segments {
  interval_s: number;
  /** Intervals wholly inside the phase (its steady state): the first and last, partly outside, are left out. */
  count: number;
  fastest: Segment;
  median: Segment;
  slowest: Segment;
}

export interface PhaseFigures {
  /** First request start → last request end, s (null when there was no request). */
  seconds: number | null;
  operations: Record<string, OperationFigures>;
  /** Null when the phase holds no whole interval. */
  segments: Segments | null;
}

/** What a phase's operations are made of: counters and HDR histograms, by operation. */
export interface OperationInput {
  count: number;
  bytes: number;
  errors: number;
  retries: number;
  latencyUs: EncodedHistogram;
  ttfbUs: EncodedHistogram;
}

/** One interval of a phase's series. */
export interface IntervalInput {
  startMs: number;
  bytes: number;
  requests: number;
  objects: number | null;
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

export function operationFigures(
  operations: Record<string, OperationInput>,
  seconds: number | null,
): Record<string, OperationFigures> {
  const rate = (n: number) => (seconds !== null && seconds > 0 ? round(n / seconds) : null);
  return Object.fromEntries(
    Object.entries(operations).map(([name, o]) => [
      name,
      {
        count: o.count,
        bytes: o.bytes,
        errors: o.errors,
        retries: o.retries,
        per_second: rate(o.count),
        MB_per_second: rate(o.bytes / 1e6),
        latency: summarizeHistogram(decodeHistogram(o.latencyUs)),
        time_to_first_byte: summarizeHistogram(decodeHistogram(o.ttfbUs)),
      },
    ]),
  );
}

/**
 * The fastest, median and slowest whole interval between `fromMs` and `toMs`
 * by MB/s (warp's "fastest/median/slowest second"); null when no interval
 * lies wholly inside.
 */
export function phaseSegments(
  intervals: IntervalInput[],
  intervalMs: number,
  fromMs: number | null,
  toMs: number | null,
): Segments | null {
  if (fromMs === null || toMs === null) return null;
  const seconds = intervalMs / 1000;
  const whole = intervals
    .filter((i) => i.startMs >= fromMs && i.startMs + intervalMs <= toMs)
    .map(
      (i): Segment => ({
        start_s: round((i.startMs - fromMs) / 1000, 3),
        MB_per_second: round(i.bytes / 1e6 / seconds),
        requests_per_second: round(i.requests / seconds),
        objects_per_second: i.objects === null ? null : round(i.objects / seconds),
      }),
    );
  if (whole.length === 0) return null;
  const byRate = [...whole].sort((a, b) => a.MB_per_second - b.MB_per_second || a.start_s - b.start_s);
  return {
    interval_s: seconds,
    count: whole.length,
    fastest: byRate[byRate.length - 1] as Segment,
    median: byRate[Math.floor((byRate.length - 1) / 2)] as Segment,
    slowest: byRate[0] as Segment,
  };
}

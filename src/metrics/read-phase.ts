/**
 * The read phase of a training run as figures (summary.json `read_phase`):
 * its bounds (first request start, last request end), each operation's
 * counters with its own latency and TTFB histograms, and the fastest,
 * median and slowest whole second of the run's time series. Pure.
 */
import type { OperationType } from '../storage/operations.ts';
import type { RunAggregate } from './combine.ts';
import { encodeHistogram, type Histogram, newHistogram } from './histogram.ts';
import type { RequestCounter } from './partial.ts';
import { operationFigures, type PhaseFigures, phaseSegments } from './phase-figures.ts';

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

/** First request start and last request end over the run (ms); null when nothing was requested. */
export function readPhaseBounds(run: RunAggregate): { from: number; to: number } | null {
  const starts = run.epochs.flatMap((e) => (e.firstRequestMs === undefined ? [] : [e.firstRequestMs]));
  const ends = run.epochs.flatMap((e) => (e.lastRequestMs === undefined ? [] : [e.lastRequestMs]));
  if (starts.length === 0 || ends.length === 0) return null;
  return { from: Math.min(...starts), to: Math.max(...ends) };
}

/** The histograms of one operation: its own, or the run's when it is the only operation (older partials). */
function histogramsOf(run: RunAggregate, op: OperationType): { latencyUs: string; ttfbUs: string } {
  const own = run.byOperation?.[op];
  if (own) return { latencyUs: own.requestUs, ttfbUs: own.ttfbUs };
  const only = Object.keys(run.requests).length === 1;
  const pick = (h: Histogram) => encodeHistogram(only ? h : newHistogram());
  return { latencyUs: pick(run.histograms.requestUs), ttfbUs: pick(run.histograms.ttfbUs) };
}

/** The read phase as the per-operation table and its 1-s segments (summary.json `read_phase`). */
export function readPhaseFigures(run: RunAggregate): PhaseFigures {
  const bounds = readPhaseBounds(run);
  const seconds = bounds === null ? null : round(Math.max(0, bounds.to - bounds.from) / 1000);
  const operations = Object.fromEntries(
    (Object.entries(run.requests) as [OperationType, RequestCounter][]).map(([op, c]) => [
      op,
      { ...c, ...histogramsOf(run, op) },
    ]),
  );
  const series = run.series;
  const intervals = series
    ? series.bytes.map((bytes, i) => ({
        startMs: (series.first + i) * series.intervalMs,
        bytes,
        requests: series.requests[i] ?? 0,
        objects: null,
      }))
    : [];
  return {
    seconds,
    operations: operationFigures(operations, seconds),
    segments: series
      ? phaseSegments(intervals, series.intervalMs, bounds?.from ?? null, bounds?.to ?? null)
      : null,
  };
}

/**
 * Long accelerators across Lambda invocations (issue 13). A reader runs a
 * range of epochs, sized to what its invocation has left (measured epoch
 * time, never more than the deadline allows), stores what it measured as a
 * segment partial and returns where to continue; the state machine invokes
 * it again until the accelerator is done. The last invocation joins the
 * segments into the one partial a single long run would have written: the
 * epochs, in order, and the merged histograms. Pure; the read step does I/O.
 */
import { encodeHistogram, mergeEncoded } from '../metrics/histogram.ts';
import type { AcceleratorPartial } from '../metrics/partial.ts';
import { mergeSeries } from '../metrics/timeseries.ts';
import { READ_WRITE_RESERVE_MS } from './capacity.ts';

/** A segment is sized so its epochs fit this many times over their measured length. */
export const EPOCH_HEADROOM = 1.25;

/**
 * When this invocation must stop starting epochs (ms since the epoch):
 * the run's invocation budget from the handler's start, and the Lambda's own
 * remaining time less what writing the results takes. Infinity: no limit.
 */
export function invocationDeadline(
  handlerStartAt: number,
  budgetMs: number | null,
  remainingMs: number | null,
  now: number,
): number {
  const limits: number[] = [];
  if (budgetMs !== null) limits.push(handlerStartAt + budgetMs);
  if (remainingMs !== null) limits.push(now + remainingMs - READ_WRITE_RESERVE_MS);
  return limits.length > 0 ? Math.min(...limits) : Number.POSITIVE_INFINITY;
}

export interface SegmentState {
  /** First epoch still to run. */
  next: number;
  /** The run's epoch count. */
  end: number;
  /** Longest epoch measured so far (ms), or null before the first. */
  epochMs: number | null;
  /** ms until the deadline. */
  msLeft: number;
  /** Whether this invocation already ran a segment (the first one always runs one epoch at least). */
  ranThisInvocation: boolean;
}

/** Epochs to run next in this invocation; 0 = stop here and continue in a new invocation. */
export function nextSegmentEpochs(s: SegmentState): number {
  const left = s.end - s.next;
  if (left <= 0) return 0;
  if (s.msLeft === Number.POSITIVE_INFINITY) return left;
  if (s.epochMs === null) return s.ranThisInvocation ? 0 : 1;
  const fit = Math.floor(s.msLeft / Math.max(1, s.epochMs * EPOCH_HEADROOM));
  return Math.min(left, s.ranThisInvocation ? Math.max(0, fit) : Math.max(1, fit));
}

/** The longest epoch (block start → end) of some partials, or `previous` when longer. */
export function longestEpochMs(partials: AcceleratorPartial[], previous: number | null): number | null {
  let longest = previous;
  for (const p of partials) {
    for (const e of p.epochs) longest = Math.max(longest ?? 0, e.end - e.start);
  }
  return longest;
}

/** One accelerator's segments (any order) as the partial one uninterrupted run writes. */
export function joinSegments(segments: AcceleratorPartial[]): AcceleratorPartial {
  const first = segments[0];
  if (!first) throw new Error('joinSegments: no segments');
  if (segments.length === 1) return first;
  const epochs = segments.flatMap((s) => s.epochs).sort((a, b) => a.epoch - b.epoch);
  for (let i = 1; i < epochs.length; i++) {
    if (epochs[i]?.epoch === epochs[i - 1]?.epoch) {
      throw new Error(`accelerator ${first.accelerator}: epoch ${epochs[i]?.epoch} measured twice`);
    }
  }
  const merged = (pick: (p: AcceleratorPartial) => string) =>
    encodeHistogram(mergeEncoded(segments.map(pick)));
  const series = segments.flatMap((s) => (s.series ? [s.series] : []));
  return {
    ...first,
    // Wall-clock aligned intervals: the segments' series add like one run's.
    ...(series.length === segments.length ? { series: mergeSeries(series) } : { series: undefined }),
    start: Math.min(...segments.map((s) => s.start)),
    end: Math.max(...segments.map((s) => s.end)),
    epochs,
    histograms: {
      requestUs: merged((p) => p.histograms.requestUs),
      ttfbUs: merged((p) => p.histograms.ttfbUs),
      stepLoadWaitUs: merged((p) => p.histograms.stepLoadWaitUs),
    },
  };
}

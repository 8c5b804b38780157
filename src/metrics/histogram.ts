/**
 * Latency histograms (HDR, microsecond resolution, 3 significant digits).
 * Shards ship them as HDR's compressed base64 encoding; decoding and adding
 * is exact, so merging partials equals recording everything in one place.
 */
// The pure-JS histogram and its V2 compressed encoding only: the package's index also loads a
// WebAssembly build and pako, which a worker thread would compile at every start for nothing.
import type { JsHistogram } from 'hdr-histogram-js';
import { decompress, doDecode } from 'hdr-histogram-js/dist/JsHistogram.encoding.js';
import { constructorFromBucketSize } from 'hdr-histogram-js/dist/JsHistogramFactory.js';

export type Histogram = JsHistogram;
/** HDR compressed base64 ("HISTF…"). */
export type EncodedHistogram = string;

const Float64Histogram = constructorFromBucketSize(64);

export function newHistogram(): Histogram {
  // Auto-resizing from [1, 2]: 3 significant digits over any range, as hdr's build() makes it.
  const histogram = new Float64Histogram(1, 2, 3);
  histogram.autoResize = true;
  return histogram;
}

/** Records a duration given in milliseconds at microsecond resolution. */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(0, Math.round(ms * 1000)));
}

export function encodeHistogram(histogram: Histogram): EncodedHistogram {
  return histogram.encodeIntoCompressedBase64();
}

function decodeOne(encoded: EncodedHistogram): Histogram {
  return doDecode(decompress(Buffer.from(encoded.trim(), 'base64')), 64);
}

export function decodeHistogram(encoded: EncodedHistogram): Histogram {
  // Decoded histograms are sized for their own range; re-adding into an auto-resizing one keeps merges unbounded.
  const histogram = newHistogram();
  histogram.add(decodeOne(encoded));
  return histogram;
}

export function mergeEncoded(encoded: EncodedHistogram[]): Histogram {
  const merged = newHistogram();
  for (const e of encoded) merged.add(decodeOne(e));
  return merged;
}

/** Percentiles in milliseconds; null fields when nothing was recorded (never a silent 0). */
export interface LatencySummary {
  count: number;
  min_ms: number | null;
  mean_ms: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  p999_ms: number | null;
  max_ms: number | null;
}

const usToMs = (us: number) => Math.round(us) / 1000;

export function summarizeHistogram(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) {
    return {
      count,
      min_ms: null,
      mean_ms: null,
      p50_ms: null,
      p90_ms: null,
      p99_ms: null,
      p999_ms: null,
      max_ms: null,
    };
  }
  return {
    count,
    // Bucket-equivalent extremes (not the raw recorded ones) so that a merged histogram reports the same values.
    min_ms: usToMs(histogram.getValueAtPercentile(0)),
    mean_ms: usToMs(histogram.mean),
    p50_ms: usToMs(histogram.getValueAtPercentile(50)),
    p90_ms: usToMs(histogram.getValueAtPercentile(90)),
    p99_ms: usToMs(histogram.getValueAtPercentile(99)),
    p999_ms: usToMs(histogram.getValueAtPercentile(99.9)),
    max_ms: usToMs(histogram.getValueAtPercentile(100)),
  };
}

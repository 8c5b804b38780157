/**
 * What report.html draws, as data: one ChartSpec per chart, each holding
 * uPlot's aligned table (x values, then one column per series) so the
 * browser code only hands it to the library. Several runs overlay: each
 * series belongs to a run, and their x values are joined (null where a run
 * has no value). A chart or series without a single value is left out, so
 * every chart drawn has data. Where the x axis is a category (request sizes,
 * accelerators, epochs, hosts) the chart is bars from zero.
 *
 * This file: the shapes, the join, the latency distributions and the page's
 * chart order; charts-time.ts (over time), charts-category.ts (bars) and
 * charts-hosts.ts (ranks and readers) build the rest.
 */
import type { LoadedRun } from '../metrics/run-results.ts';
import { type BucketCounts, bucketBounds, bucketTotal, sumBuckets } from '../metrics/timeseries.ts';
import { categoryCharts } from './charts-category.ts';
import { hostCharts } from './charts-hosts.ts';
import { timeCharts, writePhaseCharts } from './charts-time.ts';
import type { RunName } from './labels.ts';

export interface ChartSeries {
  label: string;
  /** Index of the run it belongs to. */
  run: number;
  /** Index into the page's palette; default the run's. Roles of one run (compute, load wait) differ in colour. */
  colour?: number;
  /** A second series of the same run (p99, TTFB, retries) is dashed. */
  dashed?: boolean;
  /** The full name shown on hover (a run's id and folder). */
  title?: string;
}

export type AlignedData = [number[], ...(number | null)[][]];

export interface ChartSpec {
  id: string;
  title: string;
  note?: string;
  xLabel: string;
  /** The x value's name in the legend (default: xLabel). */
  xLegend?: string;
  yLabel: string;
  xLog?: boolean;
  /** x values are whole numbers (epochs, accelerators): ticks only there. */
  xIntegers?: boolean;
  /** line: values joined; points: markers joined by a line; bars: one bar per series and category, from zero. */
  style: 'line' | 'points' | 'bars';
  /** A category axis: x is 0..n−1 and these are its labels. */
  categories?: string[];
  /** The y axis starts at zero (always for bars). */
  yFromZero?: boolean;
  /** Vertical marks on the x axis (epoch starts). */
  marks?: { x: number; label: string }[];
  /** Horizontal lines (a threshold). */
  thresholds?: { y: number; label: string }[];
  /** Error bars of a series (an index into `series`), low and high per x. */
  errorBars?: { series: number; low: (number | null)[]; high: (number | null)[] }[];
  series: ChartSeries[];
  data: AlignedData;
}

export interface Column {
  series: ChartSeries;
  x: number[];
  y: (number | null)[];
}

/** Joins columns on their x values; drops columns without a value and returns null if none is left. */
export function alignColumns(columns: Column[]): { series: ChartSeries[]; data: AlignedData } | null {
  const kept = columns.filter((c) => c.y.some((v) => v !== null && Number.isFinite(v)));
  if (kept.length === 0) return null;
  const xs = [...new Set(kept.flatMap((c) => c.x))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = kept.map((c) => {
    const out = new Array<number | null>(xs.length).fill(null);
    c.x.forEach((x, i) => {
      out[at.get(x) as number] = c.y[i] ?? null;
    });
    return out;
  });
  return { series: kept.map((c) => c.series), data: [xs, ...ys] };
}

export type Chart = Omit<ChartSpec, 'series' | 'data'>;

export function chart(spec: Chart, columns: Column[]): ChartSpec[] {
  const aligned = alignColumns(columns);
  return aligned ? [{ ...spec, ...aligned }] : [];
}

/**
 * Bars over named categories: each run gives a value per category label;
 * the categories are the union, in `order` (default: first seen).
 */
export function barChart(
  spec: Omit<Chart, 'style' | 'categories' | 'xIntegers'>,
  bars: { series: ChartSeries; values: Map<string, number | null> }[],
  order?: (a: string, b: string) => number,
): ChartSpec[] {
  const labels = [...new Set(bars.flatMap((b) => [...b.values.keys()]))];
  if (order) labels.sort(order);
  const columns = bars.map(
    (b): Column => ({
      series: b.series,
      x: labels.map((_, i) => i),
      y: labels.map((l) => b.values.get(l) ?? null),
    }),
  );
  const aligned = alignColumns(columns);
  if (!aligned) return [];
  return [{ ...spec, style: 'bars', categories: labels, yFromZero: true, ...aligned }];
}

/** A run's whole-run distribution from per-interval buckets: cumulative share at each bucket's upper bound. */
function cdfColumn(buckets: BucketCounts, scale: number, series: ChartSeries): Column {
  const total = bucketTotal(buckets);
  let seen = 0;
  const x: number[] = [];
  const y: number[] = [];
  for (const [bucket, count] of buckets) {
    seen += count;
    x.push(bucketBounds(bucket).high / scale);
    y.push(seen / total);
  }
  return { series, x, y };
}

function histogramColumn(buckets: BucketCounts, scale: number, series: ChartSeries): Column {
  const total = bucketTotal(buckets);
  return {
    series,
    x: buckets.map(([b]) => bucketBounds(b).high / scale),
    y: buckets.map(([, n]) => (n / total) * 100),
  };
}

function latencyCharts(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  const per = runs.flatMap((run, i) => {
    if (!run.timeseries) return [];
    const { short, title } = names[i] as RunName;
    return [
      {
        buckets: sumBuckets(run.timeseries.columns.request_latency_buckets),
        series: { label: `${short} request`, run: i, title },
      },
      {
        buckets: sumBuckets(run.timeseries.columns.ttfb_buckets),
        series: { label: `${short} time to first byte`, run: i, dashed: true, title },
      },
    ];
  });
  const withData = per.filter((p) => bucketTotal(p.buckets) > 0);
  const note = 'Log-linear buckets (≤ 6.25 % wide); each point is a bucket’s upper bound.';
  const base = { xLabel: 'ms', xLog: true, note };
  return [
    ...chart(
      {
        ...base,
        id: 'latency-cdf',
        title: 'Latency CDF: request and time to first byte (dashed)',
        yLabel: 'share of requests ≤ x',
        style: 'line',
      },
      withData.map((p) => cdfColumn(p.buckets, 1000, p.series)),
    ),
    ...chart(
      {
        ...base,
        id: 'latency-histogram',
        title: 'Latency histogram: request and time to first byte (dashed)',
        yLabel: '% of requests',
        style: 'points',
      },
      withData.map((p) => histogramColumn(p.buckets, 1000, p.series)),
    ),
  ];
}

/** Every chart of the report, in page order. */
export function reportCharts(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  return [
    ...timeCharts(runs, names),
    ...latencyCharts(runs, names),
    ...categoryCharts(runs, names),
    ...hostCharts(runs, names),
    ...writePhaseCharts(runs, names),
  ];
}

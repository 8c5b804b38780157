/**
 * What report.html draws, as data: one ChartSpec per chart, each holding
 * uPlot's aligned table (x values, then one column per series) so the
 * browser code only hands it to the library. Several runs overlay: each
 * series belongs to a run, and their x values are joined (null where a run
 * has no value). A chart or series without a single value is left out, so
 * every chart drawn has data.
 */
import type { LoadedRun } from '../metrics/run-results.ts';
import { runLabel } from '../metrics/run-results.ts';
import { type BucketCounts, bucketBounds, bucketTotal, sumBuckets } from '../metrics/timeseries.ts';
import type { TimeSeriesColumns, TimeSeriesFile } from '../metrics/timeseries-file.ts';

export interface ChartSeries {
  label: string;
  /** Index of the run it belongs to (its colour). */
  run: number;
  /** A second series of the same run (p99, TTFB, load wait) is dashed. */
  dashed?: boolean;
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
  /** line: values joined; points: markers joined by a line (few x values, or buckets). */
  style: 'line' | 'points';
  series: ChartSeries[];
  data: AlignedData;
}

interface Column {
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

type Chart = Omit<ChartSpec, 'series' | 'data'>;

function chart(spec: Chart, columns: Column[]): ChartSpec[] {
  const aligned = alignColumns(columns);
  return aligned ? [{ ...spec, ...aligned }] : [];
}

type NumericColumn = {
  [K in keyof TimeSeriesColumns]-?: NonNullable<TimeSeriesColumns[K]> extends (number | null)[] ? K : never;
}[keyof TimeSeriesColumns];

/**
 * Where an interval's values are drawn: the middle of the part of it the run
 * covered (s since the run's start). The first and last intervals are partly
 * outside the run, as the grid is the clock's, not the run's.
 */
function intervalMidpoints(ts: TimeSeriesFile): number[] {
  const runStart = Date.parse(ts.run_start);
  return ts.columns.start_ms.map((start) => {
    const from = Math.max(start, ts.from_ms ?? start);
    const to = Math.min(start + ts.interval_ms, ts.to_ms ?? start + ts.interval_ms);
    const middle = to > from ? (from + to) / 2 : start + ts.interval_ms / 2;
    return Number(((middle - runStart) / 1000).toFixed(3));
  });
}

/** One column per run (and per `what`) of a timeseries.json column over time. */
function timeColumns(
  runs: LoadedRun[],
  what: { column: NumericColumn; suffix?: string; dashed?: boolean }[],
) {
  return runs.flatMap((run, i) => {
    const ts = run.timeseries;
    if (!ts) return [];
    const x = intervalMidpoints(ts);
    return what.map(
      (w): Column => ({
        series: { label: `${runLabel(run)}${w.suffix ?? ''}`, run: i, dashed: w.dashed },
        x,
        y: ts.columns[w.column] ?? [],
      }),
    );
  });
}

const TIME_AXIS = 's since the run started (middle of each interval)';

function timeCharts(runs: LoadedRun[], intervalNote: string): ChartSpec[] {
  const line = (spec: Omit<Chart, 'xLabel' | 'style'>) => ({
    ...spec,
    xLabel: TIME_AXIS,
    xLegend: 's',
    style: 'line' as const,
  });
  return [
    ...chart(
      line({
        id: 'throughput',
        title: 'Read throughput over time',
        yLabel: 'MB/s (10^6 B/s)',
        note: intervalNote,
      }),
      timeColumns(runs, [{ column: 'MB_per_second' }]),
    ),
    ...chart(
      line({ id: 'samples', title: 'Samples per second over time', yLabel: 'samples/s' }),
      timeColumns(runs, [{ column: 'samples_per_second' }]),
    ),
    ...chart(
      line({ id: 'in-flight', title: 'GETs in flight (mean over each interval)', yLabel: 'GETs' }),
      timeColumns(runs, [{ column: 'gets_in_flight' }]),
    ),
    ...chart(
      line({ id: 'latency-time', title: 'Request latency over time: p50 and p99 (dashed)', yLabel: 'ms' }),
      timeColumns(runs, [
        { column: 'request_p50_ms', suffix: ' p50' },
        { column: 'request_p99_ms', suffix: ' p99', dashed: true },
      ]),
    ),
    ...chart(
      line({
        id: 'step-timeline',
        title: 'Step timeline: accelerator time computing vs waiting for a batch (dashed)',
        yLabel: '% of accelerator time',
        note: 'The rest of each step is the per-step barrier; between epochs accelerators wait at the epoch barrier.',
      }),
      timeColumns(runs, [
        { column: 'compute_percentage', suffix: ' compute' },
        { column: 'load_wait_percentage', suffix: ' load wait', dashed: true },
      ]),
    ),
    ...chart(
      line({
        id: 'client-cpu',
        title: 'Client CPU over time',
        yLabel: '% of the client cores',
        note: 'usr + sys CPU of the pqbench processes over the cores they may use; near 100 % the client, not the storage, sets the pace.',
      }),
      timeColumns(runs, [{ column: 'cpu_utilisation_percentage' }]),
    ),
  ];
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

function histogramColumn(
  buckets: BucketCounts,
  scale: number,
  series: ChartSeries,
  percent: boolean,
): Column {
  const total = bucketTotal(buckets);
  return {
    series,
    x: buckets.map(([b]) => bucketBounds(b).high / scale),
    y: buckets.map(([, n]) => (percent ? (n / total) * 100 : n)),
  };
}

function latencyCharts(runs: LoadedRun[]): ChartSpec[] {
  const per = runs.flatMap((run, i) => {
    if (!run.timeseries) return [];
    const label = runLabel(run);
    return [
      {
        buckets: sumBuckets(run.timeseries.columns.request_latency_buckets),
        series: { label: `${label} request`, run: i },
      },
      {
        buckets: sumBuckets(run.timeseries.columns.ttfb_buckets),
        series: { label: `${label} time to first byte`, run: i, dashed: true },
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
      withData.map((p) => histogramColumn(p.buckets, 1000, p.series, true)),
    ),
    ...chart(
      {
        id: 'request-sizes',
        title: 'GET sizes (successful GETs)',
        xLabel: 'bytes per GET',
        xLog: true,
        yLabel: 'GETs',
        style: 'points',
      },
      runs.flatMap((run, i) =>
        run.timeseries
          ? [histogramColumn(run.timeseries.get_size_buckets, 1, { label: runLabel(run), run: i }, false)]
          : [],
      ),
    ),
  ];
}

const meanOf = (values: number[]) =>
  values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;

/** Per-epoch and per-accelerator figures from the per-epoch stats and the summary. */
function epochCharts(runs: LoadedRun[]): ChartSpec[] {
  const byEpoch = (
    id: string,
    title: string,
    yLabel: string,
    value: (run: LoadedRun, e: number) => number | null,
  ) =>
    chart(
      { id, title, xLabel: 'epoch', xIntegers: true, yLabel, style: 'points' },
      runs.map((run, i) => ({
        series: { label: runLabel(run), run: i },
        x: run.epochs.map((e) => e.epoch),
        y: run.epochs.map((_, k) => value(run, k)),
      })),
    );
  const accelerators = runs.map((run, i): Column => {
    const count = Math.max(0, ...run.epochs.map((e) => e.au_percentage_per_accelerator.length));
    const x = Array.from({ length: count }, (_, k) => k);
    const y = x.map((k) => meanOf(run.epochs.flatMap((e) => e.au_percentage_per_accelerator[k] ?? [])));
    return { series: { label: runLabel(run), run: i }, x, y };
  });
  return [
    ...byEpoch('au-epoch', 'AU per epoch', 'AU %', (run, k) => run.epochs[k]?.au_percentage ?? null),
    ...chart(
      {
        id: 'au-accelerator',
        title: 'AU per accelerator (mean over epochs)',
        xLabel: 'accelerator',
        xIntegers: true,
        yLabel: 'AU %',
        style: 'points',
      },
      accelerators,
    ),
    ...byEpoch(
      'read-amplification',
      'Read amplification per epoch (bytes read ÷ projected bytes)',
      '×',
      (run, k) => run.epochs[k]?.read_amplification ?? null,
    ),
    ...byEpoch(
      'cost-epoch',
      'Cost per epoch (requests at the price table, plus serverless for cloud runs)',
      'USD',
      (run, k) => run.summary.cost.per_epoch_usd?.[k] ?? run.epochs[k]?.cost_usd ?? null,
    ),
  ];
}

/** Every chart of the report, in page order. */
export function reportCharts(runs: LoadedRun[]): ChartSpec[] {
  const intervals = [...new Set(runs.flatMap((r) => (r.timeseries ? [r.timeseries.interval_ms] : [])))];
  const intervalNote =
    intervals.length > 0 ? `Per ${intervals.map((ms) => `${ms / 1000} s`).join(' / ')} interval.` : '';
  return [...timeCharts(runs, intervalNote), ...latencyCharts(runs), ...epochCharts(runs)];
}

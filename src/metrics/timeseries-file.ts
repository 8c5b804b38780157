/**
 * timeseries.json: a run's merged series (timeseries.ts) as written to the
 * results, documented in docs/results-timeseries.md. Columnar — every array
 * in `columns` has one entry per interval — so that a DataFrame or a chart
 * takes it as it is. The raw integer columns are kept (they merge exactly:
 * series of two runs or hosts add interval by interval); the rates and
 * percentiles beside them are derived from them here.
 */
import type { CpuSeries } from './client.ts';
import {
  type BucketCounts,
  bucketPercentile,
  SERIES_COUNTERS,
  type SeriesCounter,
  type SeriesPart,
} from './timeseries.ts';

export const TIMESERIES_SCHEMA_VERSION = 1;

/** snake_case names of the raw counters in timeseries.json. */
const RAW_NAMES: Record<SeriesCounter, string> = {
  steps: 'steps',
  samples: 'samples',
  computeUs: 'compute_us',
  loadWaitUs: 'load_wait_us',
  stepUs: 'step_us',
  requests: 'requests',
  errors: 'errors',
  retries: 'retries',
  bytes: 'bytes',
  getInFlightUs: 'get_in_flight_us',
};

type Column = (number | null)[];

export interface TimeSeriesColumns {
  /** Start of the interval, ms since the Unix epoch (UTC). */
  start_ms: number[];
  /** Start of the interval relative to the run's start, s (the first may be negative: the grid is the clock's). */
  t_s: number[];
  /** Seconds of the interval inside the recorded span (from the first to the last fact): the rates' denominator. */
  covered_s: number[];
  steps: number[];
  samples: number[];
  compute_us: number[];
  load_wait_us: number[];
  step_us: number[];
  requests: number[];
  errors: number[];
  retries: number[];
  bytes: number[];
  get_in_flight_us: number[];
  /** µs, log-linear buckets (see `latency_buckets`). */
  request_latency_buckets: BucketCounts[];
  ttfb_buckets: BucketCounts[];
  samples_per_second: Column;
  /** Measured read bytes ÷ covered time; MB = 10^6 B, MiB = 2^20 B. */
  MB_per_second: Column;
  MiB_per_second: Column;
  requests_per_second: Column;
  /** Mean GETs in flight over the covered time. */
  gets_in_flight: Column;
  request_p50_ms: Column;
  request_p90_ms: Column;
  request_p99_ms: Column;
  request_max_ms: Column;
  ttfb_p50_ms: Column;
  ttfb_p99_ms: Column;
  /** Share of the accelerators' time (accelerators × covered time) spent computing / waiting for a batch, %. */
  compute_percentage: Column;
  load_wait_percentage: Column;
  /** Client CPU (µs, every host's process added) and its share of the hosts' cores over the covered time, %. */
  cpu_usr_us?: number[];
  cpu_sys_us?: number[];
  cpu_utilisation_percentage?: Column;
}

export interface TimeSeriesFile {
  schema_version: typeof TIMESERIES_SCHEMA_VERSION;
  run_id: string;
  interval_ms: number;
  /** Interval i starts at i × interval_ms ms since the Unix epoch: every host and Lambda shares the grid. */
  clock: 'unix_epoch_ms';
  run_start: string;
  run_end: string;
  /** Accelerators whose facts the series holds (the percentages' denominator). */
  accelerators: number;
  /** Recorded span, ms since the Unix epoch. */
  from_ms: number | null;
  to_ms: number | null;
  latency_buckets: LatencyBucketScheme;
  columns: TimeSeriesColumns;
  /** Bytes of each successful GET over the run, in the same log-linear buckets (bytes instead of µs). */
  get_size_buckets: BucketCounts;
}

export interface LatencyBucketScheme {
  scheme: 'log-linear';
  /** Values below this have a bucket each; each power of two above is split into this many buckets. */
  sub_buckets: 16;
  unit: 'us';
  /** How to get a bucket's bounds, for readers in other languages. */
  bounds: string;
}

const SCHEME: LatencyBucketScheme = {
  scheme: 'log-linear',
  sub_buckets: 16,
  unit: 'us',
  bounds:
    'b < 16: [b, b+1); else shift = floor((b-16)/16), sub = (b-16) % 16: [(16+sub)·2^shift, (17+sub)·2^shift)',
};

const round = (x: number, digits = 6) => Number(x.toFixed(digits));
const rate = (value: number, seconds: number) => (seconds > 0 ? round(value / seconds) : null);
const msOf = (us: number | null) => (us === null ? null : us / 1000);

export interface TimeSeriesRun {
  runId: string;
  /** The run's start and end (ms since the Unix epoch). */
  start: number;
  end: number;
  accelerators: number;
  /** The client hosts' CPU series added, and their cores added; absent when not measured. */
  cpu?: { series: CpuSeries; cores: number } | null;
}

/** The CPU columns on the steps' grid. */
function cpuColumns(series: SeriesPart, covered: number[], cpu: TimeSeriesRun['cpu']) {
  if (!cpu || cpu.series.intervalMs !== series.intervalMs) return {};
  const at = (values: number[], i: number) => values[series.first + i - cpu.series.first] ?? 0;
  const usr = covered.map((_, i) => at(cpu.series.usrUs, i));
  const sys = covered.map((_, i) => at(cpu.series.sysUs, i));
  return {
    cpu_usr_us: usr,
    cpu_sys_us: sys,
    cpu_utilisation_percentage: covered.map((seconds, i) =>
      seconds > 0 && cpu.cores > 0
        ? round((((usr[i] as number) + (sys[i] as number)) / (seconds * 1e6 * cpu.cores)) * 100)
        : null,
    ),
  };
}

function coveredSeconds(series: SeriesPart, index: number): number {
  if (series.from === null || series.to === null) return 0;
  const start = (series.first + index) * series.intervalMs;
  const end = start + series.intervalMs;
  return Math.max(0, Math.min(end, series.to) - Math.max(start, series.from)) / 1000;
}

function rawColumns(series: SeriesPart): Record<string, number[]> {
  return Object.fromEntries(SERIES_COUNTERS.map((c) => [RAW_NAMES[c], [...series[c]]]));
}

function derivedColumns(series: SeriesPart, covered: number[], accelerators: number) {
  const n = covered.length;
  const at = (c: SeriesCounter, i: number) => series[c][i] as number;
  const each = (f: (i: number, seconds: number) => number | null): Column =>
    Array.from({ length: n }, (_, i) => f(i, covered[i] as number));
  const percentile = (which: 'requestLatency' | 'ttfb', p: number): Column =>
    each((i) => {
      const us = msOf(bucketPercentile(series[which][i] ?? [], p));
      return us === null ? null : round(us, 3);
    });
  const share = (c: SeriesCounter): Column =>
    each((i, s) => (s > 0 && accelerators > 0 ? round((at(c, i) / (s * 1e6 * accelerators)) * 100) : null));
  return {
    samples_per_second: each((i, s) => rate(at('samples', i), s)),
    MB_per_second: each((i, s) => rate(at('bytes', i) / 1e6, s)),
    MiB_per_second: each((i, s) => rate(at('bytes', i) / 2 ** 20, s)),
    requests_per_second: each((i, s) => rate(at('requests', i), s)),
    gets_in_flight: each((i, s) => rate(at('getInFlightUs', i) / 1e6, s)),
    request_p50_ms: percentile('requestLatency', 50),
    request_p90_ms: percentile('requestLatency', 90),
    request_p99_ms: percentile('requestLatency', 99),
    request_max_ms: percentile('requestLatency', 100),
    ttfb_p50_ms: percentile('ttfb', 50),
    ttfb_p99_ms: percentile('ttfb', 99),
    compute_percentage: share('computeUs'),
    load_wait_percentage: share('loadWaitUs'),
  };
}

/** The timeseries.json body of a run's merged series. */
export function timeSeriesFile(series: SeriesPart, run: TimeSeriesRun): TimeSeriesFile {
  const n = series.steps.length;
  const starts = Array.from({ length: n }, (_, i) => (series.first + i) * series.intervalMs);
  const covered = starts.map((_, i) => round(coveredSeconds(series, i)));
  return {
    schema_version: TIMESERIES_SCHEMA_VERSION,
    run_id: run.runId,
    interval_ms: series.intervalMs,
    clock: 'unix_epoch_ms',
    run_start: new Date(run.start).toISOString(),
    run_end: new Date(run.end).toISOString(),
    accelerators: run.accelerators,
    from_ms: series.from,
    to_ms: series.to,
    latency_buckets: SCHEME,
    columns: {
      start_ms: starts,
      t_s: starts.map((ms) => round((ms - run.start) / 1000, 3)),
      covered_s: covered,
      ...rawColumns(series),
      request_latency_buckets: series.requestLatency.map((b) => [...b]),
      ttfb_buckets: series.ttfb.map((b) => [...b]),
      ...derivedColumns(series, covered, run.accelerators),
      ...cpuColumns(series, covered, run.cpu),
    } as TimeSeriesColumns,
    get_size_buckets: [...series.getSizes],
  };
}

/** The file's text: one line per column (an interval per array entry), so it stays small and diffable. */
export function timeSeriesJson(file: TimeSeriesFile): string {
  const { columns, ...head } = file;
  const entry = (indent: string, name: string, value: unknown) =>
    `${indent}${JSON.stringify(name)}: ${
      Array.isArray(value)
        ? JSON.stringify(value)
        : JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`)
    }`;
  const top = Object.entries(head).map(([name, value]) => entry('  ', name, value));
  const cols = Object.entries(columns).map(([name, values]) => entry('    ', name, values));
  return `{\n${top.join(',\n')},\n  "columns": {\n${cols.join(',\n')}\n  }\n}\n`;
}

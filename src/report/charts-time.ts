/**
 * report.html's charts over time: the read phase from timeseries.json
 * (throughput, samples/s, GETs in flight, latency, the step timeline, client
 * CPU, errors and retries), with a mark at each epoch's start, and the write
 * phase from generate.json (throughput, errors and retries).
 */
import type { LoadedRun } from '../metrics/run-results.ts';
import type { TimeSeriesColumns, TimeSeriesFile } from '../metrics/timeseries-file.ts';
import { type Chart, type ChartSpec, type Column, chart } from './charts.ts';
import type { RunName } from './labels.ts';

type NumericColumn = {
  [K in keyof TimeSeriesColumns]-?: NonNullable<TimeSeriesColumns[K]> extends (number | null)[] ? K : never;
}[keyof TimeSeriesColumns];

/** Palette entries for the roles of one run's series: compute and load wait never share a colour. */
const ROLE = { compute: 2, loadWait: 4, errors: 1, retries: 0 } as const;

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

interface Wanted {
  column: NumericColumn;
  suffix?: string;
  dashed?: boolean;
  colour?: number;
}

/** One column per run (and per `what`) of a timeseries.json column over time. */
function timeColumns(runs: LoadedRun[], names: RunName[], what: Wanted[]): Column[] {
  return runs.flatMap((run, i) => {
    const ts = run.timeseries;
    if (!ts) return [];
    const x = intervalMidpoints(ts);
    const { short, title } = names[i] as RunName;
    return what.map(
      (w): Column => ({
        // With role colours, runs differ by dash: the first solid, the others dashed.
        series: {
          label: `${short}${w.suffix ?? ''}`,
          run: i,
          title,
          colour: w.colour,
          dashed: w.dashed ?? (w.colour !== undefined && i > 0),
        },
        x,
        y: ts.columns[w.column] ?? [],
      }),
    );
  });
}

/** Errors or retries per second of each interval (the counts ÷ the part of it the run covered). */
function perSecond(ts: TimeSeriesFile, counts: number[]): (number | null)[] {
  return counts.map((n, i) => {
    const covered = ts.columns.covered_s[i] ?? 0;
    return covered > 0 ? Number((n / covered).toFixed(6)) : null;
  });
}

function errorColumns(runs: LoadedRun[], names: RunName[]): Column[] {
  return runs.flatMap((run, i) => {
    const ts = run.timeseries;
    if (!ts) return [];
    const x = intervalMidpoints(ts);
    const { short, title } = names[i] as RunName;
    const dashed = i > 0;
    return [
      {
        series: { label: `${short} errors`, run: i, title, colour: ROLE.errors, dashed },
        x,
        y: perSecond(ts, ts.columns.errors),
      },
      {
        series: { label: `${short} retries`, run: i, title, colour: ROLE.retries, dashed: true },
        x,
        y: perSecond(ts, ts.columns.retries),
      },
    ];
  });
}

/** Each epoch's start, s since the run's start (the first run's epochs when runs overlay). */
function epochMarks(runs: LoadedRun[]): { x: number; label: string }[] {
  const run = runs.find((r) => r.timeseries && r.epochs.length > 0);
  if (!run) return [];
  const start = Date.parse(run.summary.start);
  return run.epochs.map((e) => ({
    x: Number(((Date.parse(e.start) - start) / 1000).toFixed(3)),
    label: `epoch ${e.epoch}`,
  }));
}

const TIME_AXIS = 's since the run started (middle of each interval)';

export function timeCharts(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  const intervals = [...new Set(runs.flatMap((r) => (r.timeseries ? [r.timeseries.interval_ms] : [])))];
  const per =
    intervals.length > 0
      ? `Per ${intervals.map((ms) => `${ms / 1000} s`).join(' / ')} interval; dashed verticals: epoch starts${runs.length > 1 ? ' (of the first run)' : ''}.`
      : '';
  const marks = epochMarks(runs);
  const line = (spec: Omit<Chart, 'xLabel' | 'style'>): Chart => ({
    ...spec,
    note: [spec.note, per].filter(Boolean).join(' '),
    xLabel: TIME_AXIS,
    xLegend: 's',
    style: 'line',
    marks,
  });
  const of = (what: Wanted[]) => timeColumns(runs, names, what);
  return [...readCharts(line, of), ...stateCharts(line, of, errorColumns(runs, names))];
}

type Line = (spec: Omit<Chart, 'xLabel' | 'style'>) => Chart;
type Of = (what: Wanted[]) => Column[];

/** What the storage did over time: throughput, samples, GETs in flight, latency. */
function readCharts(line: Line, of: Of): ChartSpec[] {
  return [
    ...chart(
      line({
        id: 'throughput',
        title: 'Read throughput over time',
        yLabel: 'MB/s (10^6 B/s)',
        yFromZero: true,
      }),
      of([{ column: 'MB_per_second' }]),
    ),
    ...chart(
      line({ id: 'samples', title: 'Samples per second over time', yLabel: 'samples/s', yFromZero: true }),
      of([{ column: 'samples_per_second' }]),
    ),
    ...chart(
      line({
        id: 'in-flight',
        title: 'GETs in flight (mean over each interval)',
        yLabel: 'GETs',
        yFromZero: true,
      }),
      of([{ column: 'gets_in_flight' }]),
    ),
    ...chart(
      line({ id: 'latency-time', title: 'Request latency over time: p50 and p99 (dashed)', yLabel: 'ms' }),
      of([
        { column: 'request_p50_ms', suffix: ' p50' },
        { column: 'request_p99_ms', suffix: ' p99', dashed: true },
      ]),
    ),
  ];
}

/** What the accelerators and the client did over time, and the errors. */
function stateCharts(line: Line, of: Of, errors: Column[]): ChartSpec[] {
  return [
    ...chart(
      line({
        id: 'step-timeline',
        title: 'Step timeline: accelerator time computing vs waiting for a batch',
        yLabel: '% of accelerator time',
        yFromZero: true,
        note: 'The rest of each step is the per-step barrier; between epochs accelerators wait at the epoch barrier.',
      }),
      of([
        { column: 'compute_percentage', suffix: ' compute', colour: ROLE.compute },
        { column: 'load_wait_percentage', suffix: ' load wait', colour: ROLE.loadWait },
      ]),
    ),
    ...chart(
      line({
        id: 'client-cpu',
        title: 'Client CPU over time',
        yLabel: '% of the client cores',
        yFromZero: true,
        note: 'usr + sys CPU of the pqbench processes over the cores they may use; near 100 % the client, not the storage, sets the pace.',
      }),
      of([{ column: 'cpu_utilisation_percentage' }]),
    ),
    ...chart(
      line({
        id: 'errors-time',
        title: 'Request errors and retries over time',
        yLabel: 'per second',
        yFromZero: true,
        note: 'Errors: requests that failed after their retries; retries: transient failures (throttling, resets, timeouts) that were retried.',
      }),
      errors,
    ),
  ];
}

/** The write phase over time, from each run's generate.json (runs that generated their dataset). */
export function writePhaseCharts(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  const each = (f: (ts: NonNullable<LoadedRun['generate']>['timeseries'], i: number) => Column[]) =>
    runs.flatMap((run, i) => (run.generate ? f(run.generate.timeseries, i) : []));
  const xOf = (ts: NonNullable<LoadedRun['generate']>['timeseries']) =>
    ts.t_s.map((t, i) => Number((Math.max(0, t) + (ts.covered_s[i] ?? 0) / 2).toFixed(3)));
  const rate = (counts: number[], covered: number[]) =>
    counts.map((n, i) => ((covered[i] ?? 0) > 0 ? Number((n / (covered[i] as number)).toFixed(6)) : null));
  const base = {
    xLabel: 's since the first write request',
    xLegend: 's',
    style: 'line' as const,
    yFromZero: true,
  };
  return [
    ...chart(
      {
        ...base,
        id: 'write-throughput',
        title: 'Write throughput over time (generate)',
        yLabel: 'MB/s (10^6 B/s)',
        note: 'Bytes of PUTs, UploadParts and local writes, spread over each request’s time.',
      },
      each((ts, i) => [
        {
          series: { label: (names[i] as RunName).short, run: i, title: (names[i] as RunName).title },
          x: xOf(ts),
          y: ts.MB_per_second,
        },
      ]),
    ),
    ...chart(
      {
        ...base,
        id: 'write-errors-time',
        title: 'Write errors and retries over time (generate)',
        yLabel: 'per second',
      },
      each((ts, i) => {
        const { short, title } = names[i] as RunName;
        return [
          {
            series: { label: `${short} errors`, run: i, title, colour: ROLE.errors },
            x: xOf(ts),
            y: rate(ts.errors, ts.covered_s),
          },
          {
            series: { label: `${short} retries`, run: i, title, colour: ROLE.retries, dashed: true },
            x: xOf(ts),
            y: rate(ts.retries, ts.covered_s),
          },
        ];
      }),
    ),
  ];
}

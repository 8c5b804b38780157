/**
 * report.html's bar charts, where the x axis is a category and the bars start
 * at zero: GET sizes, AU per epoch and per accelerator, read amplification
 * and cost per epoch. Runs overlay as bars side by side in each category.
 */
import type { LoadedRun } from '../metrics/run-results.ts';
import { bucketBounds } from '../metrics/timeseries.ts';
import { barChart, type ChartSeries, type ChartSpec } from './charts.ts';
import type { RunName } from './labels.ts';

/** Bytes in decimal units, three significant digits: "64 kB", "1.05 MB". */
export function shortBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${Number(v.toPrecision(3))} ${units[u]}`;
}

const seriesOf = (names: RunName[], i: number): ChartSeries => ({
  label: (names[i] as RunName).short,
  run: i,
  title: (names[i] as RunName).title,
});

const meanOf = (values: number[]) =>
  values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;

const byNumber = (a: string, b: string) => Number(a) - Number(b);

function requestSizes(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  const bucketOfLabel = new Map<string, number>();
  const bars = runs.flatMap((run, i) => {
    if (!run.timeseries) return [];
    const values = new Map<string, number | null>();
    for (const [bucket, count] of run.timeseries.get_size_buckets) {
      const { low, high } = bucketBounds(bucket);
      const label = high - low <= 1 ? shortBytes(low) : `${shortBytes(low)}–${shortBytes(high)}`;
      bucketOfLabel.set(label, bucket);
      values.set(label, count);
    }
    return [{ series: seriesOf(names, i), values }];
  });
  return barChart(
    {
      id: 'request-sizes',
      title: 'GET sizes (successful GETs)',
      note: 'Log-linear size buckets (≤ 6.25 % wide), smallest first; a footer read and the column-chunk reads show as separate bars.',
      xLabel: 'bytes per GET',
      yLabel: 'GETs',
    },
    bars,
    (a, b) => (bucketOfLabel.get(a) ?? 0) - (bucketOfLabel.get(b) ?? 0),
  );
}

function byEpoch(
  runs: LoadedRun[],
  names: RunName[],
  spec: {
    id: string;
    title: string;
    yLabel: string;
    note?: string;
    thresholds?: { y: number; label: string }[];
  },
  value: (run: LoadedRun, k: number) => number | null,
): ChartSpec[] {
  return barChart(
    { ...spec, xLabel: 'epoch' },
    runs.map((run, i) => ({
      series: seriesOf(names, i),
      values: new Map(run.epochs.map((e, k) => [String(e.epoch), value(run, k)])),
    })),
    byNumber,
  );
}

export function categoryCharts(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  const expectation = runs[0]?.summary.metric.train_au_expectation_percentage;
  const thresholds = expectation === undefined ? [] : [{ y: expectation, label: `AU ≥ ${expectation} %` }];
  const accelerators = runs.map((run, i) => {
    const count = Math.max(0, ...run.epochs.map((e) => e.au_percentage_per_accelerator.length));
    const values = new Map<string, number | null>();
    for (let k = 0; k < count; k++)
      values.set(String(k), meanOf(run.epochs.flatMap((e) => e.au_percentage_per_accelerator[k] ?? [])));
    return { series: seriesOf(names, i), values };
  });
  return [
    ...requestSizes(runs, names),
    ...byEpoch(
      runs,
      names,
      { id: 'au-epoch', title: 'AU per epoch', yLabel: 'AU %', thresholds },
      (run, k) => run.epochs[k]?.au_percentage ?? null,
    ),
    ...barChart(
      {
        id: 'au-accelerator',
        title: 'AU per accelerator (mean over epochs)',
        xLabel: 'accelerator',
        yLabel: 'AU %',
        thresholds,
      },
      accelerators,
      byNumber,
    ),
    ...byEpoch(
      runs,
      names,
      {
        id: 'read-amplification',
        title: 'Read amplification per epoch (bytes read ÷ projected bytes)',
        yLabel: '×',
      },
      (run, k) => run.epochs[k]?.read_amplification ?? null,
    ),
    ...byEpoch(
      runs,
      names,
      {
        id: 'cost-epoch',
        title: 'Cost per epoch (requests at the price table, plus serverless for cloud runs)',
        yLabel: 'USD',
      },
      (run, k) => run.summary.cost.per_epoch_usd?.[k] ?? run.epochs[k]?.cost_usd ?? null,
    ),
  ];
}

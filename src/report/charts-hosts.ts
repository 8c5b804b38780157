/**
 * report.html's charts of where a run ran: per rank of a multi-host run
 * (hosts.json) its AU, throughput and how late it started and finished (the
 * stragglers), and per client process of a cloud run (summary.json's client
 * hosts: one per reader invocation) its measured phase and CPU. Bars, from
 * zero, one category per rank or reader.
 */
import type { LoadedRun } from '../metrics/run-results.ts';
import { barChart, type ChartSeries, type ChartSpec } from './charts.ts';
import type { RunName } from './labels.ts';

const ROLE = { finish: 1, late: 4, cpu: 2 } as const;

const rankLabel = (h: { rank: number }) => `rank ${h.rank}`;
const byRank = (a: string, b: string) => Number(a.replace(/\D+/g, '')) - Number(b.replace(/\D+/g, ''));

function series(names: RunName[], i: number, suffix = '', colour?: number, dashed = false): ChartSeries {
  const n = names[i] as RunName;
  return { label: `${n.short}${suffix}`, run: i, title: n.title, colour, dashed };
}

function rankCharts(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  const withHosts = runs.flatMap((run, i) => (run.hosts ? [{ hosts: run.hosts, i }] : []));
  if (withHosts.length === 0) return [];
  const per = (pick: (h: NonNullable<LoadedRun['hosts']>['hosts'][number]) => number | null) =>
    withHosts.map(({ hosts, i }) => ({
      series: series(names, i),
      values: new Map(hosts.hosts.map((h) => [rankLabel(h), pick(h)])),
    }));
  const au = runs.find((r) => r.hosts)?.summary.metric.train_au_expectation_percentage;
  return [
    ...barChart(
      {
        id: 'hosts-au',
        title: 'AU per rank (host)',
        xLabel: 'rank',
        yLabel: 'AU %',
        ...(au === undefined ? {} : { thresholds: [{ y: au, label: `AU ≥ ${au} %` }] }),
      },
      per((h) => h.au_mean_percentage),
      byRank,
    ),
    ...barChart(
      { id: 'hosts-throughput', title: 'Throughput per rank (host)', xLabel: 'rank', yLabel: 'samples/s' },
      per((h) => h.throughput_mean_samples_per_second),
      byRank,
    ),
    ...barChart(
      {
        id: 'stragglers',
        title: 'Stragglers: how late each rank began its first step and finished its last',
        note: 'Late: first epoch start − the common start; finish: last epoch end − the earliest rank’s, each by the rank’s own clock (clock skew in the table).',
        xLabel: 'rank',
        yLabel: 'ms',
      },
      withHosts.flatMap(({ hosts, i }) => [
        {
          series: series(names, i, ' late start', ROLE.late),
          values: new Map(hosts.hosts.map((h) => [rankLabel(h), Math.max(0, h.late_ms)])),
        },
        {
          series: series(names, i, ' finish after the first', ROLE.finish),
          values: new Map(hosts.hosts.map((h) => [rankLabel(h), h.finish_after_first_ms])),
        },
      ]),
      byRank,
    ),
  ];
}

/** A cloud run's client processes (reader invocations), from summary.json's client hosts. */
function readerCharts(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  const withReaders = runs.flatMap((run, i) =>
    run.cloud && run.summary.client ? [{ hosts: run.summary.client.hosts, i }] : [],
  );
  if (withReaders.length === 0) return [];
  const label = (k: number) => `reader ${k + 1}`;
  return [
    ...barChart(
      {
        id: 'readers-span',
        title: 'Readers: measured phase of each reader (the longest is the straggler)',
        note: 'The common start to the reader’s last accelerator’s end; the busiest readers first (at most 100).',
        xLabel: 'reader',
        yLabel: 's',
      },
      withReaders.map(({ hosts, i }) => ({
        series: series(names, i, '', ROLE.finish),
        values: new Map(hosts.map((h, k) => [label(k), h.wall_s])),
      })),
      byRank,
    ),
    ...barChart(
      { id: 'readers-cpu', title: 'Readers: CPU of each reader', xLabel: 'reader', yLabel: '% of its cores' },
      withReaders.map(({ hosts, i }) => ({
        series: series(names, i, '', ROLE.cpu),
        values: new Map(hosts.map((h, k) => [label(k), h.cpu_utilisation_percentage])),
      })),
      byRank,
    ),
  ];
}

export function hostCharts(runs: LoadedRun[], names: RunName[]): ChartSpec[] {
  return [...rankCharts(runs, names), ...readerCharts(runs, names)];
}

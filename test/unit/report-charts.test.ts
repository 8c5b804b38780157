/**
 * report.html's chart data for where a run ran, from result files shaped as
 * the runs write them (the browser side: test/integration/report.test.ts):
 * a multi-host run's hosts.json gives per-rank bars (AU, throughput,
 * stragglers) over the categories "rank 0", "rank 1"…; a cloud run's
 * cloud.json and client hosts give a bar per reader; the readers' table is
 * on the page; runs are named by workload, or A, B with the id on hover.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostFigures, HostsReport } from '../../src/metrics/hosts-file.ts';
import type { CloudView, LoadedRun } from '../../src/metrics/run-results.ts';
import type { RunSummaryJson } from '../../src/metrics/summary.ts';
import { reportCharts } from '../../src/report/charts.ts';
import { runNames } from '../../src/report/labels.ts';
import { cloudTable, hostsTable } from '../../src/report/panels.ts';

const dist = { count: 2, min: 1, median: 2, p99: 3, max: 3 };

function summary(): RunSummaryJson {
  return {
    run_id: '20261208T000000Z-w-abc123',
    workload: 'w',
    start: '2026-12-08T00:00:00.000Z',
    metric: { train_au_expectation_percentage: 90 },
    cost: { per_epoch_usd: [] },
    client: {
      hosts: [
        { host: 'reader-a', cores: 2, wall_s: 10, cpu_usr_s: 1, cpu_sys_s: 0, cpu_utilisation_percentage: 5 },
        { host: 'reader-b', cores: 2, wall_s: 12, cpu_usr_s: 2, cpu_sys_s: 0, cpu_utilisation_percentage: 8 },
      ],
    },
  } as unknown as RunSummaryJson;
}

function host(rank: number, au: number, finish: number): HostFigures {
  return {
    rank,
    host: `h${rank}`,
    pid: 1,
    accelerators: [rank * 2, rank * 2 + 1],
    clock_offset_ms: 0,
    wait_for_start_ms: 100,
    late_ms: 5 * rank,
    finish_after_first_ms: finish,
    samples: 100,
    steps: 10,
    bytes_transferred: 1000,
    requests: 20,
    get_requests: 20,
    au_mean_percentage: au,
    throughput_mean_samples_per_second: 500,
    io_mean_MB_per_second: 1,
    cpu_utilisation_percentage: 10,
  };
}

function run(extra: Partial<LoadedRun>): LoadedRun {
  return {
    dir: '/results/r',
    summary: summary(),
    epochs: [],
    timeseries: null,
    configYaml: null,
    generate: null,
    hosts: null,
    cloud: null,
    ...extra,
  };
}

const hosts = {
  hosts: [host(1, 80, 40), host(0, 90, 0)],
  world: 2,
  ranks_reported: 2,
  launcher: 'flags',
  missing_ranks: [],
  clock: { skew_ms: 3 },
} as unknown as HostsReport;

const cloud: CloudView = {
  readers: 2,
  readers_reported: 2,
  accelerators: 2,
  ranks_per_host: 1,
  cold_starts: { readers: 2, generators: 0 },
  reader_init_ms: dist,
  reader_wait_for_start_ms: dist,
  reader_late_ms: dist,
  readers_late: 0,
  overlap: {
    duration_s: 8,
    readers: 2,
    samples_per_second: 100,
    MB_per_second: 2,
    share_of_samples: 0.9,
    late_readers: 0,
  },
};

describe('report charts of where a run ran', () => {
  it('a multi-host run: AU, throughput and stragglers per rank, as bars over the ranks in order', () => {
    const runs = [run({ hosts })];
    const charts = reportCharts(runs, runNames(runs));
    const byId = new Map(charts.map((c) => [c.id, c]));
    for (const id of ['hosts-au', 'hosts-throughput', 'stragglers']) {
      assert.equal(byId.get(id)?.style, 'bars', id);
      assert.deepEqual(byId.get(id)?.categories, ['rank 0', 'rank 1'], id);
    }
    assert.deepEqual(byId.get('hosts-au')?.data, [
      [0, 1],
      [90, 80],
    ]);
    assert.deepEqual(byId.get('hosts-au')?.thresholds, [{ y: 90, label: 'AU ≥ 90 %' }]);
    assert.deepEqual(byId.get('stragglers')?.data, [
      [0, 1],
      [0, 5],
      [0, 40],
    ]);
    assert.deepEqual(
      byId.get('stragglers')?.series.map((s) => s.label),
      ['w late start', 'w finish after the first'],
    );
    assert.ok(!byId.has('readers-span'), 'no cloud chart');
    const table = hostsTable(runs, runNames(runs));
    assert.match(table, /2 of 2 ranks \(flags\); missing: none; clock skew 3 ms/);
    assert.match(table, /<th>rank 1<\/th><td>h1<\/td><td>2\.\.3<\/td>/);
  });

  it('a cloud run: a bar per reader for its measured phase and CPU, and the readers table', () => {
    const runs = [run({ cloud })];
    const charts = reportCharts(runs, runNames(runs));
    const span = charts.find((c) => c.id === 'readers-span');
    assert.deepEqual(span?.categories, ['reader 1', 'reader 2']);
    assert.deepEqual(span?.data, [
      [0, 1],
      [10, 12],
    ]);
    assert.deepEqual(charts.find((c) => c.id === 'readers-cpu')?.data, [
      [0, 1],
      [5, 8],
    ]);
    const table = cloudTable(runs, runNames(runs));
    assert.match(table, /readers reported<\/th><td>2 of 2 \(1 accelerator\(s\) each\)/);
    assert.match(table, /all readers together<\/th><td>8 s: 100 samples\/s, 2 MB\/s/);
  });

  it('names one run by its workload, several as A, B, with the run id and folder on hover', () => {
    assert.deepEqual(runNames([run({})]), [{ short: 'w', title: '20261208T000000Z-w-abc123 (/results/r)' }]);
    assert.deepEqual(
      runNames([run({}), run({ dir: '/results/s' })]).map((n) => n.short),
      ['A', 'B'],
    );
  });
});

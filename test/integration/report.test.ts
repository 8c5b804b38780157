/**
 * Results people look at (issues 14 and 21), on two real runs of the
 * quickstart through the CLI that differ only in reader.read_threads:
 * - each run's report.html renders in headless Chromium with no console
 *   error and no network request, and every chart has data points drawn;
 *   charts over a category (GET sizes, epochs, accelerators) are bars from
 *   zero, time charts mark the epochs, legends show names without uPlot's
 *   "--" placeholders and give the run id on hover, compute and load wait
 *   differ in colour, the workload panel and both phases' tables are there;
 * - `pqbench report A B` overlays them: every chart shows both runs, as A and B;
 * - a multi-host run's report has the per-rank table and bar charts;
 * - `pqbench compare A B` prints both, the deltas and exactly the one config
 *   difference (text and --json);
 * - timeseries.json sums to the summary's totals.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunComparison } from '../../src/metrics/compare.ts';
import type { TimeSeriesFile } from '../../src/metrics/timeseries-file.ts';
import { chromiumSkip, launchChromium, openReport, type PageSeen } from '../helpers/chromium.ts';

const BIN = new URL('../../bin/pqbench.js', import.meta.url).pathname;
const QUICKSTART = new URL('../../workloads/quickstart.yaml', import.meta.url).pathname;

/** Every chart a run with time series draws (src/report/charts.ts); the write phase's when it generated. */
const TIME_CHARTS = [
  'throughput',
  'samples',
  'in-flight',
  'latency-time',
  'step-timeline',
  'client-cpu',
  'errors-time',
];
const CATEGORY_CHARTS = ['request-sizes', 'au-epoch', 'au-accelerator', 'read-amplification', 'cost-epoch'];
const CHARTS = [...TIME_CHARTS, 'latency-cdf', 'latency-histogram', ...CATEGORY_CHARTS];
const WRITE_CHARTS = ['write-throughput', 'write-errors-time'];

function pqbench(...args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `pqbench ${args.join(' ')}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('report.html, pqbench report and pqbench compare on two real runs', { skip: chromiumSkip() }, () => {
  let tmp: string;
  let browser: Browser;
  const runs: string[] = [];

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-report-'));
    const data = ['--set', `storage.storage_root=${path.join(tmp, 'data')}`];
    for (const [command, threads] of [
      ['run', 1],
      ['train', 2],
    ] as const) {
      const folder = path.join(tmp, `results-${threads}`);
      pqbench(
        command,
        QUICKSTART,
        ...data,
        '--set',
        `output.folder=${folder}`,
        '--set',
        `reader.read_threads=${threads}`,
      );
      const [runId] = await readdir(folder);
      runs.push(path.join(folder, runId as string));
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  function assertOffline(seen: PageSeen): void {
    assert.deepEqual(seen.consoleErrors, []);
    assert.deepEqual(seen.pageErrors, []);
    assert.deepEqual(seen.requests, [], 'the page requests nothing: it opens offline');
  }

  it('each run writes report.html beside summary.json; it renders with every chart drawn', async () => {
    for (const [i, dir] of runs.entries()) {
      await stat(path.join(dir, 'summary.json'));
      const seen = await openReport(browser, path.join(dir, 'report.html'));
      assertOffline(seen);
      // The first run generated its dataset (generate.json beside its results): its write phase is drawn too.
      assert.deepEqual(
        seen.charts.map((c) => c.id),
        i === 0 ? [...CHARTS, ...WRITE_CHARTS] : CHARTS,
      );
      const id = path.basename(dir);
      for (const chart of seen.charts) {
        assert.ok(chart.series.length > 0, `${chart.id}: no series`);
        for (const [k, n] of chart.points.entries())
          assert.ok(n > 0, `${chart.id} ${chart.series[k]}: no point`);
        assert.ok(
          chart.seriesPixels.some((n) => n > 0),
          `${chart.id}: nothing drawn in its series' colours`,
        );
        assert.doesNotMatch(chart.legendText, /--/, `${chart.id}: a legend placeholder`);
        assert.ok(
          chart.titles.every((t) => t?.includes(id)),
          `${chart.id}: the run id on hover`,
        );
      }
      for (const chart of seen.charts.filter((c) => CATEGORY_CHARTS.includes(c.id))) {
        assert.equal(chart.style, 'bars', `${chart.id} is bars`);
        assert.equal(chart.yMin, 0, `${chart.id} starts at zero`);
        assert.ok((chart.categories ?? []).length > 0, `${chart.id}: its categories`);
      }
      const epochs = JSON.parse(await readFile(path.join(dir, 'epoch_stats.json'), 'utf8')).length;
      for (const chart of seen.charts.filter((c) => TIME_CHARTS.includes(c.id)))
        assert.equal(chart.marks, epochs, `${chart.id}: a mark per epoch`);
      const steps = seen.charts.find((c) => c.id === 'step-timeline');
      assert.deepEqual(steps?.series, ['quickstart compute', 'quickstart load wait']);
      assert.notEqual(steps?.colours[0], steps?.colours[1], 'compute and load wait differ in colour');
      assert.ok(
        steps?.seriesPixels.every((n) => n > 0),
        'both drawn',
      );
      assert.deepEqual(seen.charts.find((c) => c.id === 'au-epoch')?.thresholds, [90]);
      const html = await readFile(path.join(dir, 'report.html'), 'utf8');
      assert.match(html, /<h2>Workload: what was tested<\/h2>/);
      assert.match(html, /read phase \(training\)/);
      if (i === 0) assert.match(html, /write phase \(generate\)/);
    }
  });

  it('pqbench report A B overlays both runs: each chart shows two runs', async () => {
    const out = path.join(tmp, 'overlay.html');
    const { stdout } = pqbench('report', ...runs, '--out', out);
    assert.match(stdout, /wrote .*overlay\.html/);
    const seen = await openReport(browser, out);
    assertOffline(seen);
    const ids = runs.map((dir) => path.basename(dir));
    const throughput = seen.charts.find((c) => c.id === 'throughput');
    assert.deepEqual(throughput?.series, ['A', 'B'], 'throughput: one series per run, lettered');
    assert.ok(
      ids.every((id, i) => throughput?.titles[i]?.startsWith(id)),
      'the run ids on hover',
    );
    assert.ok(
      (throughput?.colourPixels[0] ?? 0) > 0 && (throughput?.colourPixels[1] ?? 0) > 0,
      'throughput: both runs drawn, each in its colour',
    );
    for (const chart of seen.charts) {
      // The write phase: only the first run generated.
      const letters = WRITE_CHARTS.includes(chart.id) ? ['A'] : ['A', 'B'];
      for (const letter of letters)
        assert.ok(
          chart.series.some((s) => s === letter || s.startsWith(`${letter} `)),
          `${chart.id}: no series of ${letter}`,
        );
      assert.ok(
        chart.points.every((n) => n > 0),
        `${chart.id}: a series without points`,
      );
      // Where both runs have the same values (GET sizes of one dataset) the second covers the first.
      assert.ok(
        chart.seriesPixels.some((n) => n > 0),
        `${chart.id}: nothing drawn`,
      );
    }
  });

  it('pqbench report on a run recorded before time series: the per-epoch charts and a notice', async () => {
    const old = path.join(tmp, 'old-run');
    await cp(runs[0] as string, old, { recursive: true });
    await rm(path.join(old, 'timeseries.json'));
    await rm(path.join(old, 'report.html'));
    pqbench('report', old);
    const html = await readFile(path.join(old, 'report.html'), 'utf8');
    assert.match(html, /no timeseries\.json/);
    const seen = await openReport(browser, path.join(old, 'report.html'));
    assertOffline(seen);
    assert.deepEqual(
      seen.charts.map((c) => c.id),
      ['au-epoch', 'au-accelerator', 'read-amplification', 'cost-epoch', ...WRITE_CHARTS],
    );
  });

  it('pqbench compare prints both runs, the deltas and exactly the read_threads difference', () => {
    const ids = runs.map((dir) => path.basename(dir));
    const text = pqbench('compare', ...runs).stdout;
    for (const id of ids) assert.ok(text.includes(id), `${id} is named`);
    const lines = text.split('\n');
    const header = lines.find((l) => /Δ B/.test(l)) ?? '';
    assert.match(header, /^\s+A\s+B\s+Δ B\s+Δ% B$/);
    const au = lines.find((l) => l.startsWith('AU mean (%)')) ?? '';
    assert.equal(au.trim().split(/\s{2,}/).length, 5, `AU row: label, A, B, Δ, Δ%: ${au}`);
    const start = lines.findIndex((l) => l.startsWith('config differences'));
    const differences = lines.slice(start + 1).filter((l) => l.startsWith('  '));
    assert.deepEqual(
      differences.map((l) => l.trim().split(/\s{2,}/)),
      [['reader.read_threads', 'A: 1', 'B: 2']],
    );
    // The same dataset and workload: no like-for-like warning but the verdicts' (how loaded this host is decides those).
    const likeForLike = (w: string) => !/ is invalid \(|^not like for like: the verdicts differ/.test(w);
    assert.deepEqual(
      text
        .split('\n')
        .filter((l) => l.startsWith('warning: '))
        .map((l) => l.slice('warning: '.length))
        .filter(likeForLike),
      [],
    );

    const json = JSON.parse(pqbench('compare', ...runs, '--json').stdout) as RunComparison;
    assert.deepEqual(json.config_differences, [{ key: 'reader.read_threads', values: ['1', '2'] }]);
    assert.deepEqual(json.warnings.filter(likeForLike), []);
    for (const [i, r] of json.runs.entries())
      assert.ok(['valid', 'warn', 'invalid'].includes(r.verdict), `run ${i}`);
    assert.deepEqual(
      json.runs.map((r) => r.run_id),
      ids,
    );
    for (const f of json.figures) {
      assert.equal(f.values.length, 2);
      const [a, b] = f.values;
      if (a !== null && b !== null) assert.equal(f.deltas[1], b - a, f.key);
    }
  });

  it('timeseries.json of a real run sums to the totals in summary.json', async () => {
    for (const dir of runs) {
      const ts = JSON.parse(await readFile(path.join(dir, 'timeseries.json'), 'utf8')) as TimeSeriesFile;
      const s = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8'));
      const c = ts.columns;
      assert.equal(sum(c.steps), s.steps.total);
      assert.equal(sum(c.samples), s.steps.samples);
      assert.equal(sum(c.requests), s.requests.total);
      assert.equal(sum(c.bytes), s.io.bytes_transferred);
      assert.equal(sum(c.request_latency_buckets.flat().map(([, n]) => n)), s.latency.request.count);
      assert.equal(sum(c.ttfb_buckets.flat().map(([, n]) => n)), s.latency.time_to_first_byte.count);
      assert.ok(Math.abs(sum(c.load_wait_us) / 1e6 - s.steps.load_wait_s) <= (s.steps.total + 1) / 1e6);
    }
  });
});

describe('report.html of a multi-host run', { skip: chromiumSkip() }, () => {
  let tmp: string;
  let browser: Browser;
  let dir: string;

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-report-hosts-'));
    const set = (kv: string) => ['--set', kv];
    const args = (rank: number) => [
      BIN,
      'run',
      QUICKSTART,
      ...set(`storage.storage_root=${path.join(tmp, 'data')}`),
      ...set(`output.folder=${path.join(tmp, 'results')}`),
      ...set('run.accelerators=4'),
      ...set('reader.read_threads=1'),
      ...set('train.epochs=3'),
      ...[
        '--run-id',
        'two-hosts',
        '--rank',
        String(rank),
        '--world',
        '2',
        '--start-margin',
        '1',
        '--poll-interval',
        '0.1',
      ],
    ];
    // Two processes, as a launcher would start them on two hosts (async: they must run at once).
    const exits = await Promise.all(
      [0, 1].map(
        (rank) =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, args(rank), { stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            child.stderr.on('data', (d) => {
              stderr += d;
            });
            child.on('close', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    assert.deepEqual(
      exits.map((e) => e.code),
      [0, 0],
      exits.map((e) => e.stderr).join('\n'),
    );
    dir = path.join(tmp, 'results', 'two-hosts');
    pqbench('report', dir);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('has the per-rank table, AU and throughput per rank and the stragglers as bars', async () => {
    const file = path.join(dir, 'report.html');
    const seen = await openReport(browser, file);
    assert.deepEqual([seen.consoleErrors, seen.pageErrors, seen.requests], [[], [], []]);
    for (const id of ['hosts-au', 'hosts-throughput', 'stragglers']) {
      const chart = seen.charts.find((c) => c.id === id);
      assert.equal(chart?.style, 'bars', id);
      assert.deepEqual(chart?.categories, ['rank 0', 'rank 1'], id);
      assert.equal(chart?.yMin, 0, id);
      assert.ok(
        chart?.points.every((n) => n === 2),
        `${id}: a bar per rank`,
      );
    }
    assert.deepEqual(seen.charts.find((c) => c.id === 'stragglers')?.series, [
      'quickstart late start',
      'quickstart finish after the first',
    ]);
    const html = await readFile(file, 'utf8');
    assert.match(html, /<h2>Hosts<\/h2>/);
    assert.match(html, /2 of 2 ranks \(flags\)/);
    assert.match(html, /<th>rank 1<\/th>/);
  });
});

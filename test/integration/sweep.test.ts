/**
 * `pqbench sweep` through the CLI (issue 21):
 * - against a store of known capacity — Ceph RGW behind a loopback proxy
 *   whose responses share 1 MB/s, while each accelerator needs 0.4 MB/s (a
 *   200 kB row group per 0.5 s step) — `--find-max run.accelerators` grows
 *   1, 2, 4, bisects 3 and answers 2, each point repeated twice; sweep.json
 *   holds each point's settings, repeats, figures, verdicts, mean and spread;
 *   sweep.html draws AU against the key with error bars and the threshold;
 *   re-running the same sweep id runs nothing more and answers the same;
 * - on local disk: a grid sweep interrupted by SIGINT keeps its finished
 *   repeats (exit 130) and a re-run with its id completes it without
 *   repeating them; `pqbench compare <sweep>` shows its points with spread;
 * - the quickstart's `--find-max run.accelerators --au-min 90` prints an
 *   answer (its duration is printed; no test times anything).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SweepJson } from '../../src/metrics/sweep.ts';
import { chromiumSkip, launchChromium, openReport } from '../helpers/chromium.ts';
import { pqbench, workloadYaml } from '../helpers/ranks.ts';
import { createTestBucket, s3Skip, s3TestEnv, type TestBucket } from '../helpers/s3-env.ts';
import { startThrottleProxy, type ThrottleProxy } from '../helpers/throttle-proxy.ts';

const QUICKSTART = new URL('../../workloads/quickstart.yaml', import.meta.url).pathname;

const readSweep = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'sweep.json'), 'utf8')) as SweepJson;

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-sweep-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

/** Link capacity and per-accelerator demand: 2 accelerators use 80 % of it, 3 would need 120 %. */
const LINK_BYTES_PER_S = 1_000_000;

function throttledWorkload(bucket: TestBucket, endpoint: string) {
  const storage = bucket.storage('throttled', { endpoint_url: endpoint, max_sockets: 16 });
  return {
    model: { name: 'throttled' },
    workflow: { generate_data: false, train: true },
    storage,
    dataset: {
      data_folder: 'sweep/',
      // 2,400 rows of 4,000 B: 48 row groups of 50 rows, split evenly over 1, 2, 3 or 4 accelerators.
      num_files_train: 8,
      num_samples_per_file: 300,
      record_length_bytes: 4000,
      compression: 'none',
      parquet: { row_group_size: 50, read_mode: 'row_group' },
    },
    reader: { batch_size: 50, read_threads: 1, prefetch_size: 2, decode: false, footer_fetch_bytes: 8192 },
    train: { epochs: 1, computation_time: 0.5, total_training_steps: 8 },
    metric: { au: 0.9, exclude_start_steps: 1, exclude_end_steps: 0 },
    run: { accelerators: 1, workers: 1 },
    output: { folder: path.join(tmp, 'throttled-results') },
  };
}

describe('sweep against a store of known capacity', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let proxy: ThrottleProxy;
  let file: string;
  const sweepDir = () => path.join(tmp, 'throttled-results', 'capacity');

  before(async () => {
    bucket = await createTestBucket('sweep');
    const endpoint = s3TestEnv()?.endpoint as string;
    proxy = await startThrottleProxy(endpoint, LINK_BYTES_PER_S);
    file = path.join(tmp, 'throttled.yaml');
    await writeFile(file, workloadYaml(throttledWorkload(bucket, proxy.url)));
    // The dataset goes in straight, not through the narrow link.
    const gen = await pqbench(['generate', file, '--set', `storage.storage_options.endpoint_url=${endpoint}`])
      .done;
    assert.equal(gen.code, 0, gen.stderr);
  });
  after(async () => {
    await proxy?.close();
    await bucket?.destroy();
  });

  it('--find-max run.accelerators grows, bisects and finds 2: the most the link feeds at AU ≥ 90 %', async () => {
    const args = [
      'sweep',
      file,
      '--find-max',
      'run.accelerators',
      '--repeats',
      '2',
      '--sweep-id',
      'capacity',
    ];
    const r = await pqbench(args, {}, 240_000).done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /\[SWEEP\] answer: max accelerators at AU ≥ 90 %: 2 \(2 repeats, AU \d+\.\d ± \d+\.\d\); 3 fails \(AU \d+\.\d ± \d+\.\d\)/,
      r.stdout,
    );
    const sweep = await readSweep(sweepDir());
    assert.equal(sweep.status, 'complete');
    assert.deepEqual(
      sweep.points.map((p) => [p.settings['run.accelerators'], p.outcome, p.repeats.length]),
      [
        [1, 'pass', 2],
        [2, 'pass', 2],
        [4, 'fail', 2],
        [3, 'fail', 2],
      ],
    );
    assert.deepEqual(
      { kind: sweep.answer?.kind, value: sweep.answer?.value, stopped: sweep.answer?.stopped_at },
      { kind: 'max', value: 2, stopped: 3 },
    );
    for (const p of sweep.points) {
      assert.equal(p.label, `run.accelerators=${p.settings['run.accelerators']}`);
      for (const rep of p.repeats) {
        assert.ok(rep.au_mean_percentage !== null && rep.throughput_samples_per_second !== null, p.label);
        assert.ok(
          ['valid', 'warn'].includes(rep.verdict.status),
          `${p.label}: ${JSON.stringify(rep.verdict)}`,
        );
        const summary = JSON.parse(await readFile(path.join(sweepDir(), rep.dir, 'summary.json'), 'utf8'));
        assert.equal(summary.run_id, rep.run_id);
        assert.equal(summary.num_accelerators, p.settings['run.accelerators']);
        assert.equal(summary.metric.train_au_mean_percentage, rep.au_mean_percentage);
      }
      const aus = p.repeats.map((x) => x.au_mean_percentage as number);
      const mean = aus.reduce((a, b) => a + b, 0) / aus.length;
      assert.ok(Math.abs((p.mean?.au_mean_percentage ?? 0) - mean) < 1e-9);
      assert.ok(
        Math.abs((p.stdev?.au_mean_percentage ?? -1) - Math.abs(aus[0] - aus[1]) / Math.SQRT2) < 1e-6,
      );
    }
    // The link, not the client, set the pace: throughput stops growing past 2 accelerators.
    const tput = (n: number) =>
      sweep.points.find((p) => p.settings['run.accelerators'] === n)?.mean?.throughput_samples_per_second ??
      0;
    assert.ok(tput(4) < tput(2) * 1.5, `4 accelerators: ${tput(4)} samples/s, 2: ${tput(2)}`);

    // Re-run with the same id: nothing left to run, the same answer.
    const again = await pqbench(args, {}, 60_000).done;
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /repeat \d\/2:/);
    assert.match(again.stdout, /answer: max accelerators at AU ≥ 90 %: 2 /);
  });

  it('sweep.html draws AU against the key with error bars and the threshold', {
    skip: chromiumSkip(),
  }, async () => {
    const browser = await launchChromium();
    try {
      const seen = await openReport(browser, path.join(sweepDir(), 'sweep.html'));
      assert.deepEqual([seen.consoleErrors, seen.pageErrors, seen.requests], [[], [], []]);
      const au = seen.charts.find((c) => c.id === 'sweep-au');
      assert.deepEqual(au?.points, [4]);
      assert.equal(au?.errorBars, 4, 'an error bar per point');
      assert.deepEqual(au?.thresholds, [90]);
      assert.equal(au?.yMin, 0);
      assert.deepEqual(
        seen.charts.map((c) => c.id),
        ['sweep-au', 'sweep-throughput', 'sweep-read-rate'],
      );
      const html = await readFile(path.join(sweepDir(), 'sweep.html'), 'utf8');
      assert.match(html, /max accelerators at AU ≥ 90 %: 2 /);
    } finally {
      await browser.close();
    }
  });
});

describe('sweep on local disk', () => {
  const data = () => ['--set', `storage.storage_root=${path.join(tmp, 'data')}`];
  const folder = () => ['--set', `output.folder=${path.join(tmp, 'local-results')}`];

  it('an interrupted grid keeps its finished repeats; the same id resumes without repeating them', async () => {
    const args = [
      'sweep',
      QUICKSTART,
      '--vary',
      'run.accelerators=1,2',
      '--repeats',
      '2',
      '--sweep-id',
      'grid',
      ...data(),
      ...folder(),
      '--set',
      'train.epochs=3',
    ];
    // --json: the lines for people go to stderr, which the test can watch while the sweep runs.
    const first = pqbench([...args, '--json']);
    await waitFor(() => first.stderr().includes('repeat 1/2:'), 120_000);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(
      stopped.stderr,
      /\[SWEEP\] interrupted: the finished repeats are kept in .*sweep\.json; resume with .*--sweep-id grid/,
    );
    const dir = path.join(tmp, 'local-results', 'grid');
    const kept = await readSweep(dir);
    assert.equal(kept.status, 'interrupted');
    const done = kept.points.flatMap((p) => p.repeats.map((r) => r.run_id));
    assert.ok(done.length >= 1 && done.length < 4, `${done.length} repeats kept`);

    const resumed = await pqbench(args, {}, 240_000).done;
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /resuming sweep grid/);
    const sweep = await readSweep(dir);
    assert.equal(sweep.status, 'complete');
    assert.deepEqual(
      sweep.points.map((p) => [p.label, p.repeats.length]),
      [
        ['run.accelerators=1', 2],
        ['run.accelerators=2', 2],
      ],
    );
    const all = sweep.points.flatMap((p) => p.repeats.map((r) => r.run_id));
    for (const id of done) assert.ok(all.includes(id), `the finished repeat ${id} was kept, not run again`);

    // compare reads the sweep: one column per point, mean ± spread.
    const cmp = await pqbench(['compare', dir, '--json']).done;
    assert.equal(cmp.code, 0, cmp.stderr);
    const json = JSON.parse(cmp.stdout) as {
      runs: { label: string; repeats: number }[];
      figures: { key: string; spreads: (number | null)[] }[];
    };
    assert.deepEqual(
      json.runs.map((r) => [r.label, r.repeats]),
      [
        ['run.accelerators=1', 2],
        ['run.accelerators=2', 2],
      ],
    );
    assert.ok(json.figures.find((f) => f.key === 'au_mean_percentage')?.spreads.every((s) => s !== null));
  });

  it("the quickstart's --find-max run.accelerators --au-min 90 prints an answer", async () => {
    const t0 = Date.now();
    const r = await pqbench(
      ['sweep', QUICKSTART, '--find-max', 'run.accelerators', '--au-min', '90', ...data(), ...folder()],
      {},
      240_000,
    ).done;
    assert.equal(r.code, 0, r.stderr);
    const answer = /\[SWEEP\] answer: (.*)/.exec(r.stdout)?.[1] ?? '';
    assert.match(
      answer,
      /^(max accelerators at AU ≥ 90 %: (\d+|none)|client saturated at \d+ accelerators? before the storage: add hosts|no answer: run\.accelerators=\d+ is invalid)/,
      r.stdout,
    );
    console.log(`quickstart sweep: ${((Date.now() - t0) / 1000).toFixed(1)} s: ${answer}`);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Training end to end on local disk: `pqbench run workloads/quickstart.yaml`
 * through the CLI, exactly-once delivery through the real Parquet reader
 * (default and row_group modes, partitioned objects), the manifest check, and
 * the explicit "too few steps" notice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { defaultWorkload } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { objectRowCount } from '../../src/dataset/values.ts';
import { ManifestMismatchError } from '../../src/errors.ts';
import { runGenerate } from '../../src/generate/run.ts';
import { mergePartials } from '../../src/metrics/merge.ts';
import { runOutput } from '../../src/metrics/results.ts';
import { openStorage } from '../../src/storage/open.ts';
import { runHost } from '../../src/train/host.ts';
import { runTraining } from '../../src/train/run.ts';
import { rankEpoch, unitRef } from '../../src/train/schedule.ts';

const QUICKSTART = new URL('../../workloads/quickstart.yaml', import.meta.url).pathname;

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-train-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

function smallWorkload(name: string, edit: (w: Workload) => void = () => {}): Workload {
  const w = defaultWorkload();
  w.model.name = name;
  w.storage = { ...w.storage, storage_type: 'local_fs', storage_root: path.join(tmp, 'data') };
  w.output.folder = path.join(tmp, 'results');
  w.dataset.data_folder = name;
  w.dataset.num_files_train = 5;
  w.dataset.num_samples_per_file = 37;
  w.dataset.compression = 'snappy';
  w.dataset.parquet.row_group_size = 10;
  w.dataset.parquet.columns = [
    { name: 'label', dtype: 'float32', size: 1, read: true },
    { name: 'dense', dtype: 'float32', size: 8, read: true },
    { name: 'skip', dtype: 'float64', size: 4, read: false },
  ];
  w.reader.batch_size = 8;
  w.reader.file_shuffle = 'seed';
  w.reader.sample_shuffle = 'seed';
  w.train.computation_time = { mean: 0, stdev: 0, type: 'constant' };
  w.run.workers = 1;
  edit(w);
  return w;
}

async function generate(w: Workload): Promise<void> {
  const storage = openStorage(w.storage);
  try {
    await runGenerate(resolveRun(w), storage, { workers: 1 });
  } finally {
    await storage.close();
  }
}

describe('pqbench run workloads/quickstart.yaml (local disk)', () => {
  it('generates, trains and writes summary.json with the DLIO keys', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      [
        'run',
        QUICKSTART,
        '--set',
        `storage.storage_root=${path.join(tmp, 'qs-data')}`,
        '--set',
        `output.folder=${path.join(tmp, 'qs-results')}`,
        '--set',
        'output.requests_csv=true',
      ],
      { stdout: (l) => out.push(l), stderr: (l) => err.push(l) },
    );
    assert.equal(code, 0, err.join('\n'));
    assert.ok(
      out.some((l) => l.startsWith('[METRIC] Training Accelerator Utilization [AU] (%)')),
      out.join('\n'),
    );
    const [runId] = await readdir(path.join(tmp, 'qs-results'));
    const dir = path.join(tmp, 'qs-results', runId);
    assert.deepEqual((await readdir(dir)).sort(), [
      'config.yaml',
      'epoch_stats.json',
      'generate.json',
      'per_epoch_stats.json',
      'report.html',
      'requests.csv',
      'summary.json',
      'timeseries.json',
    ]);
    const summary = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8'));
    assert.equal(summary.schema_version, 3);
    assert.equal(summary.workload, 'quickstart');
    assert.equal(summary.epochs, 2);
    assert.equal(summary.num_accelerators, 2);
    assert.equal(summary.steps.samples, 2 * 16 * 2048);
    assert.equal(summary.metric.train_au_percentage.length, 2);
    for (const v of summary.metric.train_au_percentage) assert.ok(v > 0 && v <= 100, String(v));
    assert.ok(summary.metric.train_throughput_mean_samples_per_second > 0);
    assert.ok(summary.metric.train_io_mean_MB_per_second > 0);
    assert.ok(['success', 'fail'].includes(summary.metric.train_au_meet_expectation));
    // Per file and epoch: one footer GET and one coalesced GET of the projected chunks.
    assert.equal(summary.requests.GET.count, 2 * 16 * 2);
    assert.ok(summary.io.read_amplification >= 1);
    const csv = (await readFile(path.join(dir, 'requests.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv.length, 1 + summary.requests.GET.count);
    assert.match(await readFile(path.join(dir, 'config.yaml'), 'utf8'), /name: quickstart/);
  });
});

describe('exactly once through the Parquet reader', () => {
  for (const [mode, partitioned] of [
    ['default', false],
    ['row_group', false],
    ['row_group', true],
  ] as const) {
    it(`delivers every row of every object once per epoch (${mode}${partitioned ? ', partitioned' : ''})`, async () => {
      const name = `once-${mode}-${partitioned}`;
      const w = smallWorkload(name, (w) => {
        w.dataset.parquet.read_mode = mode;
        w.run.accelerators = 3;
        w.train.epochs = 2;
        w.reader.read_threads = 3;
        if (partitioned) {
          // Also checks every decoded value, the partition column restored from the path included.
          w.reader.verify = true;
          w.dataset.parquet.columns.push({
            name: 'day',
            dtype: 'int32',
            size: 1,
            read: true,
            cardinality: 3,
          });
          w.dataset.parquet.partition_by = 'day';
        }
      });
      await generate(w);
      const run = resolveRun(w);
      const host = await runHost(run, [0, 1, 2], { collectIds: true });
      const perEpoch = rankEpoch(run, 0, 0).steps * w.reader.batch_size;
      const kept = perEpoch * 3;
      for (let epoch = 0; epoch < 2; epoch++) {
        const seen = new Set<string>();
        for (const ids of host.ids ?? []) {
          const mine = ids.subarray(epoch * perEpoch * 2, (epoch + 1) * perEpoch * 2);
          for (let i = 0; i < mine.length; i += 2) seen.add(`${mine[i]}/${mine[i + 1]}`);
        }
        assert.equal(seen.size, kept, `epoch ${epoch}: every kept sample once`);
        for (const id of seen) {
          const [unit, row] = id.split('/').map(Number);
          const ref = unitRef(run.dataset.layout, unit as number);
          assert.ok((row as number) < objectRowCount(run.dataset, ref.partition), id);
        }
      }
      const { summary } = mergePartials(run, JSON.parse(JSON.stringify(host.partials)), {
        runId: 'x',
        configHash: 'y',
      });
      assert.equal(summary.steps.samples, 2 * kept);
      assert.equal(summary.steps.dropped_samples, 2 * (5 * 37 - kept));
      assert.ok(summary.requests.GET && summary.requests.GET.count >= 2 * 5 * 2);
      assert.ok(summary.io.projected_bytes > 0);
    });
  }
});

describe('runTraining checks and notices', () => {
  it('stops with ManifestMismatchError naming the differences', async () => {
    const w = smallWorkload('mismatch');
    await generate(w);
    const other = smallWorkload('mismatch', (x) => {
      x.dataset.num_samples_per_file = 40;
    });
    await assert.rejects(runTraining(resolveRun(other), runOutput(other)), (e: unknown) => {
      assert.ok(e instanceof ManifestMismatchError);
      assert.match(e.message, /num_samples_per_file: dataset has 37, config has 40/);
      return true;
    });
  });

  it('says explicitly when a run has too few steps for the metric window (and counts its AU as 0, as DLIO)', async () => {
    const w = smallWorkload('short', (x) => {
      x.dataset.num_files_train = 1;
      x.reader.batch_size = 16;
      x.metric.exclude_start_steps = 2;
    });
    await generate(w);
    const result = await runTraining(resolveRun(w), runOutput(w));
    const { summary } = result.run;
    assert.deepEqual(summary.metric.train_au_percentage, [0]);
    assert.equal(summary.metric.train_au_meet_expectation, 'fail');
    assert.ok(
      summary.notices.some((n) => n.includes('only 2 step(s)')),
      summary.notices.join('\n'),
    );
    assert.ok(summary.notices.some((n) => n.startsWith('page cache:')));
  });

  it('caps steps per epoch with total_training_steps, an accelerator thread and read_threads loader threads each', async () => {
    const w = smallWorkload('capped', (x) => {
      x.dataset.num_files_train = 6;
      x.run.accelerators = 2;
      x.reader.read_threads = 2;
      x.train.total_training_steps = 3;
      x.train.epochs = 2;
    });
    await generate(w);
    const result = await runTraining(resolveRun(w), runOutput(w));
    assert.equal(result.threads, 2 * (1 + 2));
    assert.equal(result.run.summary.steps.total, 2 * 2 * 3);
    assert.equal(result.run.summary.steps.samples, 2 * 2 * 3 * 8);
  });

  it('loads in the accelerator’s own loop with read_threads 0 (one thread per accelerator)', async () => {
    const w = smallWorkload('inline', (x) => {
      x.run.accelerators = 2;
      x.reader.read_threads = 0;
      x.output.requests_csv = true;
    });
    await generate(w);
    const result = await runTraining(resolveRun(w), runOutput(w));
    assert.equal(result.threads, 2);
    const kept = rankEpoch(resolveRun(w), 0, 0).steps * 8 * 2;
    assert.equal(result.run.summary.steps.samples, kept);
    const csv = (await readFile(path.join(result.dir, 'requests.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv.length, 1 + (result.run.summary.requests.GET?.count ?? 0));
  });
});

/**
 * `pqbench cloud run` end to end without AWS: the CLI, unchanged, drives the
 * synthesized state machine executed locally with aws-local-stepfunctions
 * (test/helpers/asl-local-backend.ts), every Task bound to the real Lambda
 * handler, the stack bucket and the dataset on the test Ceph RGW.
 *
 * - A run whose accelerators each need 3 invocations (a 1 ms invocation
 *   budget: one epoch per invocation), two accelerators per reader Lambda
 *   (ItemBatcher) and the untimed warm-up pass gives the same sample, step and
 *   GET counts as a local run on the same dataset, with the cost split.
 * - A reader whose data object is missing fails the run: the CLI prints that
 *   reader's error and exits with its code.
 * - The plan refuses more readers than the account's (stubbed) concurrency.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STATE } from '../../cdk/state-machine.ts';
import { main } from '../../src/cli/main.ts';
import { useCloudBackend } from '../../src/cloud/backend.ts';
import { ENV } from '../../src/cloud/env.ts';
import { runKeys } from '../../src/cloud/keys.ts';
import type { CloudReport } from '../../src/cloud/report.ts';
import { defaultWorkload, workloadToYaml } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import { objectKey } from '../../src/dataset/layout.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { ExitCode } from '../../src/errors.ts';
import { runOutput } from '../../src/metrics/results.ts';
import type { EpochStats, RunSummaryJson } from '../../src/metrics/summary.ts';
import { openStorage } from '../../src/storage/open.ts';
import type { Storage } from '../../src/storage/types.ts';
import { runTraining } from '../../src/train/run.ts';
import { piecesOf, rankEpoch } from '../../src/train/schedule.ts';
import { type LocalCloud, localCloud } from '../helpers/asl-local-backend.ts';
import { createTestBucket, s3Skip, s3TestEnv, type TestBucket } from '../helpers/s3-env.ts';

const DATA_FOLDER = 'data/asl';

function smallWorkload(outDir: string, overrides: string[] = []): Workload {
  const w = defaultWorkload([
    'model.name=cloud-asl',
    'workflow.generate_data=true',
    'workflow.train=true',
    `dataset.data_folder=${DATA_FOLDER}`,
    'dataset.num_files_train=5',
    'dataset.num_samples_per_file=24',
    'dataset.compression=snappy',
    'dataset.parquet.row_group_size=8',
    'reader.batch_size=4',
    'reader.read_threads=2',
    'train.epochs=3',
    'train.computation_time=0.001',
    'run.accelerators=3',
    'run.workers=1',
    `output.folder=${outDir}`,
    ...overrides,
  ]);
  w.dataset.parquet.columns = [
    { name: 'label', dtype: 'float32', size: 1, read: true },
    { name: 'dense', dtype: 'float32', size: 8, read: true },
    { name: 'aux', dtype: 'int64', size: 2, read: false },
  ];
  return w;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function getJson<T>(storage: Storage, key: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode((await storage.get(key)).body)) as T;
}

const runIdOf = (stderr: string) => /run (\S+): execution/.exec(stderr)?.[1] ?? '';

describe('pqbench cloud run against the state machine executed locally', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let control: Storage;
  let outDir: string;
  let cloud: LocalCloud;
  const saved: Record<string, string | undefined> = {};

  const setEnv = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (!(k in saved)) saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };

  const workloadFile = async (name: string, overrides: string[] = []) => {
    const path = join(outDir, `${name}.yaml`);
    await writeFile(path, workloadToYaml(smallWorkload(outDir, overrides)));
    return path;
  };

  before(async () => {
    bucket = await createTestBucket('cloud-asl');
    control = openStorage(bucket.storage());
    outDir = await mkdtemp(join(tmpdir(), 'pqbench-cloud-asl-'));
    const env = s3TestEnv();
    assert.ok(env);
    setEnv({
      [ENV.bucket]: bucket.name,
      [ENV.s3Endpoint]: env.endpoint,
      [ENV.startMarginMs]: '3000',
      [ENV.accountConcurrency]: '1000',
      [ENV.readMaxConcurrency]: undefined,
      AWS_REGION: env.region,
    });
    cloud = localCloud(bucket, env.endpoint, env.region);
    useCloudBackend(cloud.backend);
  });

  after(async () => {
    useCloudBackend(null);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await cloud?.close();
    await control?.close();
    await bucket?.destroy();
    await rm(outDir, { recursive: true, force: true });
  });

  it('continues each accelerator over 3 invocations and gives one long local run’s counts', async () => {
    const path = await workloadFile('continued');
    const r = await cli([
      'cloud',
      'run',
      path,
      '--stack',
      'PqbenchLocal',
      '--invocation-budget',
      '0.001',
      '--ranks-per-host',
      '2',
      '--warmup',
    ]);
    assert.equal(r.code, 0, r.err);
    const runId = runIdOf(r.err);
    const exec = [...cloud.executions.values()].find((e) => e.input.runId === runId);
    assert.ok(exec);
    assert.deepEqual(
      exec.entered.filter((name) => !name.includes('·')),
      [
        STATE.plan,
        STATE.generateChoice,
        STATE.generateMap,
        STATE.trainChoice,
        STATE.warmupChoice,
        STATE.warmupMap,
        STATE.schedule,
        STATE.readMap,
        STATE.aggregate,
        STATE.done,
      ],
    );
    // 3 accelerators at 2 per reader: 2 reader Lambdas, each invoked once per epoch.
    const reads = exec.invoked.filter((i) => i.task === STATE.readTask);
    assert.equal(reads.length, 2 * 3);
    const batches = reads.map((i) =>
      (i.input as { Items: { accelerator: number }[] }).Items.map((x) => x.accelerator),
    );
    assert.deepEqual([...new Set(batches.map((b) => b.join(',')))].sort(), ['0,1', '2']);
    assert.equal(exec.invoked.filter((i) => i.task === STATE.warmupTask).length, 2);

    const dir = join(outDir, runId);
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as RunSummaryJson;
    const epochs = JSON.parse(await readFile(join(dir, 'epoch_stats.json'), 'utf8')) as EpochStats[];
    const report = JSON.parse(await readFile(join(dir, 'cloud.json'), 'utf8')) as CloudReport;
    // The per-interval series come down with the rest (report.html draws them).
    const series = JSON.parse(await readFile(join(dir, 'timeseries.json'), 'utf8')) as {
      interval_ms: number;
    };
    assert.ok(series.interval_ms > 0);
    assert.match(r.out, /continued across invocations \(up to 3 each\)/);
    assert.equal(report.readers, 2);
    assert.equal(report.ranks_per_host, 2);
    assert.deepEqual(report.reader_invocations, { total: 6, max_per_reader: 3, readers_continued: 2 });
    assert.deepEqual(report.warmup, { readers: 2 });
    assert.equal(report.accelerators_reported, 3);
    assert.equal(report.readers_late, 0);
    assert.equal(report.overlap.readers, 2);
    assert.ok(report.overlap.samples_per_second !== null && report.overlap.samples_per_second > 0);
    assert.ok((report.overlap.share_of_samples ?? 0) > 0 && (report.overlap.share_of_samples ?? 2) <= 1);

    // The local executor on the same dataset, all epochs in one run: the same counts.
    const local = smallWorkload(outDir);
    const localRun = await runTraining(
      resolveRun({ ...local, storage: bucket.storage('datasets') }),
      runOutput({ ...local, storage: bucket.storage('datasets') }),
    );
    const l = localRun.run.summary;
    assert.equal(summary.steps.samples, 5 * 24 * 3);
    assert.equal(summary.steps.samples, l.steps.samples);
    assert.equal(summary.steps.total, l.steps.total);
    assert.deepEqual(
      epochs.map((e) => [e.epoch, e.samples, e.steps, e.requests.GET?.count]),
      localRun.run.perEpoch.map((e) => [e.epoch, e.samples, e.steps, e.requests.GET?.count]),
    );
    assert.equal(summary.requests.GET?.count, l.requests.GET?.count);
    assert.equal(summary.io.projected_bytes, l.io.projected_bytes);
    assert.equal(summary.io.bytes_transferred, l.io.bytes_transferred);

    // The summary's cost is the training part: per TB from training alone; generation is separate.
    assert.ok(Math.abs(summary.cost.total_usd - report.cost.training.total_usd) < 1e-12);
    assert.equal(summary.cost.per_TB_read_usd, report.cost.per_TB_read_usd);
    assert.equal(report.cost.training.bytesRetrieved, summary.io.bytes_transferred);
    assert.equal(report.cost.training.requests.GET, summary.requests.GET?.count);
    assert.ok(
      (report.cost.generation.requests.PUT ?? 0) + (report.cost.generation.requests.MULTIPART ?? 0) >= 5,
    );
    assert.ok(report.cost.generation.bytesUploaded > 0);
    assert.equal(report.cost.training.stateTransitions, 1 + 3 * 6);
    assert.ok((report.cost.overhead.requests.GET ?? 0) > 0, 'warm-up reads and segment reads are overhead');
    // Segments were joined: the partial files of the three accelerators hold all 3 epochs.
    for (let k = 0; k < 3; k++) {
      const file = await getJson<{ partial: { epochs: unknown[] } }>(control, runKeys(runId).readPartial(k));
      assert.equal(file.partial.epochs.length, 3);
    }
  });

  it('names the failing reader and exits with its error’s code', async () => {
    // The dataset of the run above; the object only accelerator 1 reads is removed.
    const w = smallWorkload(outDir, ['workflow.generate_data=false']);
    const plan = resolveRun(w);
    const filesOf = (k: number) => {
      const rank = rankEpoch(plan, 0, k);
      return new Set([...piecesOf(plan, rank, 0, rank.steps * rank.batchSize)].map((p) => p.ref.fileIndex));
    };
    const only1 = [...filesOf(1)].filter((f) => !filesOf(0).has(f) && !filesOf(2).has(f));
    assert.ok(only1.length > 0);
    const key = `datasets/${objectKey(plan.dataset.layout, 'train', only1[0] as number, null)}`;
    await bucket.client.send(
      new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: bucket.name, Key: key }),
    );
    const r = await cli([
      'cloud',
      'run',
      await workloadFile('failing', ['workflow.generate_data=false']),
      '--stack',
      'PqbenchLocal',
    ]);
    assert.equal(r.code, ExitCode.storage, r.err);
    assert.match(r.err, /reader of accelerator 1 failed \(StorageError\)/);
    assert.ok(r.err.includes(key.slice('datasets/'.length)), r.err);
    assert.match(r.err, /not found/);
  });

  it('refuses more readers than the account’s concurrency, saying what to change', async () => {
    setEnv({ [ENV.readMaxConcurrency]: '10000' });
    try {
      const path = await workloadFile('too-many', ['workflow.generate_data=false', 'run.accelerators=5000']);
      const r = await cli(['cloud', 'run', path, '--stack', 'PqbenchLocal']);
      assert.equal(r.code, ExitCode.badInput, r.err);
      assert.match(r.err, /5000 reader Lambdas .* need 5000 concurrent Lambda executions/);
      assert.match(r.err, /1000 unreserved concurrent executions/);
      assert.match(r.err, /--ranks-per-host 5/);
    } finally {
      setEnv({ [ENV.readMaxConcurrency]: undefined });
    }
  });
});

/**
 * `mpirun -np 3` (Debian's Open MPI) runs a 6-accelerator workload against the
 * test S3 server (Ceph RGW in `npm test`), issue 12: each rank takes its rank
 * from OMPI_COMM_WORLD_RANK/SIZE and the run id from Open MPI's job id,
 * generates and trains its share, and the ranks meet through objects under
 * s3://<bucket>/results/<run-id>/ only. The merged summary equals a
 * single-process run of the same workload in samples, steps, GETs and bytes;
 * `pqbench merge` on the s3:// location writes the same summary again;
 * rank 0 draws report.html there, and merge, report and compare read the
 * s3:// folder with the endpoint from S3_ENDPOINT, as every command does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStorage } from '../../src/storage/open.ts';
import { BIN, countsOf, describeExits, onPath, pqbench, start, workloadYaml } from '../helpers/ranks.ts';
import { createTestBucket, s3Skip, s3TestEnv, type TestBucket } from '../helpers/s3-env.ts';

function mpiSkip(): string | false {
  const s3 = s3Skip();
  if (s3) return s3;
  if (!onPath('mpirun')) {
    throw new Error(
      'mpirun is not installed: apt-get install -y --no-install-recommends openmpi-bin (.ci/run does)',
    );
  }
  return false;
}

describe('mpirun -np 3 against S3', { skip: mpiSkip() }, () => {
  let bucket: TestBucket;
  let tmp: string;
  before(async () => {
    bucket = await createTestBucket('mpi');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-mpi-'));
  });
  after(async () => {
    await bucket?.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  async function workloadFile(): Promise<string> {
    const env = s3TestEnv();
    const file = path.join(tmp, 'mpi.yaml');
    // No credentials in the file: every rank takes them from the environment mpirun passes on.
    const w = {
      model: { name: 'mpi' },
      workflow: { generate_data: true, train: true },
      storage: {
        storage_type: 's3',
        storage_root: `${bucket.name}/bench`,
        storage_options: {
          endpoint_url: env?.endpoint,
          region: env?.region,
          s3_force_path_style: true,
          checksums: 'when_required',
        },
      },
      dataset: {
        data_folder: 'data/mpi',
        num_files_train: 6,
        num_samples_per_file: 1000,
        compression: 'zstd',
        parquet: {
          row_group_size: 250,
          read_mode: 'row_group',
          columns: [
            { name: 'label', dtype: 'float32' },
            { name: 'dense', dtype: 'float32', size: 32 },
            { name: 'unused', dtype: 'float64', size: 8, read: false },
          ],
        },
      },
      reader: {
        batch_size: 32,
        read_threads: 1,
        prefetch_size: 2,
        footer_fetch_bytes: 8192,
        file_shuffle: 'seed',
      },
      train: { epochs: 2, computation_time: 0.001 },
      run: { accelerators: 6, workers: 1 },
      output: { folder: `s3://${bucket.name}/results` },
    };
    await writeFile(file, workloadYaml(w));
    return file;
  }

  it('merges the ranks into the same counts as a single-process run', async (t) => {
    const file = await workloadFile();
    const mpirun = start('mpirun', [
      '-np',
      '3',
      '--allow-run-as-root',
      '--oversubscribe',
      process.execPath,
      BIN,
      'run',
      file,
      '--start-margin',
      '2',
      '--poll-interval',
      '0.2',
      '--rank-timeout',
      '60',
    ]);
    const exit = await mpirun.done;
    assert.equal(exit.code, 0, describeExits([exit]));
    assert.match(exit.stdout, /generated 6 of 6 files over 3 ranks/);
    assert.match(
      exit.stderr,
      /rank 1 of 3 \(OMPI_COMM_WORLD_RANK\/SIZE\); run openmpi-\d+ \(the openmpi job id\)/,
    );
    assert.match(exit.stdout, /\[HOSTS\] Ranks: 3 of 3 \(openmpi\)/);
    const location = /^results: (s3:\/\/\S+)$/m.exec(exit.stdout)?.[1];
    assert.ok(location, exit.stdout);
    const runId = location.slice(location.lastIndexOf('/') + 1);

    const results = openStorage({ ...bucket.storage(), storage_root: `${bucket.name}/results` });
    const text = async (key: string) => new TextDecoder().decode((await results.get(`${runId}/${key}`)).body);
    try {
      const multi = JSON.parse(await text('summary.json'));
      assert.equal(multi.num_hosts, 3);
      assert.equal(multi.num_accelerators, 6);
      const keys: string[] = [];
      for await (const e of results.list(`${runId}/ranks/train/partials/`)) keys.push(e.key);
      assert.equal(keys.length, 3);
      const hosts = JSON.parse(await text('hosts.json'));
      assert.deepEqual(
        hosts.hosts.map((h: { accelerators: number[] }) => h.accelerators),
        [
          [0, 1],
          [2, 3],
          [4, 5],
        ],
      );
      assert.equal(hosts.launcher, 'openmpi');
      // One machine: the ranks' clocks agree to within the storage's timestamp resolution.
      assert.ok(
        hosts.clock.skew_ms !== null && hosts.clock.skew_ms <= hosts.clock.resolution_ms + 50,
        JSON.stringify(hosts.clock),
      );
      t.diagnostic(`clock: resolution ${hosts.clock.resolution_ms} ms, skew ${hosts.clock.skew_ms} ms`);

      const single = await pqbench(['train', file, '--set', `output.folder=${path.join(tmp, 'single')}`])
        .done;
      assert.equal(single.code, 0, single.stderr);
      const [dir] = await readdir(path.join(tmp, 'single'));
      const one = JSON.parse(await readFile(path.join(tmp, 'single', String(dir), 'summary.json'), 'utf8'));
      assert.deepEqual(countsOf(multi), countsOf(one));
      // 1,000 samples per accelerator, ⌊1000 / 32⌋ = 31 steps, 2 epochs; a footer and 4 row groups per file and epoch at least.
      assert.equal(one.steps.samples, 6 * 31 * 32 * 2);
      assert.ok(one.requests.GET.count >= 2 * 6 * 5);

      // Rank 0 drew report.html into the s3:// results folder beside summary.json.
      assert.match(await text('report.html'), /^<!doctype html>/i);
      const summaryBefore = await text('summary.json');
      // No --endpoint-url: merge, report and compare take S3_ENDPOINT as every command does.
      assert.ok(process.env.S3_ENDPOINT);
      const merged = await pqbench(['merge', location]).done;
      assert.equal(merged.code, 0, merged.stderr);
      assert.equal(await text('summary.json'), summaryBefore);
      const reported = await pqbench(['report', location]).done;
      assert.equal(reported.code, 0, reported.stderr);
      assert.match(reported.stdout, new RegExp(`^wrote ${location}/report\\.html at `, 'm'));
      const compared = await pqbench(['compare', location, location, '--json']).done;
      assert.equal(compared.code, 0, compared.stderr);
      assert.equal(JSON.parse(compared.stdout).runs.length, 2);
      assert.deepEqual(await bucket.unfinishedUploads(), []);
    } finally {
      await results.close();
    }
  });
});

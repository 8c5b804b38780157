/**
 * A rank killed (SIGTERM, as mpirun, srun, Kubernetes and Batch stop the
 * others) while it uploads a multipart object to S3 (Ceph RGW in `npm test`),
 * issue 12: its upload is aborted — no orphaned multipart upload, no partial
 * object — the other ranks stop naming it, no result is written; rerunning
 * the same run id resumes (files already written are skipped) and completes;
 * once complete, the run id is refused.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { openStorage } from '../../src/storage/open.ts';
import { describeExits, type Exit, ranksByHand, workloadYaml } from '../helpers/ranks.ts';
import { createTestBucket, s3Skip, s3TestEnv, type TestBucket } from '../helpers/s3-env.ts';

describe('a killed rank on S3', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let tmp: string;
  before(async () => {
    bucket = await createTestBucket('kill');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-kill-'));
  });
  after(async () => {
    await bucket?.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  /** Three files of ~48 MB (six 8 MiB parts each): one per rank, each a multipart upload. */
  async function workloadFile(): Promise<string> {
    const env = s3TestEnv();
    const file = path.join(tmp, 'kill.yaml');
    const w = {
      model: { name: 'kill' },
      workflow: { generate_data: true, train: true },
      storage: {
        storage_type: 's3',
        storage_root: `${bucket.name}/bench`,
        storage_options: { endpoint_url: env?.endpoint, region: env?.region, s3_force_path_style: true },
      },
      dataset: {
        data_folder: 'data/kill',
        num_files_train: 3,
        num_samples_per_file: 6144,
        // gzip -9 of random floats: slow enough (~20-30 MB/s) that the kill lands while the object is still being written.
        compression: 'gzip',
        compression_level: 9,
        parquet: {
          row_group_size: 512,
          vector_layout: 'fixed',
          columns: [
            { name: 'label', dtype: 'float32' },
            { name: 'dense', dtype: 'float32', size: 2048 },
          ],
        },
      },
      reader: { batch_size: 256, read_threads: 1, prefetch_size: 1, decode: false, file_shuffle: 'seed' },
      train: { epochs: 1, computation_time: 0.001 },
      run: { accelerators: 6, workers: 1 },
      output: { folder: `s3://${bucket.name}/results` },
    };
    await writeFile(file, workloadYaml(w));
    return file;
  }

  const args = (file: string) => () => [
    'run',
    file,
    '--run-id',
    'killed',
    '--start-margin',
    '1',
    '--poll-interval',
    '0.1',
    '--rank-timeout',
    '30',
  ];

  async function uploadsInFlight(): Promise<string[]> {
    const out = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.name }));
    return (out.Uploads ?? []).map((u) => u.Key ?? '');
  }

  async function exists(key: string): Promise<boolean> {
    const s = openStorage(bucket.storage());
    try {
      return (await s.head(key)) !== undefined;
    } finally {
      await s.close();
    }
  }

  async function text(key: string): Promise<string> {
    const s = openStorage(bucket.storage());
    try {
      return new TextDecoder().decode((await s.get(key)).body);
    } finally {
      await s.close();
    }
  }

  it('aborts its upload, stops the others naming it, and a rerun of the run id resumes', async () => {
    const file = await workloadFile();
    const procs = ranksByHand(3, args(file));
    // Rank 2 writes file 2 of 3: wait until its multipart upload is in flight, then stop it.
    let seen: string | undefined;
    for (let i = 0; i < 600 && !seen; i++) {
      seen = (await uploadsInFlight()).find((k) => k.includes('_2_of_3'));
      if (!seen) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(seen, `rank 2's upload was never seen in flight\n${procs.map((p) => p.stderr()).join('\n')}`);
    procs[2]?.child.kill('SIGTERM');
    const exits: Exit[] = await Promise.all(procs.map((p) => p.done));
    assert.equal(exits[2]?.code, 143, describeExits(exits));
    assert.match(exits[2]?.stderr ?? '', /error: interrupted by SIGTERM/);
    for (const rank of [0, 1]) {
      assert.equal(exits[rank]?.code, 5, describeExits(exits));
      assert.match(exits[rank]?.stderr ?? '', /rank 2 failed: interrupted by SIGTERM/);
    }
    assert.deepEqual(await bucket.unfinishedUploads(), [], 'no orphaned multipart upload');
    assert.equal(
      await exists('bench/data/kill/train/img_2_of_3.parquet'),
      false,
      `no object from the aborted upload\n${exits[2]?.stderr}`,
    );
    assert.equal(await exists('bench/data/kill/train/img_0_of_3.parquet'), true);
    assert.equal(await exists('results/killed/summary.json'), false, 'no result');

    const rerun = await Promise.all(ranksByHand(3, args(file)).map((p) => p.done));
    assert.deepEqual(
      rerun.map((e) => e.code),
      [0, 0, 0],
      describeExits(rerun),
    );
    assert.match(rerun[0]?.stderr ?? '', /rank 0 of 3: 0 of 1 files written, 1 already present/);
    assert.match(rerun[2]?.stderr ?? '', /rank 2 of 3: 1 of 1 files written/);
    assert.match(rerun[0]?.stdout ?? '', /\[METRIC\] Number of Simulated Accelerators: 6/);
    // 18,432 samples, 3,072 per accelerator: 12 steps of 256 each.
    const summary = JSON.parse(await text('results/killed/summary.json')) as { steps: { samples: number } };
    assert.equal(summary.steps.samples, 6 * 12 * 256);
    assert.deepEqual(await bucket.unfinishedUploads(), []);

    const refused = await Promise.all(ranksByHand(3, args(file)).map((p) => p.done));
    assert.deepEqual(
      refused.map((e) => e.code),
      [2, 2, 2],
      describeExits(refused),
    );
    assert.match(refused[1]?.stderr ?? '', /run killed is already complete/);
  });
});

/**
 * Reliability, noise (issue 15 point 10): on Node 20 the AWS SDK prints an
 * 8-line end-of-support notice at its first client, and more than 10
 * accelerators once printed MaxListenersExceededWarning. Neither may reach a
 * user: a generate with several worker threads and a train with 12
 * accelerators on the test Ceph RGW print no warning at all — also when the
 * user has set the SDK's variable to a value the SDK does not honour ('1').
 * The CLI gets an environment without that variable (cli-run.ts `cliEnv`),
 * so the suppression checked is pqbench's own.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertCleanOutput, cliEnv, Transcript } from '../helpers/cli-run.ts';
import { writeWorkload } from '../helpers/reliability-workloads.ts';
import { createTestBucket, s3Skip, type TestBucket } from '../helpers/s3-env.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // the test's own clients; not the CLI's

describe('reliability: no Node or SDK warnings on S3', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let tmp: string;
  const transcript = new Transcript();

  before(async () => {
    bucket = await createTestBucket('reliability-warnings');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-reliability-warnings-'));
  });
  after(async () => {
    try {
      await transcript.assertNoSecrets(
        [process.env.AWS_ACCESS_KEY_ID ?? '', process.env.AWS_SECRET_ACCESS_KEY ?? ''],
        [path.join(tmp, 'results')],
      );
    } finally {
      await bucket?.destroy();
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('generate with 3 worker threads and train with 12 accelerators print no MaxListeners and no SDK version warning', async () => {
    const yaml = await writeWorkload(tmp, {
      name: 'twelve',
      storage: {
        storage_type: 's3',
        storage_root: `${bucket.name}/twelve`,
        storage_options: {
          endpoint_url: process.env.S3_ENDPOINT,
          access_key_id: process.env.AWS_ACCESS_KEY_ID,
          secret_access_key: process.env.AWS_SECRET_ACCESS_KEY,
        },
      },
      files: 24,
      samplesPerFile: 64,
      vector: 64,
      rowGroupSize: 16,
      batchSize: 8,
      accelerators: 12,
      readThreads: 1,
      epochs: 2,
      workers: 3,
      output: path.join(tmp, 'results'),
    });
    assert.equal(cliEnv().AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, undefined);
    const runs = [
      await transcript.run(['generate', yaml], { cwd: tmp, timeoutMs: 60_000 }),
      await transcript.run(['train', yaml], { cwd: tmp, timeoutMs: 90_000 }),
      // A value the SDK ignores (it honours only 'true') must not bring the notice back.
      await transcript.run(['train', yaml, '--set', 'train.epochs=1'], {
        cwd: tmp,
        timeoutMs: 90_000,
        env: cliEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1' }),
      }),
    ];
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assertCleanOutput(r);
    }
    assert.match(runs[1]?.stdout ?? '', /Number of Simulated Accelerators: 12/);
  });
});

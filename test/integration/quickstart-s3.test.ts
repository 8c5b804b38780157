/**
 * A first S3 run in one step (issue 14): on a fresh server started by
 * scripts/ceph-up.sh, a shell that exports exactly what the script printed
 * (and nothing else of this environment) runs
 * `pqbench run workloads/quickstart-s3.yaml` with no other step. Also:
 * `generate --create-bucket` creates a missing bucket, once.
 *
 * `npm test` starts that server and hands the printed text over as
 * PQBENCH_S3_EXPORTS; against any other S3_ENDPOINT the one-step test is
 * skipped (it would write into that server's `pqbench` bucket).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3Skip, s3TestClient } from '../helpers/s3-env.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const EXPORTS = process.env.PQBENCH_S3_EXPORTS;

/** Runs `command` in bash with only PATH, HOME and what ceph-up.sh printed (eval'd, as a user would). */
function asFreshUser(cwd: string, command: string) {
  const r = spawnSync('bash', ['-c', `eval "$PQBENCH_S3_EXPORTS"\n${command}`], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, PQBENCH_S3_EXPORTS: EXPORTS ?? '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function emptyPrefix(client: S3Client, bucket: string, prefix: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (keys.length > 0)
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

describe('a first S3 run in one step', { skip: s3Skip() }, () => {
  let tmp: string;
  let client: S3Client;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-quickstart-s3-'));
    client = s3TestClient();
  });
  after(async () => {
    client?.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  it('ceph-up.sh, export what it printed, pqbench run workloads/quickstart-s3.yaml', {
    skip: EXPORTS ? false : 'needs the server npm test starts with scripts/ceph-up.sh',
  }, async () => {
    assert.match(EXPORTS ?? '', /^export S3_ENDPOINT=/m, 'ceph-up.sh prints the endpoint to export');
    assert.match(EXPORTS ?? '', /^export AWS_SECRET_ACCESS_KEY=/m, 'and the credentials');
    try {
      const r = asFreshUser(tmp, `node ${REPO}bin/pqbench.js run ${REPO}workloads/quickstart-s3.yaml`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /generated \d+ of 16 files/);
      const [runId] = await readdir(path.join(tmp, 'results'));
      const dir = path.join(tmp, 'results', runId as string);
      const summary = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8'));
      assert.equal(summary.storage_type, 's3');
      assert.equal(summary.steps.samples, 2 * 2 * 64 * 256);
      assert.ok(summary.requests.GET.count > 0 && summary.requests.errors === 0);
      // The endpoint came from the environment and is recorded with the run.
      const config = await readFile(path.join(dir, 'config.yaml'), 'utf8');
      assert.match(config, new RegExp(`endpoint_url: ${process.env.S3_ENDPOINT}`));
      assert.doesNotMatch(config, new RegExp(process.env.AWS_SECRET_ACCESS_KEY ?? 'TESTSECRETKEY'));
      for (const file of ['timeseries.json', 'report.html']) await stat(path.join(dir, file));
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: 'pqbench', Prefix: 'quickstart/' }),
      );
      assert.ok((listed.KeyCount ?? 0) >= 16, 'objects at s3://pqbench/quickstart/');
    } finally {
      await emptyPrefix(client, 'pqbench', 'quickstart/');
    }
  });

  it('generate --create-bucket creates a missing bucket, and only once', async () => {
    const bucket = `pqbench-created-${randomBytes(4).toString('hex')}`;
    const env = {
      ...process.env,
      PQBENCH_S3_EXPORTS: undefined,
      AWS_ENDPOINT_URL: undefined,
      AWS_ENDPOINT_URL_S3: undefined,
    };
    const generate = (...extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          `${REPO}bin/pqbench.js`,
          'generate',
          `${REPO}workloads/quickstart-s3.yaml`,
          '--set',
          `storage.storage_root=${bucket}`,
          '--set',
          'dataset.num_files_train=1',
          ...extra,
        ],
        { cwd: tmp, encoding: 'utf8', timeout: 120_000, env },
      );
    try {
      const without = generate();
      assert.equal(without.status, 3, 'a storage error');
      assert.match(without.stderr, new RegExp(`bucket ${bucket} does not exist`));
      const first = generate('--create-bucket');
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, new RegExp(`created bucket ${bucket} at ${process.env.S3_ENDPOINT}`));
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      const again = generate('--create-bucket');
      assert.equal(again.status, 0, again.stderr);
      assert.doesNotMatch(again.stderr, /created bucket/);
      assert.match(again.stdout, /generated 0 of 1 files, 1 already present/);
    } finally {
      await emptyPrefix(client, bucket, '').catch(() => {});
      await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
    }
  });
});

/**
 * Reliability, hangs and stalls (issue 15 points 1 and 3, SPEC §8): every S3
 * request has an idle-socket timeout; a stalled request is retried and
 * counted; out of attempts, the run ends with exit 3 and a storage error
 * naming the endpoint, bucket, key and cause — never a hang, never an
 * "internal error", never an orphaned multipart upload. The compiled CLI runs
 * against the test Ceph RGW through a loopback fault proxy
 * (test/helpers/fault-proxy.ts), with request_timeout_seconds 1–2 so that a
 * stall costs seconds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, finalLines, Transcript } from '../helpers/cli-run.ts';
import { s3Requests, startBlackhole, startFaultProxy } from '../helpers/fault-proxy.ts';
import { incompleteUploads } from '../helpers/leftovers.ts';
import { writeWorkload } from '../helpers/reliability-workloads.ts';
import { createTestBucket, s3Skip, type TestBucket } from '../helpers/s3-env.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // the test's own clients; not the CLI's

const MiB = 1024 * 1024;
/** Distinct values that must never be printed: given to the runs against the endpoint that hangs. */
const PLANTED = { keyId: 'PQBKEYIDzz9hang', secret: 'PQB/secret+zz9hang', password: 'PQBpasszz9hang' };

describe('reliability: hangs and stalls end within their timeout (exit 3)', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let tmp: string;
  const transcript = new Transcript();
  const faults = { tried: 0, survived: 0 };

  before(async () => {
    bucket = await createTestBucket('reliability-hangs');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-reliability-hangs-'));
  });
  after(async () => {
    try {
      transcript.assertClean();
      const checked = await transcript.assertNoSecrets(
        [
          process.env.AWS_ACCESS_KEY_ID ?? '',
          process.env.AWS_SECRET_ACCESS_KEY ?? '',
          ...Object.values(PLANTED),
          encodeURIComponent(PLANTED.secret),
        ],
        [path.join(tmp, 'results')],
      );
      process.stderr.write(
        `reliability-hangs: faults tried ${faults.tried}, survived ${faults.survived}; ${transcript.runs.length} runs, ${checked} outputs and files free of credentials\n`,
      );
    } finally {
      await bucket?.destroy();
      await rm(tmp, { recursive: true, force: true });
    }
  });

  /** An s3 storage section for `prefix` at `endpoint` with a short timeout and few attempts. */
  const s3 = (endpoint: string, prefix: string, options: Record<string, unknown> = {}) => ({
    storage_type: 's3',
    storage_root: `${bucket.name}/${prefix}`,
    storage_options: {
      endpoint_url: endpoint,
      request_timeout_seconds: 2,
      s3_max_attempts: 2,
      access_key_id: process.env.AWS_ACCESS_KEY_ID,
      secret_access_key: process.env.AWS_SECRET_ACCESS_KEY,
      ...options,
    },
  });
  /** 2 files of ~10.5 MB (two parts of at most 8 MiB each): small, but every upload is multipart. */
  const workload = (name: string, storage: Record<string, unknown>, extra = {}) =>
    writeWorkload(tmp, {
      name,
      storage,
      files: 2,
      samplesPerFile: 640,
      vector: 4096,
      output: path.join(tmp, 'results'),
      ...extra,
    });
  const run = (args: string[], timeoutMs = 60_000) => transcript.run(args, { cwd: tmp, timeoutMs });
  const storageFailure = (r: CliResult, endpoint: string, key: RegExp, cause: RegExp) => {
    const label = `\`pqbench ${r.args.join(' ')}\` → ${r.code}:\n${r.stderr}`;
    assert.equal(r.code, 3, label);
    const lines = finalLines(r.stderr);
    assert.equal(lines.length, 1, label);
    const [line] = lines as [string];
    assert.ok(line.includes(`endpoint ${endpoint}`), label);
    assert.ok(line.includes(`bucket ${bucket.name}`), label);
    assert.match(line, key, label);
    assert.match(line, cause, label);
    assert.doesNotMatch(line, /operation was aborted|internal error/i, label);
  };

  it('an endpoint that accepts connections and never answers: generate and train exit 3 naming endpoint, bucket, key and the timeout', async () => {
    const hole = await startBlackhole();
    try {
      const endpoint = hole.url.replace('//', `//pqbuser:${PLANTED.password}@`);
      const yaml = await workload(
        'blackhole',
        s3(endpoint, 'blackhole', {
          request_timeout_seconds: 1,
          access_key_id: PLANTED.keyId,
          secret_access_key: PLANTED.secret,
        }),
      );
      faults.tried += 2;
      const runs = await Promise.all(['generate', 'train'].map((command) => run([command, yaml], 30_000)));
      for (const r of runs) {
        // 2 attempts of 1 s of silence each, plus a backoff: never the 590 s of issue 15.
        assert.ok(r.ms < 15_000, `${r.args[0]} took ${r.ms} ms`);
        storageFailure(r, hole.url, /key \S+/, /timed out/);
        faults.survived++;
      }
      assert.ok(hole.connections >= 4, `each command tried twice (${hole.connections} connections)`);
    } finally {
      await hole.close();
    }
  });

  it('a stalled UploadPart and a stalled GET are retried, counted exactly, and the data verifies', async () => {
    // Counted exactly: what the CLI reports is what went over the wire twice (the injected stall,
    // and any retry a busy runner adds of its own: three attempts, so that one cannot fail the run).
    const once = { request_timeout_seconds: 1, s3_max_attempts: 3 };
    const writes = await startFaultProxy(process.env.S3_ENDPOINT!, [
      { match: s3Requests.uploadPart, fault: { kind: 'stall-request', afterBytes: MiB }, times: 1 },
    ]);
    try {
      faults.tried++;
      const yaml = await workload('stall-upload', s3(writes.url, 'stall-once', once));
      const generated = await run(['generate', yaml]);
      assert.equal(generated.code, 0, generated.stderr);
      assert.equal(writes.faults, 1);
      const seen = writes.retriesSeen();
      assert.ok(seen >= 1);
      assert.match(generated.stdout, new RegExp(`generated 2 of 2 files.*\\(retries ${seen}\\)`));
      assert.deepEqual(await incompleteUploads(bucket.client, bucket.name, 'stall-once/'), []);
      faults.survived++;
    } finally {
      await writes.close();
    }
    const reads = await startFaultProxy(process.env.S3_ENDPOINT!, [
      {
        match: s3Requests.getObject('.parquet'),
        fault: { kind: 'stall-response', afterBytes: 100 },
        times: 1,
      },
    ]);
    try {
      faults.tried++;
      const yaml = await workload('stall-get', s3(reads.url, 'stall-once', once), { verify: true });
      const trained = await run(['train', yaml]);
      assert.equal(trained.code, 0, trained.stderr);
      assert.equal(reads.faults, 1);
      const seen = reads.retriesSeen();
      assert.ok(seen >= 1);
      const dir = /^results: (.+)$/m.exec(trained.stdout)?.[1];
      const summary = JSON.parse(await readFile(path.join(dir ?? '', 'summary.json'), 'utf8'));
      assert.deepEqual([summary.requests.retries, summary.requests.errors], [seen, 0]);
      faults.survived++;
    } finally {
      await reads.close();
    }
  });

  it('UploadParts that stall every time: exit 3 naming endpoint, bucket and key; no upload left behind', async () => {
    const proxy = await startFaultProxy(process.env.S3_ENDPOINT!, [
      { match: s3Requests.uploadPart, fault: { kind: 'stall-request', afterBytes: MiB } },
    ]);
    try {
      const yaml = await workload(
        'stall-parts',
        s3(proxy.url, 'stall-parts', { request_timeout_seconds: 1 }),
      );
      faults.tried++;
      const r = await run(['generate', yaml], 60_000);
      assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
      storageFailure(
        r,
        proxy.url,
        /putStream: network error .*key data\/train\/img_\d_of_2\.parquet/,
        /timed out/,
      );
      assert.deepEqual(await incompleteUploads(bucket.client, bucket.name, 'stall-parts/'), []);
      faults.survived++;
    } finally {
      await proxy.close();
    }
  });

  it('GETs that stall every time: train exits 3 naming the object', async () => {
    const yaml = await workload('stall-gets-data', s3(process.env.S3_ENDPOINT!, 'stall-gets'));
    const generated = await run(['generate', yaml]);
    assert.equal(generated.code, 0, generated.stderr);
    const proxy = await startFaultProxy(process.env.S3_ENDPOINT!, [
      { match: s3Requests.getObject('.parquet'), fault: { kind: 'stall-response', afterBytes: 100 } },
    ]);
    try {
      const stalled = await workload(
        'stall-gets',
        s3(proxy.url, 'stall-gets', { request_timeout_seconds: 1 }),
      );
      faults.tried++;
      const r = await run(['train', stalled], 60_000);
      assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
      storageFailure(r, proxy.url, /get: network error .*key data\/train\/img_\d_of_2\.parquet/, /timed out/);
      faults.survived++;
    } finally {
      await proxy.close();
    }
  });

  it('throttled (503 SlowDown) on every UploadPart: exit 3 "throttled"; no upload left behind', async () => {
    const proxy = await startFaultProxy(process.env.S3_ENDPOINT!, [
      { match: s3Requests.uploadPart, fault: { kind: 'status', status: 503, code: 'SlowDown' } },
    ]);
    try {
      const yaml = await workload('slowdown', s3(proxy.url, 'slowdown'));
      faults.tried++;
      const r = await run(['generate', yaml]);
      storageFailure(
        r,
        proxy.url,
        /putStream: throttled .*key data\/train\/img_\d_of_2\.parquet/,
        /SlowDown/,
      );
      assert.deepEqual(await incompleteUploads(bucket.client, bucket.name, 'slowdown/'), []);
      faults.survived++;
    } finally {
      await proxy.close();
    }
  });

  it('the endpoint goes away mid-upload, so the abort fails too: exit 3 with the upload’s cause and the leftover named; `pqbench clean` removes it', async () => {
    const proxy = await startFaultProxy(process.env.S3_ENDPOINT!, [
      { match: (r) => /[?&](partNumber|uploadId)=/.test(r.url), fault: { kind: 'reset' } },
    ]);
    try {
      const yaml = await workload('gone', s3(proxy.url, 'gone'), { workers: 1 });
      faults.tried++;
      const r = await run(['generate', yaml]);
      storageFailure(
        r,
        proxy.url,
        /putStream: network error .*key data\/train\/img_0_of_2\.parquet/,
        /ECONNRESET/,
      );
      assert.match(r.stderr, /incomplete multipart upload could not be aborted .*pqbench clean/);
      assert.equal((await incompleteUploads(bucket.client, bucket.name, 'gone/')).length, 1);
      const direct = await workload('gone-direct', s3(process.env.S3_ENDPOINT!, 'gone'));
      const cleaned = await run(['clean', direct]);
      assert.equal(cleaned.code, 0, cleaned.stderr);
      assert.match(cleaned.stdout, /1 incomplete multipart upload aborted/);
      assert.deepEqual(await incompleteUploads(bucket.client, bucket.name, 'gone/'), []);
      faults.survived++;
    } finally {
      await proxy.close();
    }
  });
});

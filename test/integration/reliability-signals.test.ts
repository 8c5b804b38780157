/**
 * Reliability, signals (issue 15 point 2, SPEC §3 and §8): SIGINT and SIGTERM
 * during a generate stop it with exit 130/143 and one line saying what was
 * cleaned, leaving no incomplete multipart upload (ListMultipartUploads on the
 * prefix) and no temp file; a SIGKILL leaves them, and the next `generate` or
 * `pqbench clean` removes them, after which the dataset verifies. SIGINT
 * during `train` keeps the completed epochs (results written, marked
 * interrupted); a second SIGINT exits at once. The compiled CLI is signalled
 * while a write is really in flight: on S3 once the fault proxy (no faults,
 * observing) has seen the first UploadPart of ~30 MB objects in 8 MiB parts;
 * locally once a temp file exists.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, finalLines, Transcript } from '../helpers/cli-run.ts';
import { s3Requests, startFaultProxy } from '../helpers/fault-proxy.ts';
import { incompleteUploads, tempFiles } from '../helpers/leftovers.ts';
import { writeWorkload } from '../helpers/reliability-workloads.ts';
import { createTestBucket, s3Skip, type TestBucket } from '../helpers/s3-env.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // the test's own clients; not the CLI's

const FILES = 3;
/** 1,800 samples of 4,096 float32: 29.5 MB per file, four parts of at most 8 MiB. */
const DATASET = { files: FILES, samplesPerFile: 1800, vector: 4096, rowGroupSize: 300 };
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

describe('reliability: SIGINT, SIGTERM and SIGKILL leave nothing behind', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let tmp: string;
  const transcript = new Transcript();
  const faults = { tried: 0, survived: 0, orphans: 0, dataLost: 0 };

  before(async () => {
    bucket = await createTestBucket('reliability-signals');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-reliability-signals-'));
  });
  after(async () => {
    try {
      transcript.assertClean();
      const checked = await transcript.assertNoSecrets(
        [process.env.AWS_ACCESS_KEY_ID ?? '', process.env.AWS_SECRET_ACCESS_KEY ?? ''],
        [path.join(tmp, 'results')],
      );
      process.stderr.write(
        `reliability-signals: faults tried ${faults.tried}, survived ${faults.survived}, orphans ${faults.orphans}, data lost ${faults.dataLost}; ${transcript.runs.length} runs, ${checked} outputs and files free of credentials\n`,
      );
    } finally {
      await bucket?.destroy();
      await rm(tmp, { recursive: true, force: true });
    }
  });

  const output = () => path.join(tmp, 'results');
  const s3 = (endpoint: string, prefix: string, options: Record<string, unknown> = {}) => ({
    storage_type: 's3',
    storage_root: `${bucket.name}/${prefix}`,
    storage_options: {
      endpoint_url: endpoint,
      access_key_id: process.env.AWS_ACCESS_KEY_ID,
      secret_access_key: process.env.AWS_SECRET_ACCESS_KEY,
      ...options,
    },
  });
  const run = (args: string[], options: Partial<Parameters<Transcript['run']>[1]> = {}) =>
    transcript.run(args, { cwd: tmp, timeoutMs: 60_000, ...options });
  /** The one line an interrupted generate ends with. */
  const interruptedLine = (r: CliResult, signal: 'SIGINT' | 'SIGTERM', cleaned: RegExp) => {
    const label = `\`pqbench ${r.args.join(' ')}\` after ${signal} → ${r.code}:\n${r.stderr}`;
    assert.equal(r.code, EXIT[signal], label);
    const lines = finalLines(r.stderr);
    assert.equal(lines.length, 1, label);
    // The first signal says at once what happens, before the line that reports it.
    assert.match(r.stderr, new RegExp(`^${signal}: stopping — `, 'm'), label);
    assert.match(
      lines[0] ?? '',
      new RegExp(`^error: interrupted by ${signal}: \\d+ of ${FILES} files complete; `),
      label,
    );
    assert.match(lines[0] ?? '', /[1-9]\d* in-flight writes? stopped/, label);
    assert.match(lines[0] ?? '', cleaned, label);
    // Stopped promptly: the upload in flight is aborted, not finished.
    assert.ok(
      r.ms - (r.sentAt[0] ?? 0) < 5_000,
      `${label}\nexit ${r.ms - (r.sentAt[0] ?? 0)} ms after the signal`,
    );
  };
  /** A train that reads every value back and checks it against the generator (exit 4 on any difference). */
  const verify = async (yaml: string) => {
    const r = await run(['train', yaml, '--set', 'reader.verify=true']);
    assert.equal(r.code, 0, r.stderr);
    if (r.code !== 0) faults.dataLost++;
  };

  it('S3 generate: SIGINT and SIGTERM mid-upload abort it (exit 130/143, one line); SIGKILL leaves it for the next generate; the dataset verifies', async () => {
    const proxy = await startFaultProxy(process.env.S3_ENDPOINT!, []);
    const parts = () => proxy.requests.filter(s3Requests.uploadPart).length;
    try {
      const yaml = await writeWorkload(tmp, {
        name: 's3-signals',
        storage: s3(proxy.url, 'ds'),
        ...DATASET,
        output: output(),
      });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        faults.tried++;
        const before = parts();
        const r = await run(['generate', yaml], { signals: [{ signal, when: () => parts() > before }] });
        interruptedLine(r, signal, /multipart upload aborted/);
        const left = await incompleteUploads(bucket.client, bucket.name, 'ds/');
        faults.orphans += left.length;
        assert.deepEqual(left, [], `${signal}: incomplete uploads left`);
        faults.survived++;
      }
      faults.tried++;
      const before = parts();
      const killed = await run(['generate', yaml], {
        signals: [{ signal: 'SIGKILL', when: () => parts() > before, delayMs: 50 }],
      });
      assert.equal(killed.signal, 'SIGKILL');
      const leftByKill = await incompleteUploads(bucket.client, bucket.name, 'ds/');
      assert.ok(leftByKill.length >= 1, 'a SIGKILL mid-upload leaves its multipart upload');
      const resumed = await run(['generate', yaml]);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, new RegExp(`generated \\d+ of ${FILES} files`));
      const left = await incompleteUploads(bucket.client, bucket.name, 'ds/');
      faults.orphans += left.length;
      assert.deepEqual(left, [], 'the next generate aborts what the SIGKILL left');
      await verify(yaml);
      faults.survived++;
    } finally {
      await proxy.close();
    }
  });

  it('local generate: SIGINT and SIGTERM remove the temp file (exit 130/143, one line); SIGKILL leaves it for `pqbench clean`; the dataset verifies', async () => {
    const root = path.join(tmp, 'local');
    await mkdir(root, { recursive: true });
    const yaml = await writeWorkload(tmp, {
      name: 'local-signals',
      storage: { storage_type: 'local_fs', storage_root: root },
      ...DATASET,
      output: output(),
    });
    const writing = async () => (await tempFiles(root)).length > 0;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      faults.tried++;
      const r = await run(['generate', yaml], { signals: [{ signal, when: writing }] });
      interruptedLine(r, signal, /temp files? removed/);
      const left = await tempFiles(root);
      faults.orphans += left.length;
      assert.deepEqual(left, [], `${signal}: temp files left`);
      faults.survived++;
    }
    faults.tried++;
    const killed = await run(['generate', yaml], { signals: [{ signal: 'SIGKILL', when: writing }] });
    assert.equal(killed.signal, 'SIGKILL');
    const leftByKill = await tempFiles(root);
    assert.ok(leftByKill.length >= 1, 'a SIGKILL mid-write leaves its temp file');
    const cleaned = await run(['clean', yaml]);
    assert.equal(cleaned.code, 0, cleaned.stderr);
    assert.match(cleaned.stdout, new RegExp(`${leftByKill.length} temp files? removed`));
    const left = await tempFiles(root);
    faults.orphans += left.length;
    assert.deepEqual(left, []);
    const resumed = await run(['generate', yaml]);
    assert.equal(resumed.code, 0, resumed.stderr);
    await verify(yaml);
    faults.survived++;

    // train: SIGINT keeps the completed epochs, written whole and marked interrupted.
    faults.tried++;
    const trainYaml = await writeWorkload(tmp, {
      name: 'local-train-signal',
      storage: { storage_type: 'local_fs', storage_root: root },
      ...DATASET,
      epochs: 1000,
      output: output(),
    });
    const trained = await run(['train', trainYaml], { signals: [{ signal: 'SIGINT', delayMs: 3000 }] });
    assert.equal(trained.code, 130, trained.stderr);
    const lines = finalLines(trained.stderr);
    assert.equal(lines.length, 1, trained.stderr);
    const done =
      /^error: interrupted by SIGINT: (\d+) of 1000 epochs completed; their results written to (\S+)$/.exec(
        lines[0] ?? '',
      );
    assert.ok(done, trained.stderr);
    const epochs = Number(done[1]);
    assert.ok(epochs >= 1, `no epoch completed in 3 s: ${trained.stderr}`);
    const summary = JSON.parse(await readFile(path.join(done[2] ?? '', 'summary.json'), 'utf8'));
    assert.equal(summary.epochs, epochs);
    assert.ok(
      (summary.notices as string[]).some((n) =>
        n.startsWith(`interrupted by SIGINT: ${epochs} of 1000 epochs`),
      ),
      JSON.stringify(summary.notices),
    );
    faults.survived++;
  });

  it('train on S3: a second SIGINT exits at once while the first waits for a stalled read', async () => {
    // The dataset of the first test; every data GET is answered with silence for 30 s.
    const proxy = await startFaultProxy(process.env.S3_ENDPOINT!, [
      { match: s3Requests.getObject('.parquet'), fault: { kind: 'silence' } },
    ]);
    try {
      const yaml = await writeWorkload(tmp, {
        name: 's3-second-signal',
        storage: s3(proxy.url, 'ds', { request_timeout_seconds: 30, s3_max_attempts: 1 }),
        ...DATASET,
        output: output(),
      });
      faults.tried++;
      const r = await run(['train', yaml], {
        signals: [
          { signal: 'SIGINT', when: () => proxy.faults > 0, delayMs: 200 },
          { signal: 'SIGINT', delayMs: 1500 },
        ],
      });
      assert.equal(r.code, 130, r.stderr);
      assert.equal(r.sentAt.length, 2, `the first SIGINT alone ended the run: ${r.stderr}`);
      const afterSecond = r.ms - (r.sentAt[1] ?? 0);
      assert.ok(afterSecond < 1500, `exit ${afterSecond} ms after the second SIGINT`);
      faults.survived++;
    } finally {
      await proxy.close();
    }
  });
});

/**
 * Issue 23 point 4, on local disk: a step that "computes" for an hour (or a
 * loader preprocessing for minutes) does not hold the first Ctrl-C — the
 * run stops within a second of it, and says on stderr what it is doing.
 */
describe('reliability: the first SIGINT acts within a second, mid-step', () => {
  let tmp: string;
  const transcript = new Transcript();
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-reliability-stop-'));
  });
  after(async () => {
    try {
      transcript.assertClean();
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  for (const [what, extra] of [
    ['train.computation_time 3000 s per step', { computationTime: 3000 }],
    ['reader.preprocess_time 600 s per sample', { preprocessTime: 600 }],
  ] as const) {
    it(`${what}: exit 130 within a second of the SIGINT, announced`, async () => {
      const name = what.split(' ')[0]?.replace(/\W/g, '-') ?? 'stop';
      const yaml = await writeWorkload(tmp, {
        name,
        storage: { storage_type: 'local_fs', storage_root: path.join(tmp, name) },
        files: 2,
        samplesPerFile: 64,
        vector: 16,
        accelerators: 2,
        output: path.join(tmp, 'results'),
        ...extra,
      });
      const generated = await transcript.run(['generate', yaml], { cwd: tmp, timeoutMs: 30_000 });
      assert.equal(generated.code, 0, generated.stderr);
      // Sent once the run is in its first step (thread start-up takes well under 3 s).
      const r = await transcript.run(['train', yaml], {
        cwd: tmp,
        timeoutMs: 30_000,
        signals: [{ signal: 'SIGINT', delayMs: 3000 }],
      });
      assert.equal(r.code, 130, r.stderr);
      const after = r.ms - (r.sentAt[0] ?? 0);
      assert.ok(after < 1000, `stopped ${Math.round(after)} ms after the SIGINT`);
      assert.match(r.stderr, /^SIGINT: stopping — .*Ctrl-C again stops at once$/m);
      assert.match(r.stderr, /interrupted by SIGINT: 0 of 1 epochs completed/);
    });
  }
});

/**
 * The write phase as a result (issue 21): every generate writes
 * generate.json, and the terminal prints the WRITE table.
 * - On S3 (Ceph RGW through a loopback fault proxy answering the first two
 *   UploadParts with 503 SlowDown): a bare `pqbench generate` of two 17 MB
 *   files writes `<output.folder>/<run-id>/generate.json` and config.yaml;
 *   per operation the counts are the requests on the wire — 2
 *   CreateMultipartUpload, 6 UploadPart (as many as reached the wire once;
 *   their 2 retries are the proxy's 2 faults), 2 CompleteMultipartUpload, 2 whole uploads, 2 existence-check
 *   GETs (404s: misses, not errors) — bytes and series add up.
 * - On local disk: `pqbench run` writes generate.json beside summary.json
 *   (WRITE per file) and report.html shows the write phase; a multi-host run
 *   of two ranks writes one generate.json for both.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GenerateJson } from '../../src/metrics/generate-results.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { pqbench, ranksByHand, workloadYaml } from '../helpers/ranks.ts';
import { createTestBucket, s3Skip, type TestBucket } from '../helpers/s3-env.ts';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const readJson = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-generate-results-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

/** The one run folder under `folder`. */
async function onlyRun(folder: string): Promise<string> {
  const entries = await readdir(folder);
  assert.equal(entries.length, 1, entries.join(', '));
  return path.join(folder, entries[0] as string);
}

function dataset(name: string, files: number, rows: number, bytesPerRow: number) {
  return {
    data_folder: `${name}/`,
    num_files_train: files,
    num_samples_per_file: rows,
    record_length_bytes: bytesPerRow,
    compression: 'none',
  };
}

describe('generate.json on S3', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  before(async () => {
    bucket = await createTestBucket('genjson');
  });
  after(() => bucket?.destroy());

  it('per operation, the multipart requests as they went over the wire, retries included', async () => {
    const proxy = await startFaultProxy(process.env.S3_ENDPOINT as string, [
      {
        match: (r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url),
        fault: { kind: 'status', status: 503, code: 'SlowDown' },
        times: 2,
      },
    ]);
    try {
      const folder = path.join(tmp, 's3-results');
      const file = path.join(tmp, 's3.yaml');
      await writeFile(
        file,
        workloadYaml({
          model: { name: 'genjson' },
          storage: bucket.storage('g', { endpoint_url: proxy.url, s3_max_attempts: 5 }),
          // 2 files of 170 rows × 100 kB = 17 MB: three 8 MiB parts each.
          dataset: dataset('big', 2, 170, 100_000),
          run: { workers: 1 },
          output: { folder },
        }),
      );
      const r = await pqbench(['generate', file]).done;
      assert.equal(r.code, 0, r.stderr);
      const dir = await onlyRun(folder);
      await stat(path.join(dir, 'config.yaml'));
      const g = await readJson<GenerateJson>(path.join(dir, 'generate.json'));
      const ops = g.write_phase.operations;
      const counts = Object.fromEntries(Object.entries(ops).map(([k, o]) => [k, o.count]));
      assert.deepEqual(counts, {
        CompleteMultipartUpload: 2,
        CreateMultipartUpload: 2,
        GET: 2,
        MULTIPART: 2,
        UploadPart: 6,
      });
      assert.equal(proxy.faults, 2);
      assert.equal(
        ops.UploadPart?.retries,
        proxy.retriesSeen((q) => /[?&]partNumber=/.test(q.url)),
      );
      assert.equal(ops.UploadPart?.retries, 2, 'the 2 retries the proxy saw');
      assert.equal(ops.UploadPart?.errors, 0);
      assert.equal(ops.GET?.errors, 0, "an existence check's 404 is a miss");
      assert.equal(ops.UploadPart?.bytes, g.bytes_written);
      assert.equal(ops.MULTIPART?.bytes, g.bytes_written);
      // The parts on the wire, once each (the retries aside).
      const isPart = (q: { url: string; method: string }) =>
        q.method === 'PUT' && /[?&]partNumber=/.test(q.url);
      assert.equal(ops.UploadPart?.count, proxy.requests.filter(isPart).length - proxy.retriesSeen(isPart));
      // MULTIPART is its requests: the series counts each request once.
      const requests = sum(
        Object.entries(ops)
          .filter(([k]) => k !== 'MULTIPART')
          .map(([, o]) => o.count),
      );
      assert.equal(proxy.retriesSeen(isPart), 2);
      assert.deepEqual([g.files, g.objects.written], [{ total: 2, written: 2, skipped: 0 }, 2]);
      // The series adds up to the totals.
      assert.equal(sum(g.timeseries.bytes), g.bytes_written);
      assert.equal(sum(g.timeseries.objects), 2);
      assert.equal(sum(g.timeseries.retries), 2);
      assert.equal(sum(g.timeseries.requests), requests);
      for (const o of Object.values(ops)) assert.equal(o.latency.count, o.count);
      // The terminal: the table and where the file is.
      assert.match(r.stdout, /^\[WRITE\] UploadPart\s+6\s+[\d.]+\s+[\d.]+\s/m);
      assert.match(r.stdout, /^\[WRITE\] MULTIPART \(whole upload\)\s+2\s/m);
      assert.ok(r.stdout.includes(`write phase: ${path.join(dir, 'generate.json')}`), r.stdout);
    } finally {
      await proxy.close();
    }
  });
});

describe('generate.json on local disk', () => {
  const workload = (name: string, extra: Record<string, unknown> = {}) => ({
    model: { name },
    workflow: { generate_data: true, train: true },
    storage: { storage_type: 'local_fs', storage_root: path.join(tmp, 'data') },
    dataset: { ...dataset(name, 6, 400, 200), parquet: { row_group_size: 100 } },
    reader: { batch_size: 50, read_threads: 1 },
    train: { epochs: 1, computation_time: 0.001 },
    run: { accelerators: 2, workers: 2 },
    output: { folder: path.join(tmp, `${name}-results`) },
    ...extra,
  });

  it('pqbench run: generate.json beside summary.json, one WRITE per file, in report.html too', async () => {
    const file = path.join(tmp, 'local.yaml');
    await writeFile(file, workloadYaml(workload('local')));
    const r = await pqbench(['run', file]).done;
    assert.equal(r.code, 0, r.stderr);
    const dir = await onlyRun(path.join(tmp, 'local-results'));
    await stat(path.join(dir, 'summary.json'));
    const g = await readJson<GenerateJson>(path.join(dir, 'generate.json'));
    assert.equal(g.storage_type, 'local_fs');
    assert.equal(g.write_phase.operations.WRITE?.count, 6);
    assert.equal(g.write_phase.operations.WRITE?.bytes, g.bytes_written);
    assert.equal(g.workers, 2);
    const summary = await readJson<{ run_id: string; config_hash: string }>(path.join(dir, 'summary.json'));
    assert.deepEqual([g.run_id, g.config_hash], [summary.run_id, summary.config_hash]);
    assert.match(r.stdout, /^\[WRITE\] WRITE \(local file\)\s+6\s/m);
    assert.match(r.stdout, /^\[READ\] GET\s+\d+\s/m);
    const html = await readFile(path.join(dir, 'report.html'), 'utf8');
    assert.match(html, /write phase \(generate\)/);
    assert.match(html, /read phase \(training\)/);
  });

  it('a multi-host run of two ranks: one generate.json with both ranks’ writes', async () => {
    const file = path.join(tmp, 'ranks.yaml');
    await writeFile(file, workloadYaml(workload('ranks', { run: { accelerators: 2, workers: 1 } })));
    const exits = await Promise.all(
      ranksByHand(2, () => [
        'run',
        file,
        '--run-id',
        'gen2',
        '--start-margin',
        '1',
        '--poll-interval',
        '0.1',
      ]).map((p) => p.done),
    );
    assert.deepEqual(
      exits.map((e) => e.code),
      [0, 0],
      exits.map((e) => e.stderr).join('\n'),
    );
    const g = await readJson<GenerateJson>(path.join(tmp, 'ranks-results', 'gen2', 'generate.json'));
    assert.equal(g.ranks, 2);
    assert.equal(g.write_phase.operations.WRITE?.count, 6);
    assert.equal(g.files.written, 6);
  });
});

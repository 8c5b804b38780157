/**
 * The verdict on real runs of the compiled CLI: a client starved of CPU, a
 * metric window that holds none of the reads, a rank that began 20 s after
 * the common start — each says so in summary.json and as the last line of the
 * table; a run that measured its (local) storage does not.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BIN,
  describeExits,
  type Exit,
  onPath,
  pqbench,
  ranksByHand,
  start,
  workloadYaml,
} from '../helpers/ranks.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-verdict-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

interface Summary {
  verdict: { status: string; reasons: { code: string; severity: string; detail: string }[] };
  client: { cpu_utilisation_percentage: number | null; hosts: { cores: number }[] } | null;
  io: { read_phase_MB_per_second: number | null; window_bytes: number; bytes_transferred: number };
}

async function workload(
  name: string,
  fields: {
    files: number;
    samples: number;
    batch: number;
    accelerators: number;
    readThreads: number;
    computeS: number;
  },
): Promise<string> {
  const file = path.join(tmp, `${name}.yaml`);
  await writeFile(
    file,
    workloadYaml({
      model: { name },
      workflow: { generate_data: true, train: true },
      storage: { storage_type: 'local_fs', storage_root: path.join(tmp, 'data') },
      dataset: {
        data_folder: name,
        num_files_train: fields.files,
        num_samples_per_file: fields.samples,
        compression: 'snappy',
        parquet: { row_group_size: 256, columns: [{ name: 'dense', dtype: 'float32', size: 64 }] },
      },
      reader: { batch_size: fields.batch, read_threads: fields.readThreads, prefetch_size: 2 },
      train: { epochs: 1, computation_time: fields.computeS },
      run: { accelerators: fields.accelerators, workers: 1 },
      output: { folder: path.join(tmp, 'results', name) },
    }),
  );
  return file;
}

async function summaryOf(name: string, runId?: string): Promise<Summary> {
  const root = path.join(tmp, 'results', name);
  const dir = runId ?? String((await readdir(root))[0]);
  return JSON.parse(await readFile(path.join(root, dir, 'summary.json'), 'utf8')) as Summary;
}

const codes = (s: Summary) => s.verdict.reasons.map((r) => r.code);
const lastLine = (e: Exit) => e.stdout.trimEnd().split('\n').at(-1) ?? '';

describe('the verdict on real runs', () => {
  it('8 accelerators × 2 loaders pinned to one core: invalid, client_saturated', {
    skip: !onPath('taskset'),
  }, async () => {
    const file = await workload('starved', {
      files: 8,
      samples: 1024,
      batch: 32,
      accelerators: 8,
      readThreads: 2,
      computeS: 0.0005,
    });
    const run = start('taskset', ['-c', '0', process.execPath, BIN, 'run', file]);
    const e = await run.done;
    assert.equal(e.code, 0, describeExits([e]));
    const s = await summaryOf('starved');
    assert.equal(s.verdict.status, 'invalid', JSON.stringify(s.verdict));
    assert.ok(codes(s).includes('client_saturated'), JSON.stringify(s.verdict));
    assert.equal(s.client?.hosts[0]?.cores, 1);
    assert.match(lastLine(e), /^\[VERDICT\] invalid: .*client_saturated/);
    // --strict: the same verdict is exit code 6, with the results written.
    const strict = await start('taskset', ['-c', '0', process.execPath, BIN, 'train', file, '--strict']).done;
    assert.equal(strict.code, 6, describeExits([strict]));
    assert.match(
      strict.stderr,
      /^error: the verdict is invalid \(.*client_saturated.*\): the results in .* do not measure the storage$/m,
    );
    assert.equal((await readdir(path.join(tmp, 'results', 'starved'))).length, 2);
  });

  it('1 accelerator × 1 loader, 20 ms of compute on an idle host: valid, or a warning for the page cache alone', async () => {
    const file = await workload('fed', {
      files: 8,
      samples: 512,
      batch: 32,
      accelerators: 1,
      readThreads: 1,
      computeS: 0.02,
    });
    const e = await pqbench(['run', file]).done;
    assert.equal(e.code, 0, describeExits([e]));
    const s = await summaryOf('fed');
    const other = s.verdict.reasons.filter((r) => r.code !== 'page_cache');
    assert.deepEqual(other, [], JSON.stringify(s.verdict));
    assert.ok(['valid', 'warn'].includes(s.verdict.status));
    assert.ok((s.client?.cpu_utilisation_percentage ?? 100) < 90, JSON.stringify(s.client));
  });

  it('2 files read in the excluded first step: window_coverage and a non-zero read-phase rate', async () => {
    const file = await workload('two-files', {
      files: 2,
      samples: 256,
      batch: 256,
      accelerators: 1,
      readThreads: 1,
      computeS: 0.01,
    });
    const e = await pqbench(['run', file]).done;
    assert.equal(e.code, 0, describeExits([e]));
    const s = await summaryOf('two-files');
    assert.ok(codes(s).includes('window_coverage'), JSON.stringify(s.verdict));
    assert.ok((s.io.read_phase_MB_per_second ?? 0) > 0, JSON.stringify(s.io));
    assert.match(
      e.stdout,
      /Measured I\/O over the metric window: n\/a \(no bytes were read inside the metric window\); over the read phase \(first request to last byte\): [0-9.]*[1-9][0-9.]* MB\/s/,
    );
    assert.doesNotMatch(e.stdout, /0\.0000 MB\/s/);
  });

  it('3 ranks, one paused 20 s after it said it was ready: invalid, late_start names it; ranks started together: no late_start', async () => {
    const file = await workload('ranks', {
      files: 6,
      samples: 512,
      batch: 32,
      accelerators: 3,
      readThreads: 1,
      computeS: 0.005,
    });
    const generated = await pqbench(['generate', file]).done;
    assert.equal(generated.code, 0, describeExits([generated]));
    const flags = (id: string) => [
      'train',
      file,
      '--run-id',
      id,
      '--start-margin',
      '1',
      '--poll-interval',
      '0.1',
      '--rank-timeout',
      '120',
    ];

    const together = await Promise.all(ranksByHand(3, () => flags('together')).map((p) => p.done));
    assert.deepEqual(
      together.map((x) => x.code),
      [0, 0, 0],
      describeExits(together),
    );
    assert.ok(!codes(await summaryOf('ranks', 'together')).includes('late_start'));

    const procs = ranksByHand(3, () => flags('paused'));
    const ready = path.join(tmp, 'results', 'ranks', 'paused', 'ranks', 'train', 'ready', 'rank-000002.json');
    const deadline = Date.now() + 60_000;
    while (!existsSync(ready) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(ready), 'rank 2 wrote its ready record');
    const paused = procs[2]?.child as NonNullable<(typeof procs)[2]>['child'];
    paused.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 20_000));
    paused.kill('SIGCONT');
    const exits = await Promise.all(procs.map((p) => p.done));
    assert.deepEqual(
      exits.map((x) => x.code),
      [0, 0, 0],
      describeExits(exits),
    );
    const s = await summaryOf('ranks', 'paused');
    assert.equal(s.verdict.status, 'invalid', JSON.stringify(s.verdict));
    const late = s.verdict.reasons.find((r) => r.code === 'late_start');
    assert.ok(late, JSON.stringify(s.verdict));
    assert.match(late.detail, /rank 2 \(/);
    assert.doesNotMatch(late.detail, /rank [01] \(/);
    assert.match(late.detail, /not a start-margin problem/);
    assert.match(lastLine(exits[0] as Exit), /^\[VERDICT\] invalid: .*late_start/);
  });
});

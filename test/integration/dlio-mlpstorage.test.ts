/**
 * mlpstorage's own command lines with pqbench standing in for dlio_benchmark
 * (mlcommons/storage mlpstorage/benchmarks/dlio.py generate_dlio_command and
 * utils.py generate_mpi_prefix_cmd): `mpirun -n N -host 127.0.0.1:N
 * --oversubscribe --allow-run-as-root <bin>/dlio_benchmark workload=<model>_<cmd>
 * ++hydra.run.dir=<results>/training/<model>/<cmd>/<YYYYMMDD_HHMMSS>
 * ++hydra.output_subdir=dlio_config ++workload.<k>=<v> …
 * ++workload.dataset.data_folder=<data>/<model> --config-dir=<configs>/dlio`.
 * `training datagen` with 2 processes, `training run` with 1 and 2
 * accelerators; then the place `reports reportgen` looks (rules.py
 * get_runs_files: summary.json beside *_metadata.json in each run folder,
 * then dlio_config/*.yaml) holds every run, and nothing lands in the
 * directory mpirun was started from. Also the fork's 3-rank / 8-file layout:
 * 128 steps per rank with files sharding. Real mpirun, real files on disk.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, describeExits, type Exit, onPath, workloadYaml } from '../helpers/ranks.ts';

/** `command args` in `cwd` (no shell), killed after 3 minutes so that a hang fails the test. */
function runIn(cwd: string, command: string, args: string[]): Promise<Exit> {
  const t0 = Date.now();
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    }),
  );
}

function mpiSkip(): string | false {
  if (!onPath('mpirun')) {
    throw new Error(
      'mpirun is not installed: apt-get install -y --no-install-recommends openmpi-bin (.ci/run does)',
    );
  }
  return false;
}

/** A model shaped like mlpstorage's configs: 8 files × 8,192 rows, row groups of 1,024. */
function model(generate: boolean): Record<string, unknown> {
  return {
    model: { name: 'pqmodel' },
    framework: 'pytorch',
    workflow: { generate_data: generate, train: !generate, checkpoint: false },
    dataset: {
      data_folder: 'data/pqmodel/',
      format: 'parquet',
      num_files_train: 8,
      num_samples_per_file: 8192,
      parquet: {
        row_group_size: 1024,
        columns: [
          { name: 'label', dtype: 'float32' },
          { name: 'dense', dtype: 'float32', size: 8 },
          { name: 'cat', dtype: 'int32', size: 2 },
        ],
      },
    },
    reader: { data_loader: 'pytorch', batch_size: 128, read_threads: 1 },
    train: { epochs: 1, computation_time: 0.0002 },
    metric: { au: 0.5 },
  };
}

interface RunShape {
  cmd: 'datagen' | 'run';
  processes: number;
  stamp: string;
  params?: string[];
}

describe('mlpstorage command lines through mpirun', { skip: mpiSkip() }, () => {
  let tmp: string;
  let cwd: string;
  let configs: string;
  let data: string;
  let results: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-mlps-'));
    cwd = path.join(tmp, 'cwd');
    configs = path.join(tmp, 'configs', 'dlio');
    data = path.join(tmp, 'data');
    results = path.join(tmp, 'results');
    await mkdir(path.join(configs, 'workload'), { recursive: true });
    await mkdir(cwd);
    await writeFile(path.join(configs, 'workload', 'pqmodel_datagen.yaml'), workloadYaml(model(true)));
    await writeFile(path.join(configs, 'workload', 'pqmodel_h100.yaml'), workloadYaml(model(false)));
    // mlpstorage makes <data>/<model>/{train,valid,test} before it runs anything.
    for (const split of ['train', 'valid', 'test']) {
      await mkdir(path.join(data, 'pqmodel', split), { recursive: true });
    }
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  /** Runs what mlpstorage would, from `cwd`; returns the run folder. */
  async function mlpstorage(shape: RunShape): Promise<{ dir: string; stdout: string; stderr: string }> {
    const dir = path.join(results, 'training', 'pqmodel', shape.cmd, shape.stamp);
    const name = shape.cmd === 'datagen' ? 'pqmodel_datagen' : 'pqmodel_h100';
    const n = String(shape.processes);
    const exit = await runIn(cwd, 'mpirun', [
      '-n',
      n,
      '-host',
      `127.0.0.1:${n}`,
      '--oversubscribe',
      '--allow-run-as-root',
      process.execPath,
      BIN,
      'dlio',
      `workload=${name}`,
      `++hydra.run.dir=${dir}`,
      '++hydra.output_subdir=dlio_config',
      ...(shape.params ?? []).map((p) => `++workload.${p}`),
      `++workload.dataset.data_folder=${path.join(data, 'pqmodel')}`,
      `--config-dir=${configs}`,
    ]);
    assert.equal(exit.code, 0, describeExits([exit]));
    // mlpstorage writes its own <benchmark>_<command>_<stamp>_metadata.json into the run folder afterwards.
    await writeFile(path.join(dir, `training_${shape.cmd}_${shape.stamp}_metadata.json`), '{}');
    return { dir, stdout: exit.stdout, stderr: exit.stderr };
  }

  it('datagen with 2 processes, run with 1 and 2 accelerators; reportgen finds every run', async () => {
    await mlpstorage({ cmd: 'datagen', processes: 2, stamp: '20260101_000001' });
    const one = await mlpstorage({ cmd: 'run', processes: 1, stamp: '20260101_000002' });
    const two = await mlpstorage({ cmd: 'run', processes: 2, stamp: '20260101_000003' });

    const summaryOf = async (dir: string) =>
      JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as {
        num_accelerators: number;
        reader: { sharding: string; steps_per_epoch_per_accelerator: number; files_unread: number };
      };
    // One accelerator per process: 8 files over 1 rank (2 loader workers on 2 CPUs) and over 2.
    const s1 = await summaryOf(one.dir);
    const s2 = await summaryOf(two.dir);
    assert.equal(s1.num_accelerators, 1);
    assert.equal(s2.num_accelerators, 2);
    assert.equal(s2.reader.sharding, 'files');
    assert.equal(s2.reader.steps_per_epoch_per_accelerator, 256);
    assert.doesNotMatch(two.stderr, /run\.accelerators is 1/);

    // rules.py get_runs_files: a run is a folder with one *_metadata.json and a summary.json.
    const runs: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      const files = entries.filter((e) => e.isFile()).map((e) => e.name);
      if (files.filter((f) => f.endsWith('_metadata.json')).length === 1 && files.includes('summary.json'))
        runs.push(path.relative(results, dir));
      for (const e of entries) if (e.isDirectory()) await walk(path.join(dir, e.name));
    };
    await walk(results);
    assert.deepEqual(runs.sort(), [
      'training/pqmodel/run/20260101_000002',
      'training/pqmodel/run/20260101_000003',
    ]);
    for (const run of runs) {
      const hydra = await readdir(path.join(results, run, 'dlio_config'));
      assert.ok(hydra.includes('config.yaml'), `${run}/dlio_config: ${hydra.join(', ')}`);
    }
    // DLIO's initialize lists <data>/valid even with evaluation off; the datagen run left nothing in the cwd.
    assert.deepEqual(await readdir(cwd), []);
    assert.deepEqual(await readdir(path.join(data, 'pqmodel', 'valid')), []);
  });

  it("3 ranks over 8 files: 128 steps per rank with files sharding, the fork's 2 files unread", async () => {
    const run = await mlpstorage({ cmd: 'run', processes: 3, stamp: '20260101_000004' });
    const summary = JSON.parse(await readFile(path.join(run.dir, 'summary.json'), 'utf8'));
    assert.equal(summary.num_accelerators, 3);
    assert.deepEqual(summary.reader, {
      sharding: 'files',
      steps_per_epoch_per_accelerator: 128,
      files_read: 6,
      files_unread: 2,
    });
    assert.equal(summary.steps.total, 3 * 128);
    assert.equal(summary.steps.samples, 49_152);
    assert.match(
      run.stdout,
      /Reader sharding: files .*128 steps per accelerator per epoch; 6 of 8 files read/,
    );
    assert.match(run.stderr, /2 of 8 train files are never read/);
  });
});

/**
 * Issue 11 acceptance, through bin/pqbench.js as mlpstorage would call it:
 * `pqbench dlio workload=dlrm_b200 ++workload.… ++hydra.… --config-dir=<dir>`
 * end to end on local disk (datagen, then the run) with results where DLIO
 * puts them; `pqbench run/validate` take the same `++` forms and name an
 * argument they cannot place; non-training workloads are one-line errors;
 * config notices print once. Needs dist/ (node scripts/build.mjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { dlioOutputDir, hydraRunDir, workloadChoice } from '../../src/cli/commands/dlio.ts';
import { parseWorkload } from '../../src/config/load.ts';
import { UsageError } from '../../src/errors.ts';
import { DLIO_TIMESTAMP, layoutDifferences } from './helpers/dlio-layout.ts';

const bin = fileURLToPath(new URL('../../bin/pqbench.js', import.meta.url));
const CONFIG_DIR = fileURLToPath(new URL('../fixtures/dlio', import.meta.url));
const workloadFile = (name: string) => path.join(CONFIG_DIR, 'workload', `${name}.yaml`);
const fixtureJson = (name: string) => JSON.parse(readFileSync(path.join(CONFIG_DIR, name), 'utf8'));

const tmp = mkdtempSync(path.join(tmpdir(), 'pqbench-dlio-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function pqbench(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DATA = path.join(tmp, 'nvme', 'data', 'dlrm');
const RESULTS = path.join(tmp, 'results', 'whatif', 'acme', 'results', 'sut1', 'training', 'dlrm');

/** The arguments mlpstorage's generate_dlio_command gives dlio_benchmark, scaled down. */
function mlpstorageArgs(workload: string, command: string, params: string[]): string[] {
  return [
    'dlio',
    `workload=${workload}`,
    `++hydra.run.dir=${path.join(RESULTS, command, '20260702_101500')}`,
    '++hydra.output_subdir=dlio_config',
    ...params,
    '++workload.dataset.skip_listing=True',
    '++workload.dataset.listing_validation_interval=1',
    `++workload.dataset.data_folder=${DATA}`,
    `--config-dir=${CONFIG_DIR}`,
  ];
}

const SCALE = ['++workload.dataset.num_files_train=4', '++workload.dataset.num_samples_per_file=2048'];

describe('pqbench dlio, as mlpstorage calls dlio_benchmark', () => {
  it('datagen then run of dlrm_b200 with ++workload.dataset.num_files_train=4 on local disk', () => {
    const gen = pqbench(...mlpstorageArgs('dlrm_datagen', 'datagen', SCALE));
    assert.equal(gen.code, 0, gen.stderr);
    assert.equal(readdirSync(path.join(DATA, 'train')).filter((f) => f.endsWith('.parquet')).length, 4);

    const run = pqbench(
      ...mlpstorageArgs('dlrm_b200', 'run', [
        ...SCALE,
        '++workload.reader.batch_size=256',
        '++workload.reader.read_threads=1',
      ]),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\[METRIC\] Training Accelerator Utilization \[AU\] \(%\)/);
    const dir = path.join(RESULTS, 'run', '20260702_101500');
    const files = readdirSync(dir);
    for (const name of [
      'summary.json',
      'per_epoch_stats.json',
      'dlio.log',
      'dlio_config',
      'epoch_stats.json',
      'config.yaml',
    ]) {
      assert.ok(files.includes(name), `${name} in ${files.join(', ')}`);
    }
    assert.deepEqual(readdirSync(path.join(dir, 'dlio_config')).sort(), [
      'config.yaml',
      'hydra.yaml',
      'overrides.yaml',
    ]);

    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    assert.deepEqual(layoutDifferences(summary, fixtureJson('dlio-summary.json')), []);
    assert.equal(summary.num_files_train, 4);
    assert.equal(summary.steps.samples, 4 * 2048);
    assert.match(summary.start, DLIO_TIMESTAMP);
    const perEpoch = JSON.parse(readFileSync(path.join(dir, 'per_epoch_stats.json'), 'utf8'));
    assert.deepEqual(Object.keys(perEpoch), ['1']);
    assert.match(perEpoch['1'].block1.duration, /^\d+\.\d\d$/);

    // What mlpstorage's result parser reads from dlio_config/.
    const config = parseYaml(readFileSync(path.join(dir, 'dlio_config', 'config.yaml'), 'utf8'));
    assert.equal(config.workload.model.name, 'dlrm');
    assert.deepEqual(config.workload.workflow, { generate_data: false, train: true, checkpoint: false });
    const overrides: string[] = parseYaml(
      readFileSync(path.join(dir, 'dlio_config', 'overrides.yaml'), 'utf8'),
    );
    assert.equal(overrides[0], 'workload=dlrm_b200');
    assert.ok(overrides.includes('++workload.dataset.num_files_train=4'));
    assert.ok(!overrides.some((o) => o.startsWith('++hydra.')));
    assert.match(
      readFileSync(path.join(dir, 'dlio.log'), 'utf8'),
      /\[METRIC\] Number of Simulated Accelerators: 1/,
    );
  });

  it('config notices print once, without a doubled label', () => {
    const r = pqbench(...mlpstorageArgs('dlrm_b200', 'run2', [...SCALE, '++workload.reader.batch_size=256']));
    assert.equal(r.code, 0, r.stderr);
    const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.startsWith('notice:'));
    assert.doesNotMatch(r.stderr + r.stdout, /notice: notice:/);
    assert.ok(lines.some((l) => l.startsWith('notice: dataset.skip_listing ')));
    assert.equal(new Set(lines).size, lines.length, lines.join('\n'));
  });

  it('bad command lines name what is wrong (exit 2)', () => {
    const extra = pqbench('dlio', 'workload=dlrm_b200', 'stray', `--config-dir=${CONFIG_DIR}`);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument 'stray'/);
    const noDir = pqbench('dlio', 'workload=dlrm_b200');
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /--config-dir=<dir> is required/);
    const unknown = pqbench('dlio', 'workload=resnet50_b200', `--config-dir=${CONFIG_DIR}`);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /workload=resnet50_b200: no .*workload\/resnet50_b200\.yaml/);
  });

  it('checkpoint-only and non-parquet workloads are rejected in one line, exit 2', () => {
    for (const r of [
      pqbench('dlio', 'workload=llama3_8b', `--config-dir=${CONFIG_DIR}`, '++hydra.run.dir=ck'),
      pqbench('run', workloadFile('llama3_8b')),
      pqbench('validate', workloadFile('dlrm_a100')),
    ]) {
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', /^error: .*pqbench covers DLIO parquet training workloads/);
    }
    assert.ok(!existsSync(path.join(tmp, 'ck', 'summary.json')));
  });
});

describe("DLIO's output folder and Hydra's run dir", () => {
  it('output.folder, else $DLIO_OUTPUT_FOLDER, else hydra.run.dir, else hydra_log/<model>/<date>-<time>', () => {
    const at = new Date(2026, 6, 2, 9, 5, 7);
    const bare = parseWorkload('model: {name: dlrm}');
    assert.equal(hydraRunDir(bare, at), path.join('hydra_log', 'dlrm', '2026-07-02-09-05-07'));
    const hydra = parseWorkload('model: {name: dlrm}', { overrides: ['++hydra.run.dir=/r/run/1'] });
    const runDir = hydraRunDir(hydra, at);
    assert.equal(runDir, '/r/run/1');
    assert.equal(dlioOutputDir(hydra, runDir, {}), '/r/run/1');
    assert.equal(dlioOutputDir(hydra, runDir, { DLIO_OUTPUT_FOLDER: '/env/out' }), '/env/out');
    const folder = parseWorkload('output: {folder: /cfg/out}', { overrides: ['++hydra.run.dir=/r/run/1'] });
    assert.equal(dlioOutputDir(folder, runDir, { DLIO_OUTPUT_FOLDER: '/env/out' }), '/cfg/out');
  });

  it('workload=<name>: exactly one, a config name, +/++ spellings too', () => {
    assert.equal(workloadChoice(['workload=dlrm_b200']), 'dlrm_b200');
    assert.equal(workloadChoice(['++workload=flux_datagen']), 'flux_datagen');
    assert.throws(() => workloadChoice([]), UsageError);
    assert.throws(() => workloadChoice(['workload=a', 'workload=b']), /given twice/);
    assert.throws(() => workloadChoice(['workload=../etc/passwd']), /not a config name/);
  });
});

describe('pqbench run / validate take the same ++ forms', () => {
  const lines: string[] = JSON.parse(
    readFileSync(path.join(CONFIG_DIR, 'mlpstorage-overrides.json'), 'utf8'),
  ).lines;

  it('validate accepts every mlpstorage override line on the DLRM and fork files', () => {
    for (const name of ['dlrm_b200', 'dlrm_s3dlio_file', 'dlrm_s3dlio_s3', 'flux_b200']) {
      const r = pqbench('validate', workloadFile(name), ...lines);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const resolved = parseYaml(r.stdout);
      assert.equal(resolved.reader.read_threads, 0);
      assert.equal(resolved.reader.prefetch_size, 0);
    }
  });

  it('run with ++hydra.run.dir writes its results straight into that directory', () => {
    const dir = path.join(tmp, 'hydra-run');
    const r = pqbench(
      'run',
      workloadFile('dlrm_b200'),
      ...SCALE,
      `++workload.dataset.data_folder=${DATA}`,
      '++workload.reader.batch_size=512',
      `++hydra.run.dir=${dir}`,
      '++hydra.output_subdir=dlio_config',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(path.join(dir, 'summary.json')));
    assert.ok(existsSync(path.join(dir, 'dlio_config', 'overrides.yaml')));
  });

  it('an argument run/validate cannot place is an error naming it', () => {
    for (const arg of ['++trainer.epochs=3', 'workload=dlrm_b200', 'extra.yaml']) {
      const r = pqbench('validate', workloadFile('dlrm_b200'), arg);
      assert.equal(r.code, 2, arg);
      assert.match(r.stderr, new RegExp(`unexpected argument '${arg.replace(/[+.]/g, '\\$&')}'`));
    }
  });
});

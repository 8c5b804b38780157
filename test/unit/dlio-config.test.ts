/**
 * Issue 11, config side: DLIO / MLPerf Storage workload files and
 * mlpstorage's override lines are accepted unchanged and read with DLIO's
 * meaning (MLCommons DLIO fork, utils/config.py LoadConfig and
 * utils/utility.py sleep); what pqbench does not cover is rejected in one line.
 * The fixtures under test/fixtures/dlio/workload are written for these tests,
 * shaped like mlcommons/storage's configs/dlio/workload files and the fork's
 * dlrm_s3dlio_file.yaml / dlrm_s3dlio_s3.yaml.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UnsupportedWorkloadError } from '../../src/config/coverage.ts';
import { dlioRecordBytes } from '../../src/config/dtypes.ts';
import { type ParsedWorkload, parseWorkload, projectedColumns } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { ConfigError } from '../../src/errors.ts';

const WORKLOADS = fileURLToPath(new URL('../fixtures/dlio/workload/', import.meta.url));
const text = (name: string) => readFileSync(path.join(WORKLOADS, `${name}.yaml`), 'utf8');
const parse = (name: string, overrides: string[] = []): ParsedWorkload =>
  parseWorkload(text(name), { overrides, source: `${name}.yaml` });

function configError(yaml: string, overrides: string[] = []): ConfigError {
  try {
    parseWorkload(yaml, { overrides });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected a ConfigError for ${yaml} ${overrides.join(' ')}`);
}

const PARQUET_TRAINING = [
  'dlrm_b200',
  'dlrm_mi355',
  'dlrm_datagen',
  'flux_b200',
  'flux_mi355',
  'flux_datagen',
  'dlrm_parquet_a100',
  'parquet_selective_read_example',
  'dlrm_s3dlio_file',
  'dlrm_s3dlio_s3',
];

/** Every override line issue 11 lists, as mlpstorage passes them. */
const MLPSTORAGE_OVERRIDES: string[] = JSON.parse(
  readFileSync(new URL('../fixtures/dlio/mlpstorage-overrides.json', import.meta.url), 'utf8'),
).lines;

describe('DLIO workload files validate unchanged', () => {
  it('the fixture set holds every parquet training shape and the rejected ones', () => {
    const names = readdirSync(WORKLOADS).map((f) => f.replace(/\.yaml$/, ''));
    assert.deepEqual(names.sort(), [...PARQUET_TRAINING, 'dlrm_a100', 'llama3_8b'].sort());
  });

  for (const name of PARQUET_TRAINING) {
    it(`${name}.yaml`, () => {
      const { workload, notices } = parse(name);
      assert.equal(workload.dataset.format, 'parquet');
      // Each notice is one plain sentence, printed once by the CLI with its `notice:` label.
      for (const n of notices) assert.doesNotMatch(n, /^notice:/);
      assert.equal(new Set(notices).size, notices.length, 'no notice twice');
    });
  }

  it('the DLRM files: 200 typed columns, DLIO record size 761 B, row_group reads', () => {
    const { workload: w } = parse('dlrm_b200');
    assert.equal(w.dataset.parquet.columns.length, 200);
    assert.equal(dlioRecordBytes(w.dataset.parquet.columns, w.dataset.record_length_bytes), 761);
    assert.equal(w.dataset.parquet.read_mode, 'row_group');
    assert.equal(w.reader.batch_size, 16384);
    assert.deepEqual(w.train.computation_time, { type: 'constant', mean: 0.000375, stdev: 0 });
    assert.equal(w.metric.au, 0.7);
  });

  it("the fork's dlrm_s3dlio_file.yaml: prefetch_workers, prefetch_size 0, absolute data_folder, logging", () => {
    const { workload: w, notices } = parse('dlrm_s3dlio_file');
    assert.equal(
      w.reader.gets_per_worker,
      64,
      'storage_options.prefetch_workers → GETs in flight per worker',
    );
    assert.equal(w.reader.prefetch_size, 0);
    assert.equal(
      resolveRun(w).loader.prefetchSize,
      2,
      "prefetch_size 0 is PyTorch's default prefetch factor",
    );
    // DLIO joins /mnt/test with /mnt/test/dlrm: the data is in /mnt/test/dlrm.
    assert.equal(path.join(w.storage.storage_root, w.dataset.data_folder), '/mnt/test/dlrm');
    assert.equal(notices.filter((n) => n.startsWith('logging ')).length, 1);
    assert.equal(w.train.seed_change_epoch, false);
  });

  it("the fork's dlrm_s3dlio_s3.yaml: s3 with an endpoint, the fork's storage options", () => {
    const { workload: w } = parse('dlrm_s3dlio_s3');
    assert.equal(w.storage.storage_type, 's3');
    assert.equal(w.storage.storage_root, 'mlp-flux');
    assert.equal(w.storage.storage_options.endpoint_url, 'http://127.0.0.1:9200');
    assert.equal(w.storage.storage_options.s3_force_path_style, true);
    assert.equal(w.reader.gets_per_worker, 64);
    assert.equal(w.dataset.data_folder, 'data/dlrm/train');
  });

  for (const name of ['dlrm_b200', 'dlrm_s3dlio_file']) {
    it(`${name}.yaml takes every mlpstorage override line`, () => {
      const { workload: w, hydra, notices } = parse(name, MLPSTORAGE_OVERRIDES);
      assert.equal(w.reader.read_threads, 0);
      assert.equal(w.reader.prefetch_size, 0);
      assert.equal(w.dataset.num_files_train, 1024);
      assert.equal(w.storage.storage_options.s3_force_path_style, true);
      assert.equal(path.join(w.storage.storage_root, w.dataset.data_folder), '/mnt/nvme/data/dlrm');
      assert.equal(hydra.runDir, '/mnt/results/whatif/acme/results/sut1/training/dlrm/run/20260702_101500');
      assert.equal(hydra.outputSubdir, 'dlio_config');
      const library = notices.filter((n) => /storage_library|uri_scheme/.test(n));
      assert.equal(
        library.length,
        1,
        `one notice for storage_library and uri_scheme: ${library.join(' | ')}`,
      );
    });
  }

  it('mlpstorage object-storage overrides (s3 + bucket + relative data_folder)', () => {
    const { workload: w } = parse('dlrm_mi355', [
      '++workload.storage.storage_type=s3',
      '++workload.storage.storage_root=mlps',
      '++workload.storage.storage_options.storage_library=s3dlio',
      '++workload.storage.storage_options.uri_scheme=s3',
      '++workload.storage.s3_force_path_style=true',
      '++workload.dataset.data_folder=dlrm',
    ]);
    assert.equal(w.storage.storage_type, 's3');
    assert.equal(w.storage.storage_root, 'mlps');
    assert.equal(w.dataset.data_folder, 'dlrm');
  });

  it('mlpstorage --o-direct overrides: direct_fs read as local_fs, an empty data_folder is the root', () => {
    const { workload: w, notices } = parse('flux_b200', [
      '++workload.storage.storage_type=direct_fs',
      '++workload.storage.storage_options.storage_library=s3dlio',
      '++workload.storage.storage_options.uri_scheme=direct',
      '++workload.storage.storage_root=/mnt/nvme/data',
      '++workload.dataset.data_folder=',
    ]);
    assert.equal(w.storage.storage_type, 'local_fs');
    assert.equal(w.storage.storage_root, '/mnt/nvme/data');
    assert.equal(w.dataset.data_folder, '');
    assert.equal(notices.filter((n) => n.startsWith('storage.storage_type direct_fs')).length, 1);
  });
});

describe("DLIO keys keep DLIO's meaning", () => {
  it('output.metric.exclude_start_steps/exclude_end_steps set the metric window', () => {
    const { workload: w, notices } = parse('dlrm_b200', [
      '++workload.output.metric.exclude_start_steps=0',
      '++workload.output.metric.exclude_end_steps=2',
    ]);
    assert.equal(w.metric.exclude_start_steps, 0);
    assert.equal(w.metric.exclude_end_steps, 2);
    assert.deepEqual(
      notices.filter((n) => n.includes('output.metric')),
      [],
    );
    const plan = resolveRun(w);
    assert.deepEqual(plan.training.metric, { au: 0.7, excludeStartSteps: 0, excludeEndSteps: 2 });
    const clash = configError('metric: {exclude_start_steps: 1}\noutput: {metric: {exclude_start_steps: 0}}');
    assert.match(
      clash.message,
      /output\.metric\.exclude_start_steps: 0 disagrees with metric\.exclude_start_steps/,
    );
  });

  it('reader.preprocess_time (+ _stdev) is a per-sample time in the loader plan', () => {
    const { workload: w, notices } = parse('dlrm_b200', [
      '++workload.reader.preprocess_time=0.0001',
      '++workload.reader.preprocess_time_stdev=0.00002',
    ]);
    assert.deepEqual(w.reader.preprocess_time, { type: 'normal', mean: 0.0001, stdev: 0.00002 });
    assert.deepEqual(resolveRun(w).loader.preprocess, w.reader.preprocess_time);
    assert.equal(notices.filter((n) => n.includes('preprocess')).length, 0, 'no longer ignored');
    assert.deepEqual(parse('dlrm_b200').workload.reader.preprocess_time, {
      type: 'constant',
      mean: 0,
      stdev: 0,
    });
  });

  it("every computation_time form DLIO's sleep() takes, with its parameter names", () => {
    const ct = (yaml: string) =>
      parseWorkload(`train: {computation_time: ${yaml}}`).workload.train.computation_time;
    assert.deepEqual(ct('0.5'), { type: 'constant', mean: 0.5, stdev: 0 });
    assert.deepEqual(ct('{mean: 0.5}'), { type: 'constant', mean: 0.5, stdev: 0 });
    assert.deepEqual(ct('{mean: 0.5, stdev: 0.1}'), { type: 'normal', mean: 0.5, stdev: 0.1 });
    assert.deepEqual(ct('{type: normal, mean: 0.5, stdev: 0.1}'), { type: 'normal', mean: 0.5, stdev: 0.1 });
    assert.deepEqual(ct('{type: uniform, min: 0.1, max: 0.3}'), { type: 'uniform', min: 0.1, max: 0.3 });
    assert.deepEqual(ct('{type: gamma, shape: 2, scale: 0.01}'), { type: 'gamma', shape: 2, scale: 0.01 });
    assert.deepEqual(ct('{type: exponential, scale: 0.02}'), { type: 'exponential', scale: 0.02 });
    assert.deepEqual(ct('{type: poisson, lam: 3}'), { type: 'poisson', lam: 3 });
    assert.deepEqual(ct('{}'), { type: 'constant', mean: 0, stdev: 0 }, 'DLIO sleeps 0 for an empty mapping');
    // A normal mean below its stdev is DLIO's folded normal, not an error.
    assert.deepEqual(ct('{mean: 0.001, stdev: 0.01}'), { type: 'normal', mean: 0.001, stdev: 0.01 });
    assert.match(
      configError('train: {computation_time: {type: lognormal, mean: 1}}').message,
      /train\.computation_time\.type: 'lognormal' is not allowed; allowed: constant, normal, uniform, gamma, exponential, poisson/,
    );
    assert.match(
      configError('train: {computation_time: {type: uniform, min: 2, max: 1}}').message,
      /max must be >= min/,
    );
    assert.match(
      configError('train: {computation_time: {type: gamma, shape: 0, scale: 1}}').message,
      /shape/,
    );
  });

  it('computation_time_stdev without computation_time sleeps 0, as DLIO, with a notice', () => {
    const { workload: w, notices } = parseWorkload('train: {computation_time_stdev: 0.1}');
    assert.deepEqual(w.train.computation_time, { type: 'constant', mean: 0, stdev: 0 });
    assert.equal(notices.filter((n) => n.includes('computation_time_stdev without')).length, 1);
  });

  it('read_threads 0 and prefetch_size 0 are accepted', () => {
    const w = parseWorkload('reader: {read_threads: 0, prefetch_size: 0}').workload;
    assert.equal(resolveRun(w).loader.readThreads, 0);
    assert.equal(resolveRun(w).loader.prefetchSize, 2);
    assert.equal(resolveRun(parseWorkload('reader: {prefetch_size: 5}').workload).loader.prefetchSize, 5);
  });

  it('a fractional record_length_bytes is kept for DLIO figures and rounded for the data column', () => {
    const w = parseWorkload('dataset: {record_length_bytes: 761.5}').workload;
    assert.equal(w.dataset.record_length_bytes, 761.5);
    assert.equal(resolveRun(w).facts.dlioRecordBytes, 761.5);
    assert.deepEqual(projectedColumns(w), [{ name: 'data', dtype: 'binary', size: 762, read: true }]);
  });

  it('columns given as plain strings are float32 scalars (DLIO defaults)', () => {
    const w = parseWorkload(
      'dataset: {parquet: {columns: [label, dense, {name: day, dtype: int16}]}}',
    ).workload;
    assert.deepEqual(w.dataset.parquet.columns, [
      { name: 'label', dtype: 'float32', size: 1, read: true },
      { name: 'dense', dtype: 'float32', size: 1, read: true },
      { name: 'day', dtype: 'int16', size: 1, read: true },
    ]);
  });

  it("uint8/16/32/64 and int16 dtypes, with DLIO's record widths and their cardinality limits", () => {
    const w = parseWorkload(
      'dataset: {parquet: {columns: [{name: a, dtype: uint8}, {name: b, dtype: uint16, size: 3}, {name: c, dtype: uint32}, {name: d, dtype: uint64}, {name: e, dtype: int16, size: 2}]}}',
    ).workload;
    assert.equal(resolveRun(w).facts.dlioRecordBytes, 1 + 2 * 3 + 4 + 8 + 2 * 2);
    assert.match(
      configError('dataset: {parquet: {columns: [{name: a, dtype: uint8, cardinality: 300}]}}').message,
      /300 does not fit uint8; allowed: 1\.\.256/,
    );
    assert.ok(parseWorkload('dataset: {parquet: {columns: [{name: a, dtype: uint16, cardinality: 60000}]}}'));
  });

  it('storage_type parallel_fs is a local path, with one notice', () => {
    const { workload: w, notices } = parseWorkload(
      'storage: {storage_type: parallel_fs, storage_root: /lustre/x}',
    );
    assert.equal(w.storage.storage_type, 'local_fs');
    assert.equal(notices.filter((n) => n.includes('parallel_fs')).length, 1);
  });
});

describe('storage_options: DLIO pass-through dict', () => {
  it('columns → the projection', () => {
    const { workload: w } = parseWorkload(
      'dataset: {parquet: {columns: [a, {name: b, dtype: int32}, {name: c, dtype: float64, read: true}]}}\nstorage: {storage_options: {columns: [a, c]}}',
    );
    assert.deepEqual(
      projectedColumns(w).map((c) => c.name),
      ['a', 'c'],
    );
    assert.match(
      configError('dataset: {parquet: {columns: [a]}}\nstorage: {storage_options: {columns: [a, zz]}}')
        .message,
      /storage\.storage_options\.columns\[1\]: 'zz' is not a column; columns: a/,
    );
  });

  it('unknown keys give one notice that counts them and names none (a secret pasted as a key stays unprinted); storage_library/uri_scheme one notice together', () => {
    const { notices } = parseWorkload(
      'storage: {storage_library: s3dlio, storage_options: {uri_scheme: s3, simulate_io: false, footer_cap: 4194304, wJalrXUtnFEMIK7MDENGbPxRfiCY: null}}',
    );
    assert.equal(notices.filter((n) => /storage_library=s3dlio, uri_scheme=s3/.test(n)).length, 1);
    const unused = notices.filter((n) =>
      n.startsWith('storage.storage_options has 3 keys pqbench does not use'),
    );
    assert.equal(unused.length, 1, notices.join('\n'));
    for (const key of ['simulate_io', 'footer_cap', 'wJalrXUtnFEMIK7MDENGbPxRfiCY'])
      assert.ok(!notices.some((n) => n.includes(key)), key);
  });

  it("prefetch_window → reader.row_group_window (the fork's sliding window)", () => {
    const { workload: w, notices } = parseWorkload('storage: {storage_options: {prefetch_window: 32}}');
    assert.equal(w.reader.row_group_window, 32);
    assert.ok(!notices.some((n) => n.includes('prefetch_window')));
    assert.match(
      configError('storage: {storage_options: {prefetch_window: 0}}').message,
      /storage\.storage_options\.prefetch_window: 0 is not allowed; allowed: an integer 1\.\.4096 \(row groups in flight/,
    );
  });

  it('prefetch_workers must be a count of GETs', () => {
    assert.match(
      configError('storage: {storage_options: {prefetch_workers: lots}}').message,
      /storage\.storage_options\.prefetch_workers: 'lots' is not allowed/,
    );
    const explicit = parseWorkload(
      'reader: {gets_per_worker: 4}\nstorage: {storage_options: {prefetch_workers: 64}}',
    );
    assert.equal(explicit.workload.reader.gets_per_worker, 4, "pqbench's own key wins");
  });
});

describe('data_folder joined with storage_root as DLIO joins them', () => {
  const where = (yaml: string) => {
    const w = parseWorkload(yaml).workload;
    return { root: w.storage.storage_root, folder: w.dataset.data_folder };
  };
  it('local: an absolute data_folder inside the root becomes relative to it', () => {
    assert.deepEqual(where('storage: {storage_root: /mnt/test}\ndataset: {data_folder: /mnt/test/dlrm/}'), {
      root: '/mnt/test',
      folder: 'dlrm',
    });
  });
  it('local: an absolute data_folder elsewhere wins over the root (os.path.join)', () => {
    assert.deepEqual(where('storage: {storage_root: ./}\ndataset: {data_folder: /mnt/nvme/data/dlrm}'), {
      root: '/mnt/nvme/data/dlrm',
      folder: '',
    });
    assert.deepEqual(where('dataset: {data_folder: /data/x}'), { root: '/data/x', folder: '' });
  });
  it('s3: a leading / is dropped (<bucket>/<folder>)', () => {
    assert.deepEqual(where('storage: {storage_type: s3, storage_root: bkt}\ndataset: {data_folder: /dlrm}'), {
      root: 'bkt',
      folder: 'dlrm',
    });
  });
  it('direct_fs: relative to the root, a leading / dropped', () => {
    assert.deepEqual(
      where('storage: {storage_type: direct_fs, storage_root: /mnt/nvme}\ndataset: {data_folder: /flux}'),
      { root: '/mnt/nvme', folder: 'flux' },
    );
  });
});

describe('Hydra settings and what pqbench does not cover', () => {
  it('++hydra.run.dir and ++hydra.output_subdir are taken; other hydra keys give a notice', () => {
    const { hydra, notices } = parseWorkload('', {
      overrides: ['++hydra.run.dir=out/run1', '++hydra.output_subdir=null', '++hydra.job.chdir=true'],
    });
    assert.deepEqual(hydra, { runDir: 'out/run1', outputSubdir: null });
    assert.deepEqual(notices, ['hydra.job.chdir is a Hydra setting pqbench ignores']);
    assert.deepEqual(parseWorkload('').hydra, { outputSubdir: '.hydra' });
  });

  it('the composed document is what Hydra saves: file + overrides, before pqbench rewrites it', () => {
    const { composed } = parse('dlrm_s3dlio_file', ['++workload.reader.read_threads=2']);
    assert.equal((composed.dataset as Record<string, unknown>).data_folder, '/mnt/test/dlrm');
    assert.equal((composed.reader as Record<string, unknown>).read_threads, 2);
    assert.ok('logging' in composed);
    assert.ok(!('hydra' in composed));
  });

  it('a checkpoint-only workload (llama3_8b) is rejected in one line naming what pqbench covers', () => {
    assert.throws(
      () => parse('llama3_8b'),
      (e: unknown) =>
        e instanceof UnsupportedWorkloadError &&
        e.exitCode === 2 &&
        !e.message.includes('\n') &&
        /llama3_8b\.yaml: a checkpoint-only workload .* pqbench covers DLIO parquet training workloads/.test(
          e.message,
        ),
    );
  });

  it('a non-parquet workload (npz) is rejected in one line', () => {
    assert.throws(
      () => parse('dlrm_a100'),
      (e: unknown) =>
        e instanceof UnsupportedWorkloadError &&
        /dataset\.format npz is not supported; pqbench covers/.test(e.message),
    );
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  defaultWorkload,
  effectiveColumns,
  parseWorkload,
  projectedColumns,
  workloadToYaml,
} from '../../src/config/index.ts';
import { LIMITS } from '../../src/config/limits.ts';
import { redactOverride, redactSecrets, redactUrl } from '../../src/config/secrets.ts';
import { ConfigError } from '../../src/errors.ts';

function configError(yaml: string, overrides: string[] = []): ConfigError {
  try {
    parseWorkload(yaml, { overrides, source: 'w.yaml' });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected a ConfigError for:\n${yaml}`);
}

describe('workload config: MLPerf Storage / DLIO files unchanged', () => {
  it('accepts a DLRM-like file with ~200 typed columns, read flags and read_mode row_group', () => {
    const text = readFileSync(new URL('../fixtures/mlperf/dlrm_parquet.yaml', import.meta.url), 'utf8');
    const { workload: w, notices } = parseWorkload(text);
    assert.equal(w.dataset.parquet.columns.length, 200);
    assert.deepEqual(
      new Set(w.dataset.parquet.columns.map((c) => c.dtype)),
      new Set(['float32', 'float16', 'float64', 'int8']),
    );
    assert.equal(w.dataset.parquet.read_mode, 'row_group');
    assert.ok(projectedColumns(w).length < 200 && projectedColumns(w).length > 100);
    assert.equal(w.dataset.compression, 'snappy');
    assert.equal(w.workflow.train, true);
    assert.equal(w.workflow.generate_data, false);
    // Each deliberately ignored DLIO key gets exactly one notice line.
    for (const k of [
      'reader.pin_memory',
      'reader.multiprocessing_context',
      'checkpoint',
      'dataset.keep_files',
      'framework',
    ]) {
      assert.equal(notices.filter((n) => n.startsWith(`${k} `)).length, 1, `one notice for ${k}`);
    }
  });

  it('accepts a FLUX-like file with record_length and a 524,328-float column', () => {
    const text = readFileSync(new URL('../fixtures/mlperf/flux_parquet.yaml', import.meta.url), 'utf8');
    const { workload: w } = parseWorkload(text);
    assert.equal(w.dataset.record_length_bytes, 2097312);
    assert.equal(w.dataset.parquet.columns[0]!.size, 524328);
    assert.deepEqual(w.train.computation_time, { mean: 0.35, stdev: 0.02, type: 'normal' });
  });

  it('fills every default, with S3-compatible defaults for custom endpoints', () => {
    const w = defaultWorkload();
    assert.equal(w.storage.storage_type, 'local_fs');
    assert.equal(w.reader.coalesce_gap_bytes, 65536);
    assert.equal(w.reader.max_request_bytes, 16 * 1024 * 1024);
    assert.equal(w.train.seed, 123);
    const s3 = parseWorkload(
      'storage: {storage_type: s3, storage_root: s3://bkt/pre, storage_options: {endpoint_url: "http://127.0.0.1:9000"}}',
    ).workload.storage;
    assert.equal(s3.storage_options.checksums, 'when_required');
    assert.equal(s3.storage_options.s3_force_path_style, true);
    assert.equal(s3.storage_options.max_sockets, 256);
    const aws = parseWorkload('storage: {storage_type: s3, storage_root: bkt}').workload.storage;
    assert.equal(aws.storage_options.checksums, 'when_supported');
  });

  it('computation_time as a scalar or a distribution; DLIO computation_time_stdev folds in', () => {
    assert.deepEqual(parseWorkload('train: {computation_time: 0.5}').workload.train.computation_time, {
      mean: 0.5,
      stdev: 0,
      type: 'constant',
    });
    // SPEC §1's uniform of a mean and stdev: mean ∓ √3·stdev (DLIO's own form, {min, max}: dlio-config.test.ts).
    assert.deepEqual(
      parseWorkload('train: {computation_time: {mean: 1, stdev: 0.5, type: uniform}}').workload.train
        .computation_time,
      { type: 'uniform', min: 1 - Math.sqrt(3) * 0.5, max: 1 + Math.sqrt(3) * 0.5 },
    );
    assert.deepEqual(
      parseWorkload('train: {computation_time: 0.2, computation_time_stdev: 0.01}').workload.train
        .computation_time,
      {
        mean: 0.2,
        stdev: 0.01,
        type: 'normal',
      },
    );
  });

  it('applies --set and Hydra-style ++workload overrides, typed as YAML scalars', () => {
    const { workload: w } = parseWorkload('reader: {batch_size: 4}', {
      overrides: [
        'reader.batch_size=64',
        '++workload.train.epochs=3',
        '+workload.reader.decode=false',
        'dataset.parquet.columns=[{name: a, dtype: int32}]',
        'dataset.parquet.columns.0.read=true',
      ],
    });
    assert.equal(w.reader.batch_size, 64);
    assert.equal(w.train.epochs, 3);
    assert.equal(w.reader.decode, false);
    assert.deepEqual(w.dataset.parquet.columns, [{ name: 'a', dtype: 'int32', size: 1, read: true }]);
  });

  it('with no columns a dataset has one binary `data` column of record_length_bytes', () => {
    const w = parseWorkload('dataset: {record_length_bytes: 4096}').workload;
    assert.deepEqual(effectiveColumns(w), [{ name: 'data', dtype: 'binary', size: 4096, read: true }]);
  });

  it('never prints credentials in the resolved YAML', () => {
    const w = parseWorkload(
      'storage: {storage_type: s3, storage_root: b1x, storage_options: {access_key_id: AKIAVERYSECRET, secret_access_key: SHHHH}}',
    ).workload;
    const y = workloadToYaml(w);
    assert.ok(!y.includes('AKIAVERYSECRET') && !y.includes('SHHHH'));
    assert.match(y, /redacted/);
  });
});

describe('workload config: bad input names the key, the value and what is allowed', () => {
  const cases: { kind: string; yaml: string; overrides?: string[]; path: string; mentions: RegExp }[] = [
    { kind: 'unknown top-level key', yaml: 'modle: {name: x}', path: 'modle', mentions: /unknown key/ },
    {
      kind: 'unknown nested key (typo)',
      yaml: 'reader: {batch_sise: 3}',
      path: 'reader.batch_sise',
      mentions: /unknown key 'batch_sise'/,
    },
    {
      kind: 'unknown column key',
      yaml: 'dataset: {parquet: {columns: [{name: a, dtype: int32, nulls: 3}]}}',
      path: 'dataset.parquet.columns[0].nulls',
      mentions: /unknown key/,
    },
    {
      kind: 'bad dtype',
      yaml: 'dataset: {parquet: {columns: [{name: a, dtype: float33}]}}',
      path: 'dataset.parquet.columns[0].dtype',
      mentions: /'float33'.*allowed: float32, float64, float16, int8/,
    },
    {
      kind: 'bad codec',
      yaml: 'dataset: {compression: lzo}',
      path: 'dataset.compression',
      mentions: /'lzo' is not allowed; allowed: none, snappy, gzip, zstd, lz4, brotli/,
    },
    {
      kind: 'bad storage type',
      yaml: 'storage: {storage_type: hdfs}',
      path: 'storage.storage_type',
      mentions: /allowed: local_fs, s3/,
    },
    {
      kind: 'non-positive count',
      yaml: 'dataset: {num_files_train: 0}',
      path: 'dataset.num_files_train',
      mentions: /0 is too small; allowed: >= 1/,
    },
    {
      kind: 'wrong type',
      yaml: 'reader: {batch_size: lots}',
      path: 'reader.batch_size',
      mentions: /'lots' is not a number/,
    },
    {
      kind: 'non-integer',
      yaml: 'reader: {read_threads: 2.5}',
      path: 'reader.read_threads',
      mentions: /2\.5/,
    },
    {
      kind: 'bad read_mode',
      yaml: 'dataset: {parquet: {read_mode: whole}}',
      path: 'dataset.parquet.read_mode',
      mentions: /allowed: default, row_group/,
    },
    {
      kind: 'bad shuffle',
      yaml: 'reader: {file_shuffle: sometimes}',
      path: 'reader.file_shuffle',
      mentions: /allowed: off, seed, random/,
    },
    {
      kind: 'bad computation_time',
      yaml: 'train: {computation_time: fast}',
      path: 'train.computation_time',
      mentions: /a number of seconds, or \{mean, stdev/,
    },
    {
      kind: 'negative computation_time stdev',
      yaml: 'train: {computation_time: {mean: 1, stdev: -1}}',
      path: 'train.computation_time.stdev',
      mentions: /too small/,
    },
    {
      kind: 'duplicate column',
      yaml: 'dataset: {parquet: {columns: [{name: a, dtype: int32}, {name: a, dtype: float32}]}}',
      path: 'dataset.parquet.columns[1].name',
      mentions: /duplicate column name 'a'/,
    },
    {
      kind: 'partition_by not a column',
      yaml: 'dataset: {parquet: {partition_by: day, columns: [{name: a, dtype: int32}]}}',
      path: 'dataset.parquet.partition_by',
      mentions: /'day' is not a column; columns: a/,
    },
    {
      kind: 'partition_by without cardinality',
      yaml: 'dataset: {parquet: {partition_by: day, columns: [{name: a, dtype: int32}, {name: day, dtype: int32}]}}',
      path: 'dataset.parquet.partition_by',
      mentions: /needs a cardinality/,
    },
    {
      kind: 'cardinality on a vector',
      yaml: 'dataset: {parquet: {columns: [{name: v, dtype: float32, size: 8, cardinality: 4}]}}',
      path: 'dataset.parquet.columns[0].cardinality',
      mentions: /scalar/,
    },
    {
      kind: 'compression level out of range',
      yaml: 'dataset: {compression: gzip, compression_level: 12}',
      path: 'dataset.compression_level',
      mentions: /12 is out of range for gzip; allowed: 0\.\.9/,
    },
    {
      kind: 'data_folder escaping the root',
      yaml: 'dataset: {data_folder: ../../etc}',
      path: 'dataset.data_folder',
      mentions: /without '\.\.'/,
    },
    {
      kind: 'invalid bucket',
      yaml: 'storage: {storage_type: s3, storage_root: My_Bucket}',
      path: 'storage.storage_root',
      mentions: /valid S3 bucket name/,
    },
    {
      kind: 'bad endpoint url',
      yaml: 'storage: {storage_type: s3, storage_root: bkt, storage_options: {endpoint_url: "ftp://x"}}',
      path: 'storage.storage_options.endpoint_url',
      mentions: /ftp/,
    },
    {
      kind: 'format not a string',
      yaml: 'dataset: {format: 3}',
      path: 'dataset.format',
      mentions: /3 is not allowed; allowed: parquet/,
    },
    {
      kind: 'au out of range',
      yaml: 'metric: {au: 90}',
      path: 'metric.au',
      mentions: /too large; allowed: <= 1/,
    },
    {
      kind: 'bad column name',
      yaml: 'dataset: {parquet: {columns: [{name: "a/b", dtype: int32}]}}',
      path: 'dataset.parquet.columns[0].name',
      mentions: /letters, digits/,
    },
    {
      kind: 'nothing read',
      yaml: 'dataset: {parquet: {columns: [{name: a, dtype: int32, read: false}]}}',
      path: 'dataset.parquet.columns',
      mentions: /at least one must be read/,
    },
    {
      kind: 'bad workers',
      yaml: 'run: {workers: many}',
      path: 'run.workers',
      mentions: /'auto' or a positive integer/,
    },
    {
      kind: 'override of an unknown key',
      yaml: '',
      overrides: ['reader.batchsize=3'],
      path: 'reader.batchsize',
      mentions: /unknown key/,
    },
    {
      kind: 'malformed override',
      yaml: '',
      overrides: ['reader.batch_size'],
      path: '',
      mentions: /key\.path=value/,
    },
    { kind: 'section of the wrong type', yaml: 'reader: 5', path: 'reader', mentions: /5 is not a mapping/ },
  ];
  for (const c of cases) {
    it(c.kind, () => {
      const err = configError(c.yaml, c.overrides);
      const issue = err.issues.find((i) => i.path === c.path);
      assert.ok(issue, `no issue at path '${c.path}'; got: ${JSON.stringify(err.issues)}`);
      assert.match(issue.message, c.mentions);
      if (c.path) assert.ok(err.message.includes(c.path), 'the message names the key');
    });
  }

  it('YAML syntax errors give a line and column', () => {
    const err = configError('reader:\n  batch_size: [1\nfoo: 2\n');
    assert.match(err.message, /line \d+, column \d+/);
  });

  it('a YAML document that is not a mapping is rejected', () => {
    assert.match(configError('- a\n- b\n').message, /must be a YAML mapping/);
  });

  it('duplicate keys are rejected', () => {
    assert.match(
      configError('reader: {batch_size: 1}\nreader: {batch_size: 2}\n').message,
      /unique|duplicate/i,
    );
  });
});

describe('workload config: credentials are never echoed (issue 15)', () => {
  const s3 = 'storage: {storage_type: s3, storage_root: bench-bucket, storage_options: ';

  it('redacts URL user info and every credential key in the resolved YAML', () => {
    const w = parseWorkload(
      `${s3}{endpoint_url: 'http://admin:Pa55word@minio:9000', access_key_id: AKIDxyz1, secret_access_key: SECRETxyz1, session_token: TOKENxyz1}}`,
    ).workload;
    const y = workloadToYaml(w);
    for (const s of ['admin', 'Pa55word', 'AKIDxyz1', 'SECRETxyz1', 'TOKENxyz1'])
      assert.ok(!y.includes(s), s);
    assert.match(y, /endpoint_url: http:\/\/<redacted>@minio:9000/);
    assert.match(y, /session_token: <redacted>/);
    // What is written can be read back (merge and the cloud runtime parse it).
    assert.equal(
      parseWorkload(y).workload.storage.storage_options.endpoint_url,
      'http://<redacted>@minio:9000',
    );
  });

  it('never quotes a secret value in a validation error, whatever its type', () => {
    for (const value of ['987654321012', '[SECRETxyz1, b]', '{v: SECRETxyz1}', "''"]) {
      const message = configError(`${s3}{access_key_id: AKIDxyz1, secret_access_key: ${value}}}`).message;
      assert.match(message, /storage\.storage_options\.secret_access_key/);
      assert.doesNotMatch(message, /987654321012|SECRETxyz1|AKIDxyz1/);
    }
    const url = configError(`${s3}{endpoint_url: 'ht tp://admin:Pa55word@minio:9000'}}`).message;
    assert.match(url, /endpoint_url: is not a URL; allowed: an http:\/\/ or https:\/\/ URL/);
    assert.doesNotMatch(url, /Pa55word|admin/);
    // A path or a query (a token) is refused, and never quoted back.
    for (const given of ['http://minio:9000/PATHxyz1', 'http://minio:9000/?X-Amz-Security-Token=TOKENxyz1']) {
      const refused = configError(`${s3}{endpoint_url: '${given}'}}`).message;
      assert.match(refused, /endpoint_url: has a (path|query)/);
      assert.doesNotMatch(refused, /TOKENxyz1|PATHxyz1/);
    }
  });

  it('a malformed override never echoes the value after a wrong separator', () => {
    const message = configError('{}', ['storage.storage_options.secret_access_key:SECRETxyz1']).message;
    assert.match(message, /storage\.storage_options\.secret_access_key/);
    assert.doesNotMatch(message, /SECRETxyz1/);
  });

  it('an incomplete credential pair is an error naming the missing key', () => {
    assert.match(
      configError(`${s3}{access_key_id: AKIDxyz1}}`).message,
      /storage\.storage_options\.secret_access_key: is required when access_key_id is given/,
    );
    assert.match(
      configError(`${s3}{secret_access_key: SECRETxyz1}}`).message,
      /storage\.storage_options\.access_key_id: is required/,
    );
    assert.match(configError(`${s3}{session_token: T0KENxyz}}`).message, /session_token: is used only with/);
  });

  it('redactSecrets and redactOverride cover what Hydra records', () => {
    const composed = {
      storage: { storage_options: { endpoint_url: 'http://u:p4ss@h:9000', secret_access_key: 123456789 } },
    };
    assert.deepEqual(redactSecrets(composed), {
      storage: {
        storage_options: { endpoint_url: 'http://<redacted>@h:9000', secret_access_key: '<redacted>' },
      },
    });
    assert.equal(
      redactOverride('++workload.storage.storage_options.session_token=abc'),
      '++workload.storage.storage_options.session_token=<redacted>',
    );
    assert.equal(
      redactOverride('++workload.storage.storage_options.endpoint_url=http://u:p4ss@h'),
      '++workload.storage.storage_options.endpoint_url=http://<redacted>@h',
    );
    // A '/' in a password makes the URL unparseable; the user info is still removed.
    assert.equal(redactUrl('http://u:a/b@host:9000/x'), 'http://<redacted>@host:9000/x');
  });
});

describe('workload config: input limits (issue 15)', () => {
  it('bounds counts, sizes and the dataset, naming the key and the limit', () => {
    const cases: [string, RegExp][] = [
      [
        'dataset: {num_files_train: 1e12}',
        /dataset\.num_files_train: 1000000000000 is too large; allowed: <= 2147483647/,
      ],
      [
        'dataset: {record_length_bytes: 2147483648}',
        /dataset\.record_length_bytes: .* allowed: <= 1073741824/,
      ],
      [
        'dataset: {parquet: {columns: [{name: a, size: 2147483648}]}}',
        /columns\[0\]\.size: 2147483648 is too large/,
      ],
      [
        'dataset: {parquet: {columns: [{name: a, dtype: float64, size: 268435456}]}}',
        /columns\[0\]\.size: one value of column 'a' is 2\.0 GiB; allowed: <= 1\.0 GiB/,
      ],
      [
        'dataset: {num_samples_per_file: 4096, parquet: {row_group_size: 4096, columns: [{name: a, size: 524328}]}}',
        /dataset\.parquet\.row_group_size: 4096 rows make a 8\.0 GiB chunk of column 'a'.*row_group_size <= 1023/,
      ],
      [
        'storage: {storage_type: s3, storage_root: bench-bucket}\ndataset: {num_samples_per_file: 50000, parquet: {row_group_size: 256, columns: [{name: a, size: 524328}]}}',
        /dataset\.num_samples_per_file: .*allowed on s3: <= 78\.1 GiB/,
      ],
      [
        'dataset: {num_files_train: 2000000000, num_samples_per_file: 100000, record_length_bytes: 10000, parquet: {row_group_size: 64}}',
        /dataset\.num_files_train: .*allowed: <= 1\.0 PiB per split/,
      ],
    ];
    for (const [yaml, expected] of cases) assert.match(configError(yaml).message, expected, yaml);
  });

  it('the MLPerf Storage workloads stay within every limit', () => {
    for (const f of ['dlrm_parquet.yaml', 'flux_parquet.yaml']) {
      parseWorkload(readFileSync(new URL(`../fixtures/mlperf/${f}`, import.meta.url), 'utf8'));
    }
  });

  it('an alias bomb is a config error; one anchor used hundreds of times is fine', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const k of 'bcdefgh') {
      const prev = String.fromCharCode(k.charCodeAt(0) - 1);
      levels.push(`${k}: &${k} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    assert.match(configError(levels.join('\n')).message, /alias/);
    const reuse = `reader: {batch_size: &n 2}\ndataset:\n  parquet:\n    columns:\n${Array.from(
      { length: 300 },
      (_, i) => `      - {name: c${i}, size: *n}`,
    ).join('\n')}\n`;
    assert.equal(parseWorkload(reuse).workload.dataset.parquet.columns.length, 300);
  });

  it('a document over the size limit or nested too deeply is a config error', () => {
    assert.match(configError(`reader: {}\n${'#'.repeat(LIMITS.yamlBytes)}`).message, /at most 1\.0 MiB/);
    assert.match(configError(`x: ${'['.repeat(200)}${']'.repeat(200)}`).message, /nested/);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../src/errors.ts';
import { compareKeys, describeKey, keyProblem, prefixProblem } from '../../src/storage/keys.ts';
import { LocalStorage } from '../../src/storage/local.ts';

const BAD_KEYS = [
  '',
  '../escape',
  'a/../../escape',
  '/etc/passwd',
  'a\\b',
  'a\0b',
  'a//b',
  './a',
  'a/./b',
  'dir/',
];

describe('keyProblem', () => {
  it('accepts ordinary and Hive-style keys', () => {
    for (const key of [
      'a',
      'data/train/img_0_of_8.parquet',
      'train/day=3/x.parquet',
      '.hidden',
      'a..b',
      'ü/€.bin',
    ]) {
      assert.equal(keyProblem(key), undefined, key);
    }
  });
  it('names the problem of each bad key', () => {
    for (const key of BAD_KEYS) assert.ok(keyProblem(key), JSON.stringify(key));
    assert.match(keyProblem('a/../b')!, /'\.\.'/);
    assert.match(keyProblem('a\\b')!, /backslash/);
    assert.match(keyProblem('/x')!, /absolute/);
    assert.match(keyProblem('a\0')!, /NUL/);
    assert.match(keyProblem('a//b')!, /empty segment/);
  });
});

describe('prefixProblem', () => {
  it('accepts empty, folder and mid-segment prefixes', () => {
    for (const prefix of ['', 'train/', 'train/img_', 'train/day='])
      assert.equal(prefixProblem(prefix), undefined, prefix);
  });
  it('rejects escaping or absolute prefixes', () => {
    for (const prefix of ['/', '../', 'a/../', '/abs', 'a//']) assert.ok(prefixProblem(prefix), prefix);
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes like S3, not by UTF-16 units', () => {
    // U+FF61 is 0xEF.. in UTF-8 and sorts after U+1F600 (0xF0..) in UTF-16 but before it in bytes.
    const keys = ['a/\u{1F600}', 'a/\uFF61', 'a/b', 'a-c', 'a/'];
    assert.deepEqual([...keys].sort(compareKeys), ['a-c', 'a/', 'a/b', 'a/\uFF61', 'a/\u{1F600}']);
  });
});

describe('LocalStorage key confinement', () => {
  let root = '';
  let storage: LocalStorage;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pqbench-keys-'));
    storage = new LocalStorage(path.join(root, 'inner'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('rejects bad keys in every operation with kind invalid, naming the root and key', async () => {
    const body = new Uint8Array([1, 2, 3]);
    async function* one() {
      yield body;
    }
    for (const key of BAD_KEYS) {
      const calls: [string, () => Promise<unknown>][] = [
        ['put', () => storage.put(key, body)],
        ['putStream', () => storage.putStream(key, one())],
        ['get', () => storage.get(key)],
        ['head', () => storage.head(key)],
        ['delete', () => storage.deleteMany([key])],
      ];
      for (const [op, call] of calls) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof StorageError, `${op} ${JSON.stringify(key)}: ${String(error)}`);
          assert.equal(error.kind, 'invalid');
          assert.equal(error.endpoint, storage.root);
          assert.equal(error.key, key);
          return true;
        });
      }
    }
    await assert.rejects(
      storage.list('../')[Symbol.asyncIterator]().next(),
      (e: unknown) => e instanceof StorageError && e.kind === 'invalid',
    );
    assert.deepEqual(await readdir(root), [], 'nothing was written anywhere');
  });
});

describe('describeKey', () => {
  it('puts the key inside an s3 location, before the endpoint', () => {
    assert.equal(
      describeKey('s3://pqbench/quickstart/ at http://127.0.0.1:18480', 'data/_pqbench.json'),
      's3://pqbench/quickstart/data/_pqbench.json at http://127.0.0.1:18480',
    );
    assert.equal(
      describeKey('s3://pqbench/ at aws s3 (us-east-1)', 'r1'),
      's3://pqbench/r1 at aws s3 (us-east-1)',
    );
  });

  it('joins a local root and a key with one slash', () => {
    assert.equal(describeKey('/tmp/data/', 'x/y.parquet'), '/tmp/data/x/y.parquet');
    assert.equal(describeKey('/tmp/data', 'x'), '/tmp/data/x');
  });
});

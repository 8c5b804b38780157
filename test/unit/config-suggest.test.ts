import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWorkload } from '../../src/config/load.ts';
import { workloadSchema } from '../../src/config/schema.ts';
import { closestKey, keysAt } from '../../src/config/suggest.ts';
import { ConfigError } from '../../src/errors.ts';

function messageFor(yaml: string): string {
  try {
    parseWorkload(yaml);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail(`accepted: ${yaml}`);
}

describe('unknown config keys: did you mean', () => {
  it('reads the allowed keys from the schema at any depth, through lists', () => {
    assert.ok(keysAt(workloadSchema, ['reader']).includes('batch_size'));
    assert.ok(keysAt(workloadSchema, ['dataset', 'parquet']).includes('row_group_size'));
    assert.deepEqual(keysAt(workloadSchema, ['dataset', 'parquet', 'columns', 0]).sort(), [
      'cardinality',
      'dtype',
      'name',
      'read',
      'size',
    ]);
    assert.ok(keysAt(workloadSchema, []).includes('train'));
  });

  it('suggests a key one typo or one swap away, and nothing for a word far from every key', () => {
    assert.equal(closestKey('batch_szie', ['batch_size', 'read_threads']), 'batch_size');
    assert.equal(closestKey('trian', ['train', 'reader', 'metric']), 'train');
    assert.equal(closestKey('exclude_start_step', ['exclude_start_steps', 'au']), 'exclude_start_steps');
    assert.equal(closestKey('xyz', ['batch_size', 'read_threads']), undefined);
  });

  it('names the suggestion in the error for a file, a nested key and a column', () => {
    assert.match(
      messageFor('reader: {batch_szie: 4}'),
      /reader\.batch_szie: unknown key 'batch_szie' \(did you mean 'batch_size'\?\)/,
    );
    assert.match(messageFor('trian: {epochs: 2}'), /did you mean 'train'\?/);
    assert.match(
      messageFor('dataset: {parquet: {columns: [{name: a, dtyp: int8}]}}'),
      /unknown key 'dtyp' \(did you mean 'dtype'\?\)/,
    );
    assert.match(messageFor('reader: {xyz: 1}'), /unknown key 'xyz' \(see the README config reference\)/);
  });
});

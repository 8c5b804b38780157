/**
 * A failed cloud run names its first failed child and takes the exit code of
 * that child's own error (issue 13): the parent only says
 * States.ExceedToleratedFailureThreshold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childName, executionFailure, firstChildFailure } from '../../src/cloud/failures.ts';
import { ConfigError, ExitCode, ManifestMismatchError, StorageError } from '../../src/errors.ts';

const cause = (errorType: string, errorMessage: string) =>
  JSON.stringify({ errorType, errorMessage, trace: [] });
const readerInput = (accelerators: number[]) =>
  JSON.stringify({ Items: accelerators.map((accelerator) => ({ accelerator })), BatchInput: { runId: 'r' } });

describe('failed children', () => {
  it('names readers by their accelerators and generators by their shard', () => {
    assert.equal(childName(readerInput([3])), 'reader of accelerator 3');
    assert.equal(childName(readerInput([4, 5])), 'reader of accelerators 4, 5');
    assert.equal(childName(JSON.stringify({ shard: { index: 7 } })), 'generator of shard 7');
    assert.equal(childName('not json'), 'a child execution');
  });

  it('takes the earliest failed child over aborted ones, with its error class and exit code', () => {
    const e = firstChildFailure([
      { executionArn: 'arn:c2', status: 'ABORTED', input: readerInput([0]), stopDate: new Date(1) },
      {
        executionArn: 'arn:c1',
        status: 'FAILED',
        error: 'StorageError',
        cause: cause('StorageError', 'GET: not found (endpoint s3, bucket b, key data/x.parquet)'),
        input: readerInput([1]),
        stopDate: new Date(5),
      },
      {
        executionArn: 'arn:c3',
        status: 'FAILED',
        error: 'ManifestMismatchError',
        cause: cause('ManifestMismatchError', 'later'),
        input: readerInput([2]),
        stopDate: new Date(9),
      },
    ]);
    assert.ok(e instanceof StorageError);
    assert.equal(e.exitCode, ExitCode.storage);
    assert.match(
      e.message,
      /reader of accelerator 1 failed \(StorageError\): GET: not found .*key data\/x\.parquet/,
    );
    assert.match(e.message, /2 other child executions failed too/);
    assert.match(e.message, /\[arn:c1\]/);
    const manifest = firstChildFailure([
      { executionArn: 'arn:c', status: 'FAILED', error: 'ManifestMismatchError', cause: cause('x', 'm') },
    ]);
    assert.ok(manifest instanceof ManifestMismatchError);
    assert.equal(firstChildFailure([]), undefined);
  });

  it('explains a reader that ran out of time', () => {
    const e = firstChildFailure([
      {
        executionArn: 'arn:c',
        status: 'FAILED',
        error: 'Sandbox.Timedout',
        cause: cause('Sandbox.Timedout', 'Task timed out after 900.00 seconds'),
        input: readerInput([0]),
      },
    ]);
    assert.match(
      e?.message ?? '',
      /reader of accelerator 0 failed \(Sandbox\.Timedout\): Task timed out.*timed out: an epoch/,
    );
  });

  it('falls back to the execution’s own error (a failed Plan: the ConfigError it raised)', () => {
    const e = executionFailure(
      'FAILED',
      'ConfigError',
      cause('ConfigError', 'run.accelerators: 5000 reader Lambdas …'),
    );
    assert.ok(e instanceof ConfigError);
    assert.equal(e.exitCode, ExitCode.badInput);
  });
});

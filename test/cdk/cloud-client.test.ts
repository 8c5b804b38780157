/**
 * The offline parts of `pqbench cloud`: stack outputs, execution names,
 * progress lines, failures mapped to the local exit codes, and the CLI's
 * argument checks (which must fail before any AWS call).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import {
  executionFailure,
  executionName,
  formatProgress,
  stackInfoFromOutputs,
} from '../../src/cloud/aws.ts';
import { STACK_OUTPUT } from '../../src/cloud/keys.ts';
import { cloudLines } from '../../src/cloud/report.ts';
import {
  ConfigError,
  ExitCode,
  ManifestMismatchError,
  type StorageError,
  UsageError,
} from '../../src/errors.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cloud client', () => {
  it('reads the bucket, state machine and region from the stack outputs', () => {
    const arn = 'arn:aws:states:eu-central-1:123456789012:stateMachine:StateMachine2E01A3A5-abc';
    assert.deepEqual(
      stackInfoFromOutputs('Pqbench', [
        { OutputKey: STACK_OUTPUT.bucketName, OutputValue: 'pqbench-bucket-1' },
        { OutputKey: STACK_OUTPUT.stateMachineArn, OutputValue: arn },
      ]),
      { stackName: 'Pqbench', bucket: 'pqbench-bucket-1', stateMachineArn: arn, region: 'eu-central-1' },
    );
    assert.throws(
      () => stackInfoFromOutputs('Other', []),
      (e: Error) => e instanceof UsageError && /Other has no BucketName/.test(e.message),
    );
  });

  it('derives a valid execution name from any run id', () => {
    assert.equal(executionName('20260101T000000Z-dlrm.v2-a1b2c3'), '20260101T000000Z-dlrm_v2-a1b2c3');
    assert.equal(executionName('x'.repeat(120)).length, 80);
  });

  it('prints one progress line with the map children counts', () => {
    const line = formatProgress(
      {
        status: 'RUNNING',
        state: 'Read',
        startDate: new Date(0),
        map: {
          total: 1000,
          succeeded: 400,
          running: 590,
          pending: 0,
          failed: 10,
          timedOut: 0,
          aborted: 0,
          resultsWritten: 0,
        },
      },
      new Date(95_000),
    );
    assert.equal(
      line,
      '[cloud] 1:35 RUNNING — in Read — children 400/1000 succeeded, 590 running, 0 pending, 10 failed, 0 timed out, 0 aborted',
    );
  });

  it('maps a failed execution to the error class (and exit code) the same failure has locally', () => {
    const cause = JSON.stringify({
      errorType: 'ConfigError',
      errorMessage: 'run.accelerators: 2000 readers cannot start together',
    });
    const config = executionFailure('FAILED', 'ConfigError', cause);
    assert.ok(config instanceof ConfigError);
    assert.equal(config.exitCode, ExitCode.badInput);
    assert.match(config.message, /FAILED \(ConfigError\): run\.accelerators: 2000 readers/);
    assert.ok(
      executionFailure('FAILED', 'ManifestMismatchError', '{"errorMessage":"x"}') instanceof
        ManifestMismatchError,
    );
    assert.equal(
      (executionFailure('FAILED', 'StorageError', 'denied') as StorageError).exitCode,
      ExitCode.storage,
    );
    const other = executionFailure('TIMED_OUT', 'States.Timeout', undefined);
    assert.equal(other.constructor, Error);
    assert.match(other.message, /TIMED_OUT \(States\.Timeout\)/);
  });

  it('summarises cloud.json under the table', () => {
    const body = new TextEncoder().encode(
      JSON.stringify({
        readers: 8,
        cold_starts: { readers: 8 },
        reader_init_ms: { median: 410, max: 900 },
        reader_wait_for_start_ms: { min: 21000 },
        readers_late: 0,
        start_margin_ms: 30000,
        usage: { lambdaGbSeconds: 512.25, lambdaInvocations: 12, stateTransitions: 20 },
      }),
    );
    const lines = cloudLines(body);
    assert.equal(lines.length, 3);
    assert.match(
      lines[0] ?? '',
      /cold starts 8 \(init median 410 ms, max 900 ms\) — outside the measured window/,
    );
    assert.match(lines[2] ?? '', /512\.3 GB-s over 12 invocations/);
    assert.deepEqual(cloudLines(undefined), []);
  });
});

describe('pqbench cloud arguments', () => {
  it('needs a subcommand and its argument', async () => {
    const r = await cli(['cloud']);
    assert.equal(r.code, ExitCode.badInput);
    assert.match(r.err, /pqbench cloud run <workload\.yaml> --stack <name>/);
    assert.equal((await cli(['cloud', 'launch', 'x'])).code, ExitCode.badInput);
  });

  it('asks for --stack before loading anything or calling AWS', async () => {
    const r = await cli(['cloud', 'run', 'does-not-exist.yaml']);
    assert.equal(r.code, ExitCode.badInput);
    assert.match(r.err, /--stack <name> is required/);
  });

  it('names a missing workload file', async () => {
    const r = await cli(['cloud', 'run', 'does-not-exist.yaml', '--stack', 'Pqbench']);
    assert.equal(r.code, ExitCode.badInput);
    assert.match(r.err, /does-not-exist\.yaml[\s\S]*file not found/);
  });

  it('rejects a status query that is not an execution ARN', async () => {
    const r = await cli(['cloud', 'status', 'my-run']);
    assert.equal(r.code, ExitCode.badInput);
    assert.match(r.err, /not an execution ARN/);
  });
});

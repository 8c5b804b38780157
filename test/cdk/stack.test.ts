/**
 * The synthesized template: bucket hardening and lifecycle, functions, both
 * maps in DISTRIBUTED mode with S3 item readers and result writers, IAM scoped
 * to the stack bucket's prefixes, outputs, and a clean cdk-nag AwsSolutions run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { OUTPUT } from '../../cdk/stack.ts';
import { LAMBDA_RETRY, STATE, STATE_PATH } from '../../cdk/state-machine.ts';
import { ENV } from '../../src/cloud/env.ts';
import { allStates } from '../helpers/asl-local.ts';
import { synthDefinition, synthStack, synthTemplate } from './synth.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function resources(t: Template, type: string): [string, Resource][] {
  return Object.entries(t.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
}

function only<T>(list: T[], what: string): T {
  assert.equal(list.length, 1, `expected exactly one ${what}`);
  return list[0] as T;
}

/** A policy resource rendered as text: `<Bucket.Arn>/runs/*`, `*`, … */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v.Ref) return `<Ref:${v.Ref as string}>`;
  if (v['Fn::Join']) return (v['Fn::Join'] as [string, unknown[]])[1].map(render).join('');
  return JSON.stringify(value);
}

function statementsOfRole(t: Template, rolePrefix: string): Statement[] {
  return resources(t, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(render);

describe('cdk stack template', () => {
  const t = synthTemplate();
  const [bucketId] = only(resources(t, 'AWS::S3::Bucket'), 'bucket');
  const bucketArn = `<${bucketId}.Arn>`;

  it('has one bucket: public access blocked, SSE-S3, retained, lifecycle per prefix', () => {
    t.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Prefix: 'datasets/', ExpirationInDays: 7, Status: 'Enabled' }),
            Match.objectLike({ Prefix: 'results/', ExpirationInDays: 90, Status: 'Enabled' }),
            Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 30, Status: 'Enabled' }),
            Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          ]),
        },
      },
    });
    assert.equal(resources(t, 'Custom::S3AutoDeleteObjects').length, 0);
  });

  it('takes lifecycle days and autoDeleteObjects from context (0 days = no rule)', () => {
    const t2 = synthTemplate({
      'pqbench:datasetExpirationDays': '3',
      'pqbench:resultsExpirationDays': 0,
      'pqbench:autoDeleteObjects': 'true',
    });
    const [, bucket] = only(resources(t2, 'AWS::S3::Bucket'), 'bucket');
    const rules = (
      bucket.Properties.LifecycleConfiguration as { Rules: { Prefix?: string; ExpirationInDays?: number }[] }
    ).Rules;
    assert.deepEqual(rules.find((r) => r.Prefix === 'datasets/')?.ExpirationInDays, 3);
    assert.equal(
      rules.find((r) => r.Prefix === 'results/'),
      undefined,
    );
    assert.equal(bucket.DeletionPolicy, 'Delete');
    assert.equal(resources(t2, 'Custom::S3AutoDeleteObjects').length, 1);
  });

  it('rejects a malformed context value with the key named', () => {
    assert.throws(
      () => synthTemplate({ 'pqbench:readMaxConcurrency': 'lots' }),
      /pqbench:readMaxConcurrency/,
    );
  });

  it("denies every request that is not TLS in the bucket's policy", () => {
    const [, policy] = only(resources(t, 'AWS::S3::BucketPolicy'), 'bucket policy');
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const tls = statements.find(
      (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
    );
    assert.ok(tls, 'a Deny on aws:SecureTransport=false');
    assert.deepEqual(tls.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
    assert.deepEqual(actionsOf(tls), ['s3:*']);
    assert.deepEqual(resourcesOf(tls).sort(), [bucketArn, `${bucketArn}/*`].sort());
  });

  it('has four ARM64 functions on the newest Node runtime, memory and timeout from context', () => {
    const t2 = synthTemplate({ 'pqbench:readMemoryMb': 3008, 'pqbench:readTimeoutSeconds': '600' });
    const fns = resources(t2, 'AWS::Lambda::Function');
    assert.equal(fns.length, 4);
    for (const [, fn] of fns) {
      assert.equal(fn.Properties.Runtime, 'nodejs24.x');
      assert.deepEqual(fn.Properties.Architectures, ['arm64']);
      assert.equal(fn.Properties.Handler, 'index.handler');
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      assert.deepEqual(env[ENV.bucket], { Ref: bucketId });
    }
    const read = only(
      fns.filter(([id]) => id.startsWith('ReadFunction')),
      'read function',
    )[1];
    assert.equal(read.Properties.MemorySize, 3008);
    assert.equal(read.Properties.Timeout, 600);
    const plan = only(
      fns.filter(([id]) => id.startsWith('PlanFunction')),
      'plan function',
    )[1];
    const env = (plan.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    assert.equal(env[ENV.startMarginMs], '30000');
    assert.equal(env[ENV.readMaxConcurrency], '1000');
    assert.equal(env[ENV.readTimeoutMs], '600000', 'the plan knows how long a reader invocation may run');
    const readId = only(
      fns.filter(([id]) => id.startsWith('ReadFunction')),
      'read function',
    )[0];
    assert.deepEqual(env[ENV.readFunctionName], { Ref: readId });
    assert.equal(read.Properties.ReservedConcurrentExecutions, undefined, 'no reservation unless asked');
    const reserved = resources(
      synthTemplate({ 'pqbench:readReservedConcurrency': 2000 }),
      'AWS::Lambda::Function',
    );
    assert.equal(
      reserved.find(([id]) => id.startsWith('ReadFunction'))?.[1].Properties.ReservedConcurrentExecutions,
      2000,
    );
  });

  it('runs Plan → Generate → [Warm up] → Schedule → Read (DISTRIBUTED maps) → Aggregate', () => {
    const def = synthDefinition(t);
    assert.equal(def.StartAt, STATE.plan);
    const states = def.States;
    for (const [mapName, itemsKeyPath, task] of [
      [STATE.generateMap, STATE_PATH.generateItemsKey, STATE.generateTask],
      [STATE.warmupMap, STATE_PATH.readItemsKey, STATE.warmupTask],
      [STATE.readMap, STATE_PATH.readItemsKey, STATE.readTask],
    ] as const) {
      const map = states[mapName] as Record<string, never>;
      assert.equal(map.Type, 'Map');
      assert.deepEqual((map.ItemProcessor as { ProcessorConfig: unknown }).ProcessorConfig, {
        Mode: 'DISTRIBUTED',
        ExecutionType: 'STANDARD',
      });
      assert.deepEqual(map.ItemReader, {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: `<Ref:${bucketId}>`, 'Key.$': itemsKeyPath },
      });
      assert.deepEqual(map.ResultWriter, {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: `<Ref:${bucketId}>`, Prefix: 'runs/map-results' },
      });
      assert.equal(map.ResultPath, null, 'the collected results are discarded from the state');
      assert.equal(map.MaxConcurrency, 1000);
      // 0 (the default) is left out of the ASL, and means no child may fail.
      assert.equal(map.ToleratedFailurePercentage ?? 0, 0);
      const taskState = allStates({ States: states })[task] as Record<string, unknown> | undefined;
      assert.ok(taskState, `${task} runs inside ${mapName}`);
      assert.equal(taskState.Parameters, undefined, `${task} passes its item (or batch) as the event`);
      // Throttles are retried spread out (full jitter), with a capped delay; no other retry.
      assert.deepEqual(taskState.Retry, [
        {
          ErrorEquals: [...LAMBDA_RETRY.errors],
          IntervalSeconds: 1,
          MaxAttempts: LAMBDA_RETRY.maxAttempts,
          BackoffRate: 2,
          MaxDelaySeconds: LAMBDA_RETRY.maxDelaySeconds,
          JitterStrategy: 'FULL',
        },
      ]);
    }
    assert.equal(states[STATE.plan]?.Next, STATE.generateChoice);
    assert.deepEqual(
      (states[STATE.plan]?.Parameters as Record<string, string> | undefined)?.['read.$'],
      '$.read',
    );
    assert.equal(states[STATE.generateMap]?.Next, STATE.trainChoice);
    assert.equal(states[STATE.warmupMap]?.Next, STATE.schedule);
    assert.equal(states[STATE.warmupChoice]?.Default, STATE.schedule);
    assert.equal(states[STATE.schedule]?.Next, STATE.readMap);
    assert.equal(states[STATE.readMap]?.Next, STATE.aggregate);
    // Readers: ranksPerHost accelerators per Lambda, everything shared in the batch input.
    for (const [mapName, warmup] of [
      [STATE.readMap, false],
      [STATE.warmupMap, true],
    ] as const) {
      const batcher = states[mapName]?.ItemBatcher as {
        MaxItemsPerBatchPath: string;
        BatchInput: Record<string, unknown>;
      };
      assert.equal(batcher.MaxItemsPerBatchPath, STATE_PATH.ranksPerHost);
      assert.equal(batcher.BatchInput['config.$'], '$.plan.config', 'the config travels inline');
      assert.equal(batcher.BatchInput.warmup, warmup);
    }
    const batchInput =
      (states[STATE.readMap]?.ItemBatcher as { BatchInput: Record<string, string> } | undefined)
        ?.BatchInput ?? {};
    assert.equal(batchInput['startAt.$'], '$.schedule.startAt', 'every reader gets the one common start');
    // A reader loops until its accelerators are done: task → done? → continue (its next event) → task.
    const inner = states[STATE.readMap]?.ItemProcessor as {
      StartAt: string;
      States: Record<string, Record<string, unknown>>;
    };
    assert.equal(inner.StartAt, STATE.readTask);
    assert.equal(inner.States[STATE.readTask]?.Next, STATE.readDoneChoice);
    assert.deepEqual(inner.States[STATE.readDoneChoice]?.Choices, [
      { Variable: '$.done', BooleanEquals: true, Next: STATE.readFinished },
    ]);
    assert.equal(inner.States[STATE.readDoneChoice]?.Default, STATE.readContinue);
    assert.deepEqual(inner.States[STATE.readContinue], {
      Type: 'Pass',
      InputPath: '$.next',
      Next: STATE.readTask,
    });
    const generate = states[STATE.generateMap]?.ItemSelector as Record<string, string>;
    assert.equal(generate['config.$'], '$.plan.config');
  });

  it('takes map concurrency and tolerated failures from context', () => {
    const def = synthDefinition(
      synthTemplate({
        'pqbench:readMaxConcurrency': 10000,
        'pqbench:generateMaxConcurrency': 50,
        'pqbench:toleratedFailurePercentage': 5,
      }),
    );
    assert.equal(def.States[STATE.readMap]?.MaxConcurrency, 10000);
    assert.equal(def.States[STATE.generateMap]?.MaxConcurrency, 50);
    assert.equal(def.States[STATE.readMap]?.ToleratedFailurePercentage, 5);
  });

  it("scopes each function's S3 access to its own prefixes of the stack bucket", () => {
    const readFunctionId = only(
      resources(t, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('ReadFunction')),
      'read function',
    )[0];
    const expected: Record<string, Record<string, string[]>> = {
      PlanFunction: {
        's3:GetObject': [`${bucketArn}/runs/*`, `${bucketArn}/datasets/*_pqbench.json`],
        's3:PutObject': [`${bucketArn}/runs/*`, `${bucketArn}/datasets/*_pqbench.json`],
        's3:DeleteObject': [`${bucketArn}/datasets/*_pqbench.json`],
        's3:ListBucket': [bucketArn],
        // The account's Lambda concurrency (no resource-level permissions) and the readers' reservation.
        'lambda:GetAccountSettings': ['*'],
        'lambda:GetFunctionConcurrency': [`<${readFunctionId}.Arn>`],
      },
      GenerateFunction: {
        's3:GetObject': [`${bucketArn}/runs/*`, `${bucketArn}/datasets/*`],
        's3:PutObject': [`${bucketArn}/runs/*`, `${bucketArn}/datasets/*`],
        's3:ListBucket': [bucketArn],
      },
      ReadFunction: {
        's3:GetObject': [`${bucketArn}/runs/*`, `${bucketArn}/datasets/*`],
        's3:PutObject': [`${bucketArn}/runs/*`],
        's3:ListBucket': [bucketArn],
      },
      AggregateFunction: {
        's3:GetObject': [`${bucketArn}/runs/*`],
        's3:PutObject': [`${bucketArn}/results/*`],
        's3:ListBucket': [bucketArn],
      },
    };
    for (const [fn, wanted] of Object.entries(expected)) {
      const statements = statementsOfRole(t, `${fn}ServiceRole`);
      const granted: Record<string, Set<string>> = {};
      for (const s of statements) {
        assert.equal(s.Effect, 'Allow');
        for (const action of actionsOf(s)) {
          assert.match(
            action,
            fn === 'PlanFunction' ? /^(s3|lambda):/ : /^s3:/,
            `${fn} has only S3 permissions (logs come from the basic execution role)`,
          );
          const set = granted[action] ?? new Set<string>();
          for (const r of resourcesOf(s)) set.add(r);
          granted[action] = set;
        }
      }
      for (const [action, list] of Object.entries(wanted)) {
        assert.deepEqual([...(granted[action] ?? [])].sort(), [...list].sort(), `${fn} ${action}`);
      }
      const extra = Object.keys(granted).filter((a) => !(a in wanted) && a !== 's3:AbortMultipartUpload');
      assert.deepEqual(extra, [], `${fn} has no other actions`);
    }
  });

  it("limits the state machine role's S3 access to runs/ (item readers, result writers)", () => {
    const s3Statements = statementsOfRole(t, 'StateMachineRole').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:')),
    );
    assert.ok(s3Statements.length > 0);
    for (const s of s3Statements) assert.deepEqual(resourcesOf(s), [`${bucketArn}/runs/*`]);
    const invoke = statementsOfRole(t, 'StateMachineRole').filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );
    const targets = invoke.flatMap(resourcesOf);
    assert.ok(
      targets.length > 0 &&
        targets.every((r) => /^<(Plan|Generate|Read|Aggregate)Function[A-Z0-9]+\.Arn>(:\*)?$/.test(r)),
    );
  });

  it('grants user-owned dataset buckets like datasets/: general purpose and S3 Express directory buckets', () => {
    const t2 = synthTemplate({ 'pqbench:dataBuckets': 'team-data, bench--use1-az4--x-s3' });
    const grants = (fn: string) =>
      statementsOfRole(t2, `${fn}ServiceRole`).flatMap((s) =>
        actionsOf(s).flatMap((a) =>
          resourcesOf(s).map((r) => `${a} ${r}${s.Condition ? ` ${JSON.stringify(s.Condition)}` : ''}`),
        ),
      );
    const team = 'arn:<Ref:AWS::Partition>:s3:::team-data';
    const express =
      'arn:<Ref:AWS::Partition>:s3express:<Ref:AWS::Region>:<Ref:AWS::AccountId>:bucket/bench--use1-az4--x-s3';
    const plan = grants('PlanFunction');
    for (const g of [
      `s3:GetObject ${team}/*_pqbench.json`,
      `s3:PutObject ${team}/*_pqbench.json`,
      `s3:DeleteObject ${team}/*_pqbench.json`,
      `s3:ListBucket ${team}`,
      `s3express:CreateSession ${express}`,
    ]) {
      assert.ok(plan.includes(g), `plan: ${g}`);
    }
    assert.ok(!plan.includes(`s3:PutObject ${team}/*`), 'the plan writes manifests only');
    const generate = grants('GenerateFunction');
    assert.ok(generate.includes(`s3:PutObject ${team}/*`));
    assert.ok(generate.includes(`s3express:CreateSession ${express}`));
    const read = grants('ReadFunction');
    assert.ok(read.includes(`s3:GetObject ${team}/*`));
    assert.ok(!read.some((g) => g.startsWith(`s3:PutObject ${team}`)), 'readers never write the dataset');
    assert.ok(
      read.includes(
        `s3express:CreateSession ${express} {"StringEquals":{"s3express:SessionMode":"ReadOnly"}}`,
      ),
    );
    assert.throws(
      () => synthTemplate({ 'pqbench:dataBuckets': 'Bad_Bucket' }),
      /pqbench:dataBuckets.*Bad_Bucket/,
    );
  });

  it('outputs the bucket name and the state machine ARN', () => {
    t.hasOutput(OUTPUT.bucketName, { Value: { Ref: bucketId } });
    const [smId] = only(resources(t, 'AWS::StepFunctions::StateMachine'), 'state machine');
    t.hasOutput(OUTPUT.stateMachineArn, { Value: { Ref: smId } });
  });

  it('passes cdk-nag AwsSolutions with every remaining finding acknowledged', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'pqbench-nag-'));
    try {
      const { app } = synthStack(
        { 'pqbench:dataBuckets': 'team-data,bench--use1-az4--x-s3' },
        { nag: true, outdir },
      );
      assert.doesNotThrow(() => app.synth());
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('cdk-nag is live: an unacknowledged finding fails the synth', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'pqbench-nag-'));
    try {
      const { app, stack } = synthStack({}, { nag: true, outdir });
      new s3.Bucket(stack, 'PlainBucket');
      assert.throws(() => app.synth(), /Validation failed/);
      const report = readFileSync(join(outdir, 'validation-report.json'), 'utf8');
      assert.match(report, /PlainBucket/);
      assert.doesNotMatch(report, /PqbenchTest\/Bucket\//, 'the stack bucket itself has no open finding');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

/**
 * What the plan step refuses and how far ahead it starts the readers
 * (issue 13): Lambda concurrency (GetAccountSettings, stubbed here), the
 * stack's map concurrency, an epoch longer than one invocation; the start
 * margin from Lambda's documented scaling rate (1,000 environments per 10 s).
 * The plan step itself runs with a local bucket and a stubbed account.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixedAccountConcurrency } from '../../src/cloud/account.ts';
import {
  epochComputeMs,
  epochFitIssues,
  invocationsPerReader,
  readerCapacityIssues,
  readerCount,
  startMarginMs,
} from '../../src/cloud/capacity.ts';
import { DEFAULT_READ_OPTIONS } from '../../src/cloud/events.ts';
import type { StepContext } from '../../src/cloud/handler.ts';
import { runKeys } from '../../src/cloud/keys.ts';
import { planCloudRun } from '../../src/cloud/plan.ts';
import { RequestTally } from '../../src/cloud/runtime.ts';
import { planStep } from '../../src/cloud/steps/plan.ts';
import { defaultWorkload, workloadToYaml } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { ConfigError } from '../../src/errors.ts';
import { openStorage } from '../../src/storage/open.ts';

/** What the Lambda wrapper hands a step, with a local bucket and a stubbed account of 1,000. */
function stepContext(control: StepContext['control']): StepContext {
  return {
    facts: {
      coldStart: true,
      initMs: 1,
      moduleLoadToHandlerMs: 1,
      handlerStartAt: Date.now(),
      memoryMb: 1024,
      host: 'h',
    },
    env: {},
    control,
    controlRequests: new RequestTally(),
    remainingMs: () => null,
    accountConcurrency: fixedAccountConcurrency(1000, 'stub'),
  };
}

const limits = {
  generateMaxConcurrency: 1000,
  readMaxConcurrency: 10_000,
  generateBytesPerShard: 2 ** 31,
  readTimeoutMs: 900_000,
};

describe('start margin from the Lambda scaling rate', () => {
  it('adds 10 s per further 1,000 readers: 10,000 readers start at least 90 s ahead', () => {
    assert.equal(startMarginMs(1, 30_000), 30_000);
    assert.equal(startMarginMs(1000, 30_000), 30_000);
    assert.equal(startMarginMs(1001, 30_000), 40_000);
    assert.ok(startMarginMs(10_000, 0) >= 90_000);
    assert.equal(startMarginMs(10_000, 30_000), 120_000);
  });

  it('is what the schedule step uses: 10,000 readers start at least 90 s after it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pqbench-schedule-'));
    const control = openStorage({
      storage_type: 'local_fs',
      storage_root: dir,
      storage_options: {},
    } as never);
    try {
      const w = defaultWorkload([
        'run.accelerators=10000',
        'dataset.num_files_train=100',
        'workflow.generate_data=false',
        'storage.storage_type=local_fs',
        `storage.storage_root=${dir}`,
      ]);
      const keys = runKeys('r1');
      const text = workloadToYaml(w);
      await control.put(keys.config, new TextEncoder().encode(text));
      const planned = planCloudRun(resolveRun(w), 'r1', limits, DEFAULT_READ_OPTIONS, null);
      const lambda = { durationMs: 1, memoryMb: 1024, initMs: 0, requests: {} };
      const plan = {
        ...planned.lists,
        force: false,
        manifestCurrent: false,
        config: text,
        capacity: planned.capacity,
        notices: [],
        lambda,
      };
      const ctx = stepContext(control);
      const before = Date.now();
      const out = (await planStep(
        { action: 'schedule', runId: 'r1', configKey: keys.config, plan },
        ctx,
      )) as {
        startAt: number;
        marginMs: number;
      };
      assert.equal(out.marginMs, 30_000 + 90_000, 'the base margin (no env: 30 s) + 9 scaling windows');
      assert.ok(out.startAt - before >= 90_000);
    } finally {
      await control.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('counts reader Lambdas, not accelerators, when several share a Lambda', () => {
    assert.equal(readerCount(10_000, 1), 10_000);
    assert.equal(readerCount(10_000, 8), 1250);
    assert.equal(readerCount(0, 8), 0);
    assert.equal(startMarginMs(readerCount(10_000, 8), 30_000), 30_000 + 10_000);
  });
});

describe('the plan refuses what the account cannot host', () => {
  it('refuses 5,000 readers against an account concurrency of 1,000, saying what to change', async () => {
    const account = await fixedAccountConcurrency(1000, 'stub')();
    const issues = readerCapacityIssues({
      accelerators: 5000,
      ranksPerHost: 1,
      stackMaxConcurrency: 10_000,
      account,
    });
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, 'run.accelerators');
    assert.match(issues[0]?.message ?? '', /5000 reader Lambdas .* need 5000 concurrent Lambda executions/);
    assert.match(issues[0]?.message ?? '', /--ranks-per-host 5\b/);
    assert.match(issues[0]?.message ?? '', /lower run\.accelerators to 1000/);
    assert.match(issues[0]?.message ?? '', /Service Quotas/);
    // Five accelerators per Lambda fit.
    assert.deepEqual(
      readerCapacityIssues({ accelerators: 5000, ranksPerHost: 5, stackMaxConcurrency: 10_000, account }),
      [],
    );
    // A reservation on the read function is what the readers get, whatever the pool.
    const reserved = { ...account, unreservedConcurrentExecutions: 100_000, readerReserved: 2000 };
    assert.match(
      readerCapacityIssues({
        accelerators: 5000,
        ranksPerHost: 1,
        stackMaxConcurrency: 10_000,
        account: reserved,
      })[0]?.message ?? '',
      /reserved concurrency is 2000/,
    );
  });

  it('refuses through the plan step, with the stubbed account (no AWS call)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pqbench-plan-'));
    const control = openStorage({
      storage_type: 'local_fs',
      storage_root: dir,
      storage_options: {},
    } as never);
    try {
      const w = defaultWorkload([
        'run.accelerators=5000',
        'dataset.num_files_train=50',
        'workflow.generate_data=false',
      ]);
      const keys = runKeys('r1');
      await control.put(keys.config, new TextEncoder().encode(workloadToYaml(w)));
      const ctx: StepContext = {
        facts: {
          coldStart: true,
          initMs: 1,
          moduleLoadToHandlerMs: 1,
          handlerStartAt: Date.now(),
          memoryMb: 1024,
          host: 'h',
        },
        env: {},
        control,
        controlRequests: new RequestTally(),
        remainingMs: () => null,
        accountConcurrency: fixedAccountConcurrency(1000, 'stub'),
      };
      const event = {
        action: 'plan' as const,
        runId: 'r1',
        configKey: keys.config,
        force: false,
        read: DEFAULT_READ_OPTIONS,
      };
      await assert.rejects(planStep(event, ctx), (e: Error) => {
        assert.ok(e instanceof ConfigError);
        // The stack's default map concurrency (1,000) and the account's both refuse it.
        assert.match(e.message, /cannot start together: the stack's read map runs at most 1000/);
        assert.match(e.message, /1000 unreserved concurrent executions \(of 1000\) \(stub\)/);
        return true;
      });
      // With five accelerators per reader Lambda the same run is planned.
      await planStep({ ...event, read: { ...DEFAULT_READ_OPTIONS, ranksPerHost: 5 } }, ctx);
    } finally {
      await control.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an epoch longer than one reader invocation; longer runs need several invocations', () => {
    // 64 files × 64 samples over 1 accelerator at batch 4: 1024 steps × 1 s = 1024 s per epoch.
    const long = resolveRun(
      defaultWorkload([
        'dataset.num_files_train=64',
        'dataset.num_samples_per_file=64',
        'reader.batch_size=4',
        'train.computation_time=1',
        'train.epochs=3',
      ]),
    );
    assert.equal(epochComputeMs(long), 1024_000);
    const issues = epochFitIssues(long, 900_000);
    assert.equal(issues[0]?.path, 'train.computation_time');
    assert.match(issues[0]?.message ?? '', /1024\.0 s \(1024 steps × 1000\.0 ms\).*900\.0 s timeout/);
    assert.throws(() => planCloudRun(long, 'r1', limits, DEFAULT_READ_OPTIONS, null), ConfigError);
    // 0.5 s per step: 512 s per epoch, one epoch per 900 s invocation, 3 invocations.
    const fits = resolveRun(
      defaultWorkload([
        'dataset.num_files_train=64',
        'dataset.num_samples_per_file=64',
        'reader.batch_size=4',
        'train.computation_time=0.5',
        'train.epochs=3',
      ]),
    );
    assert.deepEqual(epochFitIssues(fits, 900_000), []);
    assert.equal(invocationsPerReader(fits, 900_000), 3);
    const planned = planCloudRun(fits, 'r1', limits, DEFAULT_READ_OPTIONS, null);
    assert.equal(planned.capacity.invocationsPerReader, 3);
    assert.equal(planned.capacity.epochComputeMs, 512_000);
  });
});

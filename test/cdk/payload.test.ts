/**
 * A 10,000-accelerator run stays within Step Functions' 256 KiB payload limit
 * at every step of the *synthesized* definition: the state is walked with the
 * definition's own Parameters, ItemSelectors, ItemBatcher and ResultPaths,
 * fed with the real plan output (the config inline), and every inline payload
 * is measured, for the largest reader batch (64 accelerators per Lambda) and
 * a continued reader's next event. The work lists, the only parts that grow
 * with the run, must come through the S3 item readers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATE } from '../../cdk/state-machine.ts';
import { startMarginMs } from '../../src/cloud/capacity.ts';
import type { ReadOutput } from '../../src/cloud/events.ts';
import { MAX_RANKS_PER_HOST, type PlanOutput, type ScheduleOutput } from '../../src/cloud/events.ts';
import { payloadBytes, runKeys, STATE_PAYLOAD_LIMIT_BYTES } from '../../src/cloud/keys.ts';
import { planCloudRun, scheduleReadStart } from '../../src/cloud/plan.ts';
import { defaultWorkload, workloadToYaml } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { applyPayloadTemplate, type Json, localItemReader, readPath } from '../helpers/asl-local.ts';
import { synthDefinition, synthTemplate } from './synth.ts';

const ACCELERATORS = 10_000;

function setAt(state: Json, resultPath: string, value: Json): Json {
  const key = resultPath.replace(/^\$\./, '');
  assert.ok(/^[A-Za-z]+$/.test(key), `simple ResultPath ${resultPath}`);
  return { ...(state as Record<string, Json>), [key]: value };
}

describe('payload limits for 10,000 accelerators', () => {
  const def = synthDefinition(synthTemplate({ 'pqbench:readMaxConcurrency': ACCELERATORS }));
  const states = def.States as Record<string, Record<string, Json>>;
  const w = defaultWorkload([
    `run.accelerators=${ACCELERATORS}`,
    'dataset.num_files_train=200000',
    'dataset.num_samples_per_file=64',
    'workflow.generate_data=true',
    'workflow.train=true',
  ]);
  const runId = '20260101-000000-abcd';
  const limits = {
    generateMaxConcurrency: 1000,
    readMaxConcurrency: ACCELERATORS,
    generateBytesPerShard: 2 * 1024 ** 3,
    readTimeoutMs: 900_000,
  };
  const read = { ranksPerHost: MAX_RANKS_PER_HOST, warmup: true, invocationBudgetMs: null };
  const planned = planCloudRun(resolveRun(w), runId, limits, read, null);
  const lambda = { durationMs: 1234.5, memoryMb: 1769, initMs: 512.25, requests: { GET: 3, PUT: 2 } };
  const planOutput: PlanOutput = {
    ...planned.lists,
    force: false,
    manifestCurrent: false,
    config: workloadToYaml(w),
    capacity: planned.capacity,
    notices: [],
    lambda,
  };
  const scheduleOutput: ScheduleOutput = {
    ...scheduleReadStart(Date.now(), startMarginMs(planned.lists.read.readers, 30_000)),
    randomSeed: 2 ** 47 - 1,
    manifestWritten: true,
    notices: [],
    lambda,
  };
  const input: Json = {
    runId,
    configKey: runKeys(runId).config,
    force: false,
    prices: {},
    read: read as unknown as Json,
  };
  const limit = STATE_PAYLOAD_LIMIT_BYTES;

  it('plans one item per accelerator, readers by batch, and generator shards over all files', () => {
    assert.equal(planned.readItems.length, ACCELERATORS);
    assert.equal(planned.lists.read.readers, Math.ceil(ACCELERATORS / MAX_RANKS_PER_HOST));
    assert.equal(planned.generateItems.length, 1000);
    assert.equal(
      planned.generateItems.reduce((n, s) => n + s.ranges.reduce((m, r) => m + r.end - r.start, 0), 0),
      200_000,
    );
  });

  it('keeps every state and every task payload far below 256 KiB', async () => {
    const plan = states[STATE.plan] as Record<string, Json>;
    assert.ok(payloadBytes(applyPayloadTemplate(plan.Parameters as Json, input)) < 1024);
    const afterPlan = setAt(input, String(plan.ResultPath), planOutput as unknown as Json);
    assert.ok(payloadBytes(afterPlan) < 8192, `state after Plan: ${payloadBytes(afterPlan)} bytes`);

    const schedule = states[STATE.schedule] as Record<string, Json>;
    assert.ok(payloadBytes(applyPayloadTemplate(schedule.Parameters as Json, afterPlan)) < 8192);
    const afterSchedule = setAt(afterPlan, String(schedule.ResultPath), scheduleOutput as unknown as Json);
    assert.ok(payloadBytes(afterSchedule) < 8192);

    const generate = states[STATE.generateMap] as Record<string, Json>;
    const largestShard = [...planned.generateItems].sort((a, b) => payloadBytes(b) - payloadBytes(a))[0];
    const shardInput = applyPayloadTemplate(generate.ItemSelector as Json, afterSchedule, {
      Map: { Item: { Value: largestShard as unknown as Json, Index: 0 } },
    });
    assert.ok(payloadBytes(shardInput) < 8192, `generate child input ${payloadBytes(shardInput)} bytes`);

    // A reader child: the largest batch, as the ItemBatcher builds it ({Items, BatchInput}).
    for (const mapName of [STATE.readMap, STATE.warmupMap]) {
      const batcher = (states[mapName] as { ItemBatcher: { BatchInput: Json } }).ItemBatcher;
      const batches = (await localItemReader(async () => planned.readItems as unknown as Json)({
        Bucket: 'b',
        Key: 'k',
        MaxItemsPerBatch: Number(readPath('$.plan.read.ranksPerHost', afterSchedule)),
      })) as Json[];
      const child = {
        Items: batches[0] as Json,
        BatchInput: applyPayloadTemplate(batcher.BatchInput, afterSchedule),
      };
      assert.equal((child.Items as Json[]).length, MAX_RANKS_PER_HOST);
      assert.ok(payloadBytes(child) < 16_384, `${mapName} child input ${payloadBytes(child)} bytes`);
      assert.equal(
        (states[mapName] as Record<string, Json>).ResultPath,
        null,
        `${mapName}: results never enter the state`,
      );
    }

    const aggregate = states[STATE.aggregate] as Record<string, Json>;
    assert.ok(payloadBytes(applyPayloadTemplate(aggregate.Parameters as Json, afterSchedule)) < 16_384);
  });

  it('reads the work lists from the keys the plan wrote, through S3', () => {
    const afterPlan = setAt(input, '$.plan', planOutput as unknown as Json);
    for (const [mapName, key] of [
      [STATE.generateMap, planOutput.generate.itemsKey],
      [STATE.readMap, planOutput.read.itemsKey],
      [STATE.warmupMap, planOutput.read.itemsKey],
    ] as const) {
      const reader = (states[mapName] as Record<string, Json>).ItemReader as {
        Parameters: Record<string, string>;
      };
      assert.equal(readPath(reader.Parameters['Key.$'] as string, afterPlan), key);
    }
    // What would not fit inline: the read work list alone plus the rest of the state,
    // and the collected child results, which the result writer sends to S3.
    const readOutput: ReadOutput = {
      done: false,
      accelerators: [9999],
      segment: 0,
      epochsDone: 1,
      samples: 123456,
      next: null,
    };
    assert.ok(
      payloadBytes(planned.readItems) + payloadBytes(planned.generateItems) > limit,
      'the work lists together exceed the inline limit',
    );
    assert.ok(
      ACCELERATORS * payloadBytes(readOutput) > limit,
      'the collected reader results exceed the inline limit',
    );
    assert.ok(
      payloadBytes({ ...planOutput, config: null }) < 2048,
      'the plan output carries keys, not lists',
    );
  });

  it('refuses more readers than the stack lets start together, saying what to change', () => {
    const big = defaultWorkload([`run.accelerators=${ACCELERATORS + 1}`]);
    assert.throws(
      () =>
        planCloudRun(
          resolveRun(big),
          runId,
          limits,
          { ranksPerHost: 1, warmup: false, invocationBudgetMs: null },
          null,
        ),
      /run\.accelerators.*10001 reader Lambdas.*cannot start together.*--ranks-per-host 2.*readMaxConcurrency/,
    );
  });
});

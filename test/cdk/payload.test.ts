/**
 * A 10,000-accelerator run stays within Step Functions' 256 KiB payload limit
 * at every step of the *synthesized* definition: the state is walked with the
 * definition's own Parameters, ItemSelectors and ResultPaths, fed with the
 * real plan output, and every inline payload is measured. The work lists, the
 * only parts that grow with the run, must come through the S3 item readers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATE } from '../../cdk/state-machine.ts';
import type { PlanOutput, ScheduleOutput } from '../../src/cloud/events.ts';
import { payloadBytes, runKeys, STATE_PAYLOAD_LIMIT_BYTES } from '../../src/cloud/keys.ts';
import { planCloudRun, scheduleReadStart } from '../../src/cloud/plan.ts';
import type { ReadOutput } from '../../src/cloud/steps/read.ts';
import { defaultWorkload } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { applyPayloadTemplate, type Json, readPath } from '../helpers/asl-local.ts';
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
  const planned = planCloudRun(resolveRun(w), runId, {
    generateMaxConcurrency: 1000,
    readMaxConcurrency: ACCELERATORS,
    generateBytesPerShard: 2 * 1024 ** 3,
  });
  const lambda = { durationMs: 1234.5, memoryMb: 1769 };
  const planOutput: PlanOutput = { ...planned.lists, force: false, manifestCurrent: false, lambda };
  const scheduleOutput: ScheduleOutput = {
    ...scheduleReadStart(Date.now(), 30_000),
    randomSeed: 2 ** 47 - 1,
    manifestWritten: true,
    notices: [],
    lambda,
  };
  const input: Json = { runId, configKey: runKeys(runId).config, force: false, prices: {} };
  const limit = STATE_PAYLOAD_LIMIT_BYTES;

  it('plans one reader per accelerator and generator shards over all files', () => {
    assert.equal(planned.readItems.length, ACCELERATORS);
    assert.equal(planned.generateItems.length, 1000);
    assert.equal(
      planned.generateItems.reduce((n, s) => n + s.ranges.reduce((m, r) => m + r.end - r.start, 0), 0),
      200_000,
    );
  });

  it('keeps every state and every task payload far below 256 KiB', () => {
    const plan = states[STATE.plan] as Record<string, Json>;
    assert.ok(payloadBytes(applyPayloadTemplate(plan.Parameters as Json, input)) < 1024);
    const afterPlan = setAt(input, String(plan.ResultPath), planOutput as unknown as Json);
    assert.ok(payloadBytes(afterPlan) < 4096, `state after Plan: ${payloadBytes(afterPlan)} bytes`);

    const schedule = states[STATE.schedule] as Record<string, Json>;
    assert.ok(payloadBytes(applyPayloadTemplate(schedule.Parameters as Json, afterPlan)) < 4096);
    const afterSchedule = setAt(afterPlan, String(schedule.ResultPath), scheduleOutput as unknown as Json);
    assert.ok(payloadBytes(afterSchedule) < 4096);

    for (const [mapName, items] of [
      [STATE.generateMap, planned.generateItems],
      [STATE.readMap, planned.readItems],
    ] as const) {
      const map = states[mapName] as Record<string, Json>;
      // Each child's input, as ItemSelector builds it, for the largest item.
      const largest = [...items].sort((a, b) => payloadBytes(b) - payloadBytes(a))[0] as unknown as Json;
      const child = applyPayloadTemplate(map.ItemSelector as Json, afterSchedule, {
        Map: { Item: { Value: largest, Index: 0 } },
      });
      assert.ok(payloadBytes(child) < 1024, `${mapName} child input ${payloadBytes(child)} bytes`);
      assert.equal(map.ResultPath, null, `${mapName}: collected results never enter the state`);
    }

    const aggregate = states[STATE.aggregate] as Record<string, Json>;
    assert.ok(payloadBytes(applyPayloadTemplate(aggregate.Parameters as Json, afterSchedule)) < 8192);
  });

  it('reads the work lists from the keys the plan wrote, through S3', () => {
    const afterPlan = setAt(input, '$.plan', planOutput as unknown as Json);
    for (const [mapName, key] of [
      [STATE.generateMap, planOutput.generate.itemsKey],
      [STATE.readMap, planOutput.read.itemsKey],
    ] as const) {
      const reader = (states[mapName] as Record<string, Json>).ItemReader as {
        Parameters: Record<string, string>;
      };
      assert.equal(readPath(reader.Parameters['Key.$'] as string, afterPlan), key);
    }
    // What would not fit inline: the read work list alone plus the rest of the state,
    // and the collected child results, which the result writer sends to S3.
    const readOutput: ReadOutput = {
      accelerator: 9999,
      partialKey: runKeys(runId).readPartial(9999),
      samples: 123456,
      lateMs: 12,
    };
    assert.ok(
      payloadBytes(planned.readItems) + payloadBytes(planned.generateItems) > limit,
      'the work lists together exceed the inline limit',
    );
    assert.ok(
      ACCELERATORS * payloadBytes(readOutput) > limit,
      'the collected reader results exceed the inline limit',
    );
    assert.ok(payloadBytes(planOutput) < 1024, 'the plan output carries keys, not lists');
  });

  it('refuses more accelerators than the stack lets start together', () => {
    const big = defaultWorkload([`run.accelerators=${ACCELERATORS + 1}`]);
    assert.throws(
      () =>
        planCloudRun(resolveRun(big), runId, {
          generateMaxConcurrency: 1000,
          readMaxConcurrency: ACCELERATORS,
          generateBytesPerShard: 1e9,
        }),
      /run\.accelerators.*10001 readers cannot start together.*readMaxConcurrency/,
    );
  });
});

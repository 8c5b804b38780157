/**
 * The Plan Lambda's two actions, on either side of the generate map:
 * - `plan`: checks the dataset manifest (stale → deleted before any object is
 *   replaced, as a local generate does), writes both work lists to the bucket
 *   and returns their keys and sizes;
 * - `schedule`: after generation, records the manifest (the same protocol as
 *   a local run), rejects a dataset that does not match the workload before
 *   thousands of readers start, draws the run's random seed, and picks the
 *   common start time of the readers.
 */
import {
  checkDatasetManifest,
  prepareManifestForGenerate,
  recordManifestAfterGenerate,
} from '../../dataset/manifest.ts';
import { openStorage } from '../../storage/open.ts';
import { ENV, numberEnv } from '../env.ts';
import type { PlanEvent, PlanOutput, ScheduleOutput } from '../events.ts';
import type { StepContext } from '../handler.ts';
import { runKeys } from '../keys.ts';
import { planCloudRun, scheduleReadStart } from '../plan.ts';
import { invocationCost, loadRun, writeJson } from '../runtime.ts';

type PlanAction = Extract<PlanEvent, { action: 'plan' }>;
type ScheduleAction = Extract<PlanEvent, { action: 'schedule' }>;

export function planStep(event: PlanEvent, ctx: StepContext): Promise<PlanOutput | ScheduleOutput> {
  return event.action === 'plan' ? plan(event, ctx) : schedule(event, ctx);
}

async function plan(event: PlanAction, { facts, env, control }: StepContext): Promise<PlanOutput> {
  const { plan: run } = await loadRun(control, event.configKey);
  let manifestCurrent = false;
  if (run.workflow.generateData) {
    const data = openStorage(run.storage);
    try {
      manifestCurrent = await prepareManifestForGenerate(run.dataset, data, event.force);
    } finally {
      await data.close();
    }
  }
  const planned = planCloudRun(run, event.runId, {
    generateMaxConcurrency: numberEnv(ENV.generateMaxConcurrency, 1000, env),
    readMaxConcurrency: numberEnv(ENV.readMaxConcurrency, 1000, env),
    generateBytesPerShard: numberEnv(ENV.generateBytesPerShard, 2 * 1024 ** 3, env),
  });
  const keys = runKeys(event.runId);
  await writeJson(control, keys.generateItems, planned.generateItems);
  await writeJson(control, keys.readItems, planned.readItems);
  return { ...planned.lists, force: event.force, manifestCurrent, lambda: invocationCost(facts) };
}

async function schedule(
  event: ScheduleAction,
  { facts, env, control }: StepContext,
): Promise<ScheduleOutput> {
  // The run's random seed is drawn here, once, and travels to every reader.
  const { plan: run } = await loadRun(control, event.configKey);
  const data = openStorage(run.storage);
  let manifestWritten = false;
  const notices: string[] = [];
  try {
    if (event.plan.generate.count > 0) {
      manifestWritten = await recordManifestAfterGenerate(run.dataset, data, event.plan.manifestCurrent);
    }
    notices.push(...(await checkDatasetManifest(run.dataset, data)));
  } finally {
    await data.close();
  }
  return {
    ...scheduleReadStart(Date.now(), numberEnv(ENV.startMarginMs, 30_000, env)),
    randomSeed: run.training.shuffle.randomSeed,
    manifestWritten,
    notices,
    lambda: invocationCost(facts),
  };
}

/**
 * Plan Lambda, two actions on either side of the generate map:
 * - `plan`: checks the dataset manifest (stale → deleted before any object is
 *   replaced, as a local generate does), writes both work lists to the bucket
 *   and returns their keys and sizes;
 * - `schedule`: after generation, records the manifest, rejects a dataset
 *   that does not match the workload before thousands of readers start, draws
 *   the run's random seed, and picks the common start time of the readers.
 */

import type { z } from 'zod';
import {
  buildManifest,
  checkDatasetManifest,
  prepareManifestForGenerate,
  writeManifest,
} from '../src/dataset/manifest.ts';
import { planCloudRun, runKeys, scheduleReadStart } from '../src/exec/cloud-plan.ts';
import { openStorage } from '../src/storage/open.ts';
import { drawRandomSeed } from '../src/train/schedule.ts';
import { ENV, numberEnv } from './env.ts';
import {
  type PlanEvent,
  parseEvent,
  planEventSchema,
  type planOutputSchema,
  type scheduleOutputSchema,
} from './events.ts';
import { beginInvocation, controlStorage, invocationCost, loadRunWorkload, writeJson } from './runtime.ts';

const moduleLoadedAt = Date.now();

export type PlanOutput = z.output<typeof planOutputSchema>;
export type ScheduleOutput = z.output<typeof scheduleOutputSchema>;

async function plan(
  event: Extract<PlanEvent, { action: 'plan' }>,
  env: NodeJS.ProcessEnv,
): Promise<PlanOutput> {
  const facts = beginInvocation(moduleLoadedAt, env);
  const control = controlStorage(env);
  const w = await loadRunWorkload(control, event.configKey);
  const force = event.force;
  let manifestCurrent = false;
  if (w.workflow.generate_data) {
    const data = openStorage(w.storage);
    try {
      manifestCurrent = await prepareManifestForGenerate(w, data, force);
    } finally {
      await data.close();
    }
  }
  const planned = planCloudRun(w, event.runId, {
    generateMaxConcurrency: numberEnv(ENV.generateMaxConcurrency, 1000, env),
    readMaxConcurrency: numberEnv(ENV.readMaxConcurrency, 1000, env),
    generateBytesPerShard: numberEnv(ENV.generateBytesPerShard, 2 * 1024 ** 3, env),
  });
  const keys = runKeys(event.runId);
  await writeJson(control, keys.generateItems, planned.generateItems);
  await writeJson(control, keys.readItems, planned.readItems);
  return { ...planned.output, force, manifestCurrent, lambda: invocationCost(facts) };
}

async function schedule(
  event: Extract<PlanEvent, { action: 'schedule' }>,
  env: NodeJS.ProcessEnv,
): Promise<ScheduleOutput> {
  const facts = beginInvocation(moduleLoadedAt, env);
  const control = controlStorage(env);
  const w = await loadRunWorkload(control, event.configKey);
  const data = openStorage(w.storage);
  let manifestWritten = false;
  const notices: string[] = [];
  try {
    if (event.plan.generate.count > 0 && !event.plan.manifestCurrent) {
      await writeManifest(data, w, buildManifest(w));
      manifestWritten = true;
    }
    notices.push(...(await checkDatasetManifest(w, data)));
  } finally {
    await data.close();
  }
  const needsRandom = w.reader.file_shuffle === 'random' || w.reader.sample_shuffle === 'random';
  const start = scheduleReadStart(Date.now(), numberEnv(ENV.startMarginMs, 30_000, env));
  return {
    ...start,
    randomSeed: needsRandom ? drawRandomSeed() : null,
    manifestWritten,
    notices,
    lambda: invocationCost(facts),
  };
}

export async function handler(event: unknown): Promise<PlanOutput | ScheduleOutput> {
  const e = parseEvent(planEventSchema, event, 'plan');
  return e.action === 'plan' ? plan(e, process.env) : schedule(e, process.env);
}

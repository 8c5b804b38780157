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
import type { Workload } from '../src/config/types.ts';
import { ManifestMismatchError } from '../src/errors.ts';
import { planCloudRun, runKeys, scheduleReadStart } from '../src/exec/cloud-plan.ts';
import { manifestKey } from '../src/generate/layout.ts';
import {
  assertManifestMatches,
  buildManifest,
  compareManifest,
  readManifest,
  writeManifest,
} from '../src/generate/manifest.ts';
import { openStorage } from '../src/storage/open.ts';
import type { Storage } from '../src/storage/types.ts';
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

/**
 * Same protocol as a local generate (src/generate/run.ts): a manifest that does
 * not describe this config is deleted before any object is replaced.
 */
async function checkManifest(w: Workload, storage: Storage, force: boolean): Promise<boolean> {
  let matches = false;
  try {
    const existing = await readManifest(storage, w);
    if (existing === undefined) return false;
    matches = compareManifest(existing, w).length === 0;
  } catch (e) {
    if (!(e instanceof ManifestMismatchError)) throw e;
  }
  if (!matches || force) await storage.deleteMany([manifestKey(w)]);
  return matches && !force;
}

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
      manifestCurrent = await checkManifest(w, data, force);
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
    // As a local run does (src/train/run.ts): a mismatch stops the run, no manifest is a foreign dataset.
    const where = `${data.location}/${manifestKey(w)}`;
    const manifest = await readManifest(data, w);
    if (manifest !== undefined) assertManifestMatches(manifest, w, where);
    else {
      notices.push(
        `no pqbench manifest at ${where}: reading the dataset as a foreign one (its schema is still checked against the config file by file)`,
      );
    }
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

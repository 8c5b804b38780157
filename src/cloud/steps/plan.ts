/**
 * The Plan Lambda's two actions, on either side of the generate map:
 * - `plan`: checks that the account can host the run (Lambda concurrency
 *   from GetAccountSettings, the stack's map concurrency, an epoch within one
 *   reader invocation) and refuses it, saying what to change, if not; checks
 *   the dataset manifest (stale → deleted before any object is replaced, as a
 *   local generate does); writes both work lists to the bucket and returns
 *   their keys and sizes and the run's config, which travels inline to every
 *   child (thousands of readers GETting one object at once is a 503 storm);
 * - `schedule`: after generation, records the manifest (the same protocol as
 *   a local run), rejects a dataset that does not match the workload before
 *   thousands of readers start, draws the run's random seed, and picks the
 *   common start time of the readers: far enough ahead for Lambda to scale to
 *   the reader count (1,000 environments per 10 s).
 */
import {
  checkDatasetManifest,
  prepareManifestForGenerate,
  recordManifestAfterGenerate,
} from '../../dataset/manifest.ts';
import { openStorage } from '../../storage/open.ts';
import type { AccountConcurrency } from '../capacity.ts';
import { startMarginMs } from '../capacity.ts';
import { ENV, numberEnv } from '../env.ts';
import type { PlanEvent, PlanOutput, ScheduleOutput } from '../events.ts';
import type { StepContext } from '../handler.ts';
import { runKeys } from '../keys.ts';
import { planCloudRun, scheduleReadStart } from '../plan.ts';
import { invocationCost, loadRun, writeJson } from '../runtime.ts';

type PlanAction = Extract<PlanEvent, { action: 'plan' }>;
type ScheduleAction = Extract<PlanEvent, { action: 'schedule' }>;

/** Larger configs are not passed inline: children GET them (state payloads are capped at 256 KiB). */
export const INLINE_CONFIG_LIMIT_BYTES = 32 * 1024;

export function planStep(event: PlanEvent, ctx: StepContext): Promise<PlanOutput | ScheduleOutput> {
  return event.action === 'plan' ? plan(event, ctx) : schedule(event, ctx);
}

/** The account's concurrency, or null and a notice when Lambda could not be asked. */
async function askAccount(ctx: StepContext, notices: string[]): Promise<AccountConcurrency | null> {
  try {
    return await ctx.accountConcurrency();
  } catch (e) {
    notices.push(
      `notice: the account's Lambda concurrency could not be read (${(e as Error).name}: ${(e as Error).message}); the run was not checked against it`,
    );
    return null;
  }
}

async function plan(event: PlanAction, ctx: StepContext): Promise<PlanOutput> {
  const { facts, env, control, controlRequests } = ctx;
  const { plan: run, text } = await loadRun(control, event.configKey);
  const notices: string[] = [];
  const account = run.workflow.train ? await askAccount(ctx, notices) : null;
  const planned = planCloudRun(
    run,
    event.runId,
    {
      generateMaxConcurrency: numberEnv(ENV.generateMaxConcurrency, 1000, env),
      readMaxConcurrency: numberEnv(ENV.readMaxConcurrency, 1000, env),
      generateBytesPerShard: numberEnv(ENV.generateBytesPerShard, 2 * 1024 ** 3, env),
      readTimeoutMs: numberEnv(ENV.readTimeoutMs, 900_000, env),
    },
    event.read,
    account,
  );
  let manifestCurrent = false;
  if (run.workflow.generateData) {
    const data = controlRequests.wrap(openStorage(run.storage));
    try {
      manifestCurrent = await prepareManifestForGenerate(run.dataset, data, event.force);
    } finally {
      await data.close();
    }
  }
  const keys = runKeys(event.runId);
  await writeJson(control, keys.generateItems, planned.generateItems);
  await writeJson(control, keys.readItems, planned.readItems);
  const inline = Buffer.byteLength(text, 'utf8') <= INLINE_CONFIG_LIMIT_BYTES;
  if (!inline)
    notices.push('notice: the config is too large to travel inline: every child reads it from the bucket');
  return {
    ...planned.lists,
    force: event.force,
    manifestCurrent,
    config: inline ? text : null,
    capacity: planned.capacity,
    notices,
    lambda: invocationCost(facts, controlRequests),
  };
}

async function schedule(event: ScheduleAction, ctx: StepContext): Promise<ScheduleOutput> {
  const { facts, env, control, controlRequests } = ctx;
  // The run's random seed is drawn here, once, and travels to every reader.
  const { plan: run } = await loadRun(control, { configKey: event.configKey, config: event.plan.config });
  const data = controlRequests.wrap(openStorage(run.storage));
  let manifestWritten = false;
  const notices: string[] = [...event.plan.notices];
  try {
    if (event.plan.generate.count > 0) {
      manifestWritten = await recordManifestAfterGenerate(run.dataset, data, event.plan.manifestCurrent);
    }
    notices.push(...(await checkDatasetManifest(run.dataset, data)));
  } finally {
    await data.close();
  }
  const margin = startMarginMs(event.plan.read.readers, numberEnv(ENV.startMarginMs, 30_000, env));
  return {
    ...scheduleReadStart(Date.now(), margin),
    randomSeed: run.training.shuffle.randomSeed,
    manifestWritten,
    notices,
    lambda: invocationCost(facts, controlRequests),
  };
}

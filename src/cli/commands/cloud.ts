/**
 * `pqbench cloud run|status|results`: the same workload and the same results
 * as a local run, executed by the deployed stack (cdk/). See src/cloud/aws.ts
 * for the AWS calls and src/cloud/backend.ts for how tests run this command
 * against the state machine executed locally.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CloudResults,
  type ExecutionProgress,
  fetchResults,
  formatProgress,
  uploadRunConfig,
  waitForExecution,
} from '../../cloud/aws.ts';
import { type CloudBackend, cloudBackend } from '../../cloud/backend.ts';
import { DEFAULT_READ_OPTIONS, MAX_RANKS_PER_HOST, type ReadOptions } from '../../cloud/events.ts';
import { executionFailure, firstChildFailure } from '../../cloud/failures.ts';
import { ARM64_LAMBDA_GB_SECOND_USD, cloudWorkload } from '../../cloud/plan.ts';
import { cloudLines } from '../../cloud/report.ts';
import { loadWorkload } from '../../config/index.ts';
import { UsageError } from '../../errors.ts';
import { S3_EXPRESS_ONE_ZONE_PRICES } from '../../metrics/cost.ts';
import { makeRunId, RESULT_FILES } from '../../metrics/results.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadPrices, printNotices, printRunSummary, report } from '../flags.ts';

/** Saves a run's results into `dir` and prints them: its notices not yet `printed` (stderr), the table or --json. */
async function saveAndPrint(
  ctx: CommandContext,
  results: CloudResults,
  dir: string,
  printed: Set<string> = new Set(),
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of results.files) await writeFile(join(dir, f.name), f.body);
  printNotices(ctx, results.summary.notices, printed);
  const body = (name: string) => results.files.find((f) => f.name === name)?.body;
  const summary = body(RESULT_FILES.summary);
  const summaryJson = summary ? new TextDecoder().decode(summary) : JSON.stringify(results.summary, null, 2);
  printRunSummary(ctx, results.summary, summaryJson, dir, cloudLines(body('cloud.json')));
}

function stringFlag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value; usage: ${ctx.usage}`);
  return v;
}

function numberFlag(
  ctx: CommandContext,
  name: string,
  min: number,
  max: number,
  integer: boolean,
): number | undefined {
  const v = stringFlag(ctx, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${name} ${v}: expected ${integer ? 'a whole number' : 'a number'} in ${min}..${max}`,
    );
  }
  return n;
}

function requireStack(ctx: CommandContext): string {
  const stack = stringFlag(ctx, 'stack');
  if (!stack)
    throw new UsageError(
      `--stack <name> is required (the CDK stack, default name Pqbench); usage: ${ctx.usage}`,
    );
  return stack;
}

/** How the readers run: `--ranks-per-host`, `--warmup`, `--invocation-budget`. */
function readOptions(ctx: CommandContext): ReadOptions {
  const budget = numberFlag(ctx, 'invocation-budget', 0.001, 900, false);
  return {
    ranksPerHost:
      numberFlag(ctx, 'ranks-per-host', 1, MAX_RANKS_PER_HOST, true) ?? DEFAULT_READ_OPTIONS.ranksPerHost,
    warmup: ctx.values.warmup === true,
    invocationBudgetMs: budget === undefined ? null : Math.max(1, Math.round(budget * 1000)),
  };
}

/** A failed execution as the error of its first failed child (reader or generator), else its own. */
async function failureOf(
  ctx: CommandContext,
  backend: CloudBackend,
  arn: string,
  p: ExecutionProgress,
): Promise<Error> {
  try {
    const child = firstChildFailure(await backend.failedChildren(arn));
    if (child) return child;
  } catch (e) {
    ctx.stderr(`warning: could not list the failed child executions: ${(e as Error).message}`);
  }
  return executionFailure(p.status, p.error, p.cause);
}

async function run(ctx: CommandContext, path: string): Promise<void> {
  const backend = cloudBackend();
  const stackName = requireStack(ctx);
  const userPrices = (await loadPrices(ctx.values.prices)) ?? {};
  const read = readOptions(ctx);
  const { workload: local, notices } = await loadWorkload(path, ctx.overrides);
  const stack = await backend.describeStack(stackName, stringFlag(ctx, 'region'));
  const cloud = cloudWorkload(
    local,
    { bucket: stack.bucket, region: stack.region, endpointUrl: stack.endpointUrl },
    stringFlag(ctx, 'bucket'),
  );
  const { workload } = cloud;
  // The stack's functions are arm64; an S3 Express bucket has its own prices; a user's --prices wins.
  const prices = {
    lambda_gb_second: ARM64_LAMBDA_GB_SECOND_USD,
    ...(cloud.directoryBucket ? S3_EXPRESS_ONE_ZONE_PRICES : {}),
    ...userPrices,
  };
  // Config notices are plain sentences (src/config/dlio.ts); the cloud's carry their own label.
  const printed = new Set<string>();
  printNotices(ctx, notices, printed);
  for (const n of cloud.notices) ctx.stderr(n);
  const runId = makeRunId(workload);
  const storage = backend.stackStorage(stack);
  try {
    const configKey = await uploadRunConfig(storage, runId, workload);
    const force = ctx.values.force === true;
    const executionArn = await backend.startExecution(stack, { runId, configKey, force, prices, read });
    ctx.stderr(`run ${runId}: execution ${executionArn}`);
    if (ctx.values.detach === true) {
      ctx.stdout(executionArn);
      ctx.stderr(`follow with: pqbench cloud status ${executionArn}`);
      ctx.stderr(`results with: pqbench cloud results ${runId} --stack ${stack.stackName}`);
      return;
    }
    let last = '';
    const final = await waitForExecution(
      backend.describeProgress,
      executionArn,
      (p) => {
        const line = formatProgress(p);
        if (line !== last) ctx.stderr(line);
        last = line;
      },
      { intervalMs: backend.pollIntervalMs },
    );
    if (final.status !== 'SUCCEEDED') throw await failureOf(ctx, backend, executionArn, final);
    if (!workload.workflow.train) {
      report(ctx)(
        `run ${runId}: dataset generated in s3://${workload.storage.storage_root} (workflow.train is false: no results)`,
      );
      return;
    }
    await saveAndPrint(ctx, await fetchResults(storage, runId), join(local.output.folder, runId), printed);
  } finally {
    await storage.close();
  }
}

async function status(ctx: CommandContext, executionArn: string): Promise<void> {
  if (!executionArn.startsWith('arn:'))
    throw new UsageError(`'${executionArn}' is not an execution ARN; usage: ${ctx.usage}`);
  const backend = cloudBackend();
  const p = await backend.describeProgress(executionArn);
  ctx.stdout(formatProgress(p));
  if (p.status === 'SUCCEEDED' || p.status === 'RUNNING') return;
  ctx.stdout(`error: ${(await failureOf(ctx, backend, executionArn, p)).message}`);
}

async function results(ctx: CommandContext, runId: string): Promise<void> {
  const backend = cloudBackend();
  const stack = await backend.describeStack(requireStack(ctx), stringFlag(ctx, 'region'));
  const storage = backend.stackStorage(stack);
  try {
    const fetched = await fetchResults(storage, runId);
    await saveAndPrint(ctx, fetched, join(stringFlag(ctx, 'output') ?? 'results', runId));
  } finally {
    await storage.close();
  }
}

/** main.ts runs `cloud run x` as positionals ['run', 'x'], the flags of that subcommand only. */
export const command: CliCommand = {
  async run(ctx) {
    const [sub, arg, ...extra] = ctx.positionals;
    if (!sub || !arg || extra.length > 0) throw new UsageError(`usage: ${ctx.usage}`);
    if (sub === 'run') return run(ctx, arg);
    if (sub === 'status') return status(ctx, arg);
    if (sub === 'results') return results(ctx, arg);
    throw new UsageError(`unknown cloud subcommand '${sub}' (run, status, results)`);
  },
};

/**
 * `pqbench cloud run|status|results`: the same workload and the same results
 * as a local run, executed by the deployed stack (cdk/). See src/exec/cloud.ts
 * for the AWS calls.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CloudResults,
  describeProgress,
  describeStack,
  fetchResults,
  formatProgress,
  stackStorage,
  startExecution,
  uploadRunConfig,
  waitForExecution,
} from '../../cloud/aws.ts';
import { ARM64_LAMBDA_GB_SECOND_USD, cloudWorkload } from '../../cloud/plan.ts';
import { cloudLines } from '../../cloud/report.ts';
import { loadWorkload } from '../../config/index.ts';
import { UsageError } from '../../errors.ts';
import { makeRunId } from '../../metrics/results.ts';
import { renderSummaryTable } from '../../metrics/table.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadPrices } from '../flags.ts';

const USAGE = `pqbench cloud run <workload.yaml> --stack <name> [--region R] [--set key.path=value …] [--force] [--prices prices.json] [--detach]
pqbench cloud status <execution-arn>
pqbench cloud results <run-id> --stack <name> [--region R] [--output DIR]`;

async function saveAndPrint(ctx: CommandContext, results: CloudResults, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of results.files) await writeFile(join(dir, f.name), f.body);
  for (const line of renderSummaryTable(results.summary, dir)) ctx.stdout(line);
  for (const line of cloudLines(results.files.find((f) => f.name === 'cloud.json')?.body)) ctx.stdout(line);
}

function stringFlag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value\nusage: ${USAGE}`);
  return v;
}

function requireStack(ctx: CommandContext): string {
  const stack = stringFlag(ctx, 'stack');
  if (!stack)
    throw new UsageError(`--stack <name> is required (the CDK stack, default name Pqbench)\nusage: ${USAGE}`);
  return stack;
}

async function run(ctx: CommandContext, path: string): Promise<void> {
  const stackName = requireStack(ctx);
  // The stack's functions are arm64; a user's --prices still wins.
  const prices = {
    lambda_gb_second: ARM64_LAMBDA_GB_SECOND_USD,
    ...((await loadPrices(ctx.values.prices)) ?? {}),
  };
  const { workload: local, notices } = await loadWorkload(path, ctx.overrides);
  const stack = await describeStack(stackName, stringFlag(ctx, 'region'));
  const { workload, notices: cloudNotices } = cloudWorkload(local, {
    bucket: stack.bucket,
    region: stack.region,
  });
  for (const n of [...notices, ...cloudNotices]) ctx.stderr(n);
  const runId = makeRunId(workload);
  const storage = stackStorage(stack);
  try {
    const configKey = await uploadRunConfig(storage, runId, workload);
    const executionArn = await startExecution(stack, {
      runId,
      configKey,
      force: ctx.values.force === true,
      prices,
    });
    ctx.stderr(`run ${runId}: execution ${executionArn}`);
    if (ctx.values.detach === true) {
      ctx.stdout(executionArn);
      ctx.stderr(`follow with: pqbench cloud status ${executionArn}`);
      ctx.stderr(`results with: pqbench cloud results ${runId} --stack ${stack.stackName}`);
      return;
    }
    let last = '';
    await waitForExecution(executionArn, (p) => {
      const line = formatProgress(p);
      if (line !== last) ctx.stderr(line);
      last = line;
    });
    if (!workload.workflow.train) {
      ctx.stdout(
        `run ${runId}: dataset generated in s3://${stack.bucket}/datasets (workflow.train is false: no results)`,
      );
      return;
    }
    await saveAndPrint(ctx, await fetchResults(storage, runId), join(local.output.folder, runId));
  } finally {
    await storage.close();
  }
}

async function status(ctx: CommandContext, executionArn: string): Promise<void> {
  if (!executionArn.startsWith('arn:'))
    throw new UsageError(`'${executionArn}' is not an execution ARN\nusage: ${USAGE}`);
  const p = await describeProgress(executionArn);
  ctx.stdout(formatProgress(p));
  if (p.error || p.cause) ctx.stdout(`error: ${p.error ?? ''} ${p.cause ?? ''}`.trim());
}

async function results(ctx: CommandContext, runId: string): Promise<void> {
  const stack = await describeStack(requireStack(ctx), stringFlag(ctx, 'region'));
  const storage = stackStorage(stack);
  try {
    const fetched = await fetchResults(storage, runId);
    await saveAndPrint(ctx, fetched, join(stringFlag(ctx, 'output') ?? 'results', runId));
  } finally {
    await storage.close();
  }
}

export const command: CliCommand = {
  name: 'cloud',
  summary:
    'Run a workload on the deployed AWS stack (Lambda + Step Functions Distributed Map), follow an execution, or fetch a run’s results.',
  usage: USAGE,
  options: {
    stack: { type: 'string' },
    region: { type: 'string' },
    force: { type: 'boolean' },
    prices: { type: 'string' },
    detach: { type: 'boolean' },
    output: { type: 'string' },
  },
  async run(ctx) {
    const [sub, arg, ...extra] = ctx.positionals;
    if (!sub || !arg || extra.length > 0) throw new UsageError(`usage:\n${USAGE}`);
    if (sub === 'run') return run(ctx, arg);
    if (sub === 'status') return status(ctx, arg);
    if (sub === 'results') return results(ctx, arg);
    throw new UsageError(`unknown cloud subcommand '${sub}' (run, status, results)\nusage:\n${USAGE}`);
  },
};

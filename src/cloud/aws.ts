/**
 * The client side of a cloud run: find the stack's bucket and state machine,
 * upload the resolved config, start and watch the execution, fetch results.
 * AWS calls go through the SDK's default credential chain; nothing here ever
 * prints a credential. Pure helpers (output parsing, names, progress text,
 * failure mapping) are exported for tests.
 */
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  type MapRunItemCounts,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { workloadToYaml } from '../config/load.ts';
import type { Workload } from '../config/types.ts';
import { StorageError, UsageError } from '../errors.ts';
import type { EpochStats, RunSummaryJson } from '../metrics/summary.ts';
import { openStorage } from '../storage/open.ts';
import type { Storage } from '../storage/types.ts';
import { awsRequestHandler } from './account.ts';
import type { ExecutionInput } from './events.ts';
import type { ChildFailure } from './failures.ts';
import { resultKeys, runKeys, STACK_OUTPUT } from './keys.ts';

export { executionFailure } from './failures.ts';

export interface StackInfo {
  stackName: string;
  bucket: string;
  stateMachineArn: string;
  /** From the state machine ARN: where the bucket and functions live. */
  region: string;
  /** Only for an S3-compatible test server (the offline tests); absent on AWS. */
  endpointUrl?: string;
}

export function stackInfoFromOutputs(stackName: string, outputs: Output[]): StackInfo {
  const get = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  const bucket = get(STACK_OUTPUT.bucketName);
  const stateMachineArn = get(STACK_OUTPUT.stateMachineArn);
  if (!bucket || !stateMachineArn) {
    throw new UsageError(
      `stack ${stackName} has no ${STACK_OUTPUT.bucketName} / ${STACK_OUTPUT.stateMachineArn} outputs: is it a pqbench stack (npx cdk deploy)?`,
    );
  }
  const region = stateMachineArn.split(':')[3];
  if (!region) throw new UsageError(`stack ${stackName}: cannot read the region from ${stateMachineArn}`);
  return { stackName, bucket, stateMachineArn, region };
}

/** An AWS SDK failure as a typed error: auth and network problems are named as such. */
export function awsCallError(e: unknown, service: string, what: string): Error {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? 'Error';
  const endpoint = `${service} (AWS)`;
  // The SDK found no region in --region, AWS_REGION / AWS_DEFAULT_REGION or the profile: a setting, not storage.
  if (err.message === 'Region is missing') {
    return new UsageError(
      `no AWS region for ${service}: pass --region <region> (e.g. --region us-east-1), or set AWS_REGION, or a region in the AWS profile (~/.aws/config)`,
    );
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(err.message ?? '')) {
    return new StorageError(
      { kind: 'auth', endpoint, operation: what },
      'no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
    );
  }
  if (
    [
      'AccessDenied',
      'AccessDeniedException',
      'UnrecognizedClientException',
      'ExpiredToken',
      'ExpiredTokenException',
    ].includes(name)
  ) {
    return new StorageError({ kind: 'auth', endpoint, operation: what, code: name });
  }
  if (
    ['ENOTFOUND', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'TimeoutError'].includes(
      (e as { code?: string }).code ?? name,
    )
  ) {
    return new StorageError({
      kind: 'network',
      endpoint,
      operation: what,
      code: (e as { code?: string }).code ?? name,
    });
  }
  return new StorageError(
    { kind: 'other', endpoint, operation: what, code: name, status: err.$metadata?.httpStatusCode },
    err.message,
  );
}

export async function describeStack(stackName: string, region?: string): Promise<StackInfo> {
  const cfn = new CloudFormationClient({
    ...(region ? { region } : {}),
    requestHandler: awsRequestHandler(),
  });
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new UsageError(`stack ${stackName} not found`);
    return stackInfoFromOutputs(stackName, stack.Outputs ?? []);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as { name?: string }).name === 'ValidationError') {
      throw new UsageError(
        `stack ${stackName} not found in ${await cfn.config.region()} (deploy it with npx cdk deploy, or pass --region)`,
      );
    }
    throw awsCallError(e, 'cloudformation', 'DescribeStacks');
  } finally {
    cfn.destroy();
  }
}

/** The stack bucket as a `Storage` (uploads, results). */
export function stackStorage(stack: Pick<StackInfo, 'bucket' | 'region'>): Storage {
  return openStorage({
    storage_type: 's3',
    storage_root: stack.bucket,
    storage_options: {
      region: stack.region,
      s3_force_path_style: false,
      s3_max_attempts: 5,
      checksums: 'when_required',
      max_sockets: 16,
      request_timeout_seconds: 60,
    },
  });
}

/** Execution names: 1-80 of A-Z a-z 0-9 - _ ; the run id with anything else replaced. */
export function executionName(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
}

/** Uploads the resolved workload the Lambdas will parse; returns its key. */
export async function uploadRunConfig(storage: Storage, runId: string, w: Workload): Promise<string> {
  const key = runKeys(runId).config;
  await storage.put(key, new TextEncoder().encode(workloadToYaml(w)));
  return key;
}

const sfnClient = (region: string | undefined) =>
  new SFNClient({ ...(region ? { region } : {}), requestHandler: awsRequestHandler() });

export async function startExecution(stack: StackInfo, input: ExecutionInput): Promise<string> {
  const sfn = sfnClient(stack.region);
  try {
    const out = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArn,
        name: executionName(input.runId),
        input: JSON.stringify(input),
      }),
    );
    if (!out.executionArn) throw new Error('StartExecution returned no execution ARN');
    return out.executionArn;
  } catch (e) {
    throw awsCallError(e, 'states', 'StartExecution');
  } finally {
    sfn.destroy();
  }
}

export interface MapProgress {
  counts: MapRunItemCounts;
}

export interface ExecutionProgress {
  status: string;
  /** The state most recently entered in the parent execution. */
  state?: string;
  /** The newest Distributed Map run's child counts. */
  map?: MapRunItemCounts;
  startDate?: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
  output?: string;
}

/** One line for the terminal. */
export function formatProgress(p: ExecutionProgress, now: Date = new Date()): string {
  const elapsed = p.startDate
    ? Math.round(((p.stopDate ?? now).getTime() - p.startDate.getTime()) / 1000)
    : 0;
  const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}`;
  const parts = [`[cloud] ${clock} ${p.status}`];
  if (p.state) parts.push(`in ${p.state}`);
  const m = p.map;
  if (m && (m.total ?? 0) > 0) {
    parts.push(
      `children ${m.succeeded ?? 0}/${m.total} succeeded, ${m.running ?? 0} running, ${m.pending ?? 0} pending` +
        ((m.failed ?? 0) + (m.timedOut ?? 0) + (m.aborted ?? 0) > 0
          ? `, ${m.failed ?? 0} failed, ${m.timedOut ?? 0} timed out, ${m.aborted ?? 0} aborted`
          : ''),
    );
  }
  return parts.join(' — ');
}

export async function describeProgress(executionArn: string): Promise<ExecutionProgress> {
  const sfn = sfnClient(executionArn.split(':')[3]);
  try {
    const ex: DescribeExecutionCommandOutput = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const progress: ExecutionProgress = {
      status: ex.status ?? 'UNKNOWN',
      startDate: ex.startDate,
      stopDate: ex.stopDate,
      error: ex.error,
      cause: ex.cause,
      output: ex.output,
    };
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 25 }),
    );
    progress.state = history.events?.find(
      (e) => e.stateEnteredEventDetails?.name,
    )?.stateEnteredEventDetails?.name;
    const runs = await sfn.send(new ListMapRunsCommand({ executionArn, maxResults: 10 }));
    const newest = [...(runs.mapRuns ?? [])].sort(
      (a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0),
    )[0];
    if (newest?.mapRunArn) {
      const mapRun = await sfn.send(new DescribeMapRunCommand({ mapRunArn: newest.mapRunArn }));
      progress.map = mapRun.itemCounts;
    }
    return progress;
  } catch (e) {
    if ((e as { name?: string }).name === 'ExecutionDoesNotExist')
      throw new UsageError(`no execution ${executionArn}`);
    throw awsCallError(e, 'states', 'DescribeExecution');
  } finally {
    sfn.destroy();
  }
}

export const TERMINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** Polls until the execution ends; reports each change; returns its final state. */
export async function waitForExecution(
  describe: (executionArn: string) => Promise<ExecutionProgress>,
  executionArn: string,
  onProgress: (p: ExecutionProgress) => void,
  options: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<ExecutionProgress> {
  const interval = options.intervalMs ?? 5000;
  for (;;) {
    options.signal?.throwIfAborted();
    const p = await describe(executionArn);
    onProgress(p);
    if (TERMINAL_STATUSES.includes(p.status)) return p;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Pages of failed children read per map run (1,000 each): enough to find the first failure. */
const FAILED_CHILD_PAGES = 5;

async function failedChildrenOf(sfn: SFNClient, mapRunArn: string): Promise<ChildFailure[]> {
  const listed: { executionArn: string; status: string; stopDate?: Date }[] = [];
  for (const statusFilter of ['FAILED', 'TIMED_OUT', 'ABORTED'] as ExecutionStatus[]) {
    let nextToken: string | undefined;
    for (let page = 0; page < FAILED_CHILD_PAGES; page++) {
      const out = await sfn.send(
        new ListExecutionsCommand({ mapRunArn, statusFilter, maxResults: 1000, nextToken }),
      );
      for (const e of out.executions ?? []) {
        if (e.executionArn)
          listed.push({
            executionArn: e.executionArn,
            status: e.status ?? statusFilter,
            stopDate: e.stopDate,
          });
      }
      nextToken = out.nextToken;
      if (!nextToken) break;
    }
  }
  listed.sort((a, b) => (a.stopDate?.getTime() ?? 0) - (b.stopDate?.getTime() ?? 0));
  // The earliest few are described (error, cause, input); the rest only counted.
  const described = await Promise.all(
    listed.slice(0, 3).map(async (c) => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: c.executionArn }));
      return { ...c, error: d.error, cause: d.cause, input: d.input };
    }),
  );
  return [...described, ...listed.slice(3)];
}

/**
 * The failed, timed-out and aborted children of every map run of an execution
 * (ListMapRuns → ListExecutions(mapRunArn, statusFilter) → DescribeExecution).
 */
export async function listFailedChildren(executionArn: string): Promise<ChildFailure[]> {
  const sfn = sfnClient(executionArn.split(':')[3]);
  try {
    const runs = await sfn.send(new ListMapRunsCommand({ executionArn, maxResults: 100 }));
    const out: ChildFailure[] = [];
    for (const run of runs.mapRuns ?? []) {
      if (run.mapRunArn) out.push(...(await failedChildrenOf(sfn, run.mapRunArn)));
    }
    return out;
  } catch (e) {
    throw awsCallError(e, 'states', 'ListExecutions');
  } finally {
    sfn.destroy();
  }
}

export interface CloudResults {
  summary: RunSummaryJson;
  perEpoch: EpochStats[];
  /** The raw files, by name, to store locally exactly as the bucket holds them. */
  files: { name: string; body: Uint8Array }[];
}

/** summary.json, per_epoch_stats.json, epoch_stats.json, config.yaml and cloud.json of a run. */
export async function fetchResults(storage: Storage, runId: string): Promise<CloudResults> {
  const keys = resultKeys(runId);
  const files: { name: string; body: Uint8Array }[] = [];
  const optional = new Set([keys.timeseries]);
  for (const key of [
    keys.summary,
    keys.perEpochStats,
    keys.epochStats,
    keys.config,
    keys.cloud,
    keys.timeseries,
  ]) {
    try {
      files.push({ name: key.slice(keys.prefix.length), body: (await storage.get(key)).body });
    } catch (e) {
      if (e instanceof StorageError && e.kind === 'not_found' && optional.has(key)) continue;
      if (e instanceof StorageError && e.kind === 'not_found') {
        throw new UsageError(
          `run ${runId} has no ${key.slice(keys.prefix.length)} in ${storage.location} (not finished, failed, or expired)`,
        );
      }
      throw e;
    }
  }
  const json = <T>(name: string) =>
    JSON.parse(new TextDecoder().decode(files.find((f) => f.name === name)?.body)) as T;
  return {
    summary: json<RunSummaryJson>('summary.json'),
    perEpoch: json<EpochStats[]>('epoch_stats.json'),
    files,
  };
}

/**
 * `pqbench cloud` against the synthesized state machine executed locally
 * (aws-local-stepfunctions), every Task bound to the real Lambda handler, the
 * stack bucket and the dataset on the test S3 server: a `CloudBackend`
 * (src/cloud/backend.ts) the CLI runs unchanged. What AWS would answer is
 * reproduced from AWS's documented semantics, nothing else:
 * - a child of a Distributed Map that fails makes the parent execution fail
 *   with `States.ExceedToleratedFailureThreshold` (tolerated failures 0); the
 *   child's own error is its Lambda's error type, its cause the Lambda's
 *   `{"errorType","errorMessage"}`, and its input the batch it got — what
 *   ListExecutions(mapRunArn) + DescribeExecution return;
 * - a failing Task of the parent fails the execution with the Lambda's error.
 * The execution runs to its end before `describeProgress` answers.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { STATE } from '../../cdk/state-machine.ts';
import { handler as aggregateHandler } from '../../lambdas/aggregate.ts';
import { handler as generateHandler } from '../../lambdas/generate.ts';
import { handler as planHandler } from '../../lambdas/plan.ts';
import { handler as readHandler } from '../../lambdas/read.ts';
import type { ExecutionProgress, StackInfo } from '../../src/cloud/aws.ts';
import type { CloudBackend } from '../../src/cloud/backend.ts';
import type { ExecutionInput } from '../../src/cloud/events.ts';
import type { ChildFailure } from '../../src/cloud/failures.ts';
import { openStorage } from '../../src/storage/open.ts';
import type { Storage } from '../../src/storage/types.ts';
import { synthTemplate } from '../cdk/synth.ts';
import { definitionFromTemplate, type Json, localItemReader, toLocalDefinition } from './asl-local.ts';
import type { TestBucket } from './s3-env.ts';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+).
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

type Handler = (event: unknown) => Promise<unknown>;

interface LocalExecution {
  input: ExecutionInput;
  startDate: Date;
  /** Settles when the execution and every handler call it started have ended. */
  done: Promise<ExecutionProgress>;
  /** Parent states entered, in order (map iterations excluded). */
  entered: string[];
  /** Task names invoked, in order, with their input (map iterations included). */
  invoked: { task: string; input: Json }[];
  children: ChildFailure[];
}

export interface LocalCloud {
  backend: CloudBackend;
  stack: StackInfo;
  executions: Map<string, LocalExecution>;
  close(): Promise<void>;
}

/** The stack's definition, as synthesized, with its references bound to the test bucket. */
function localDefinition(bucket: TestBucket) {
  const template = synthTemplate().toJSON() as Parameters<typeof definitionFromTemplate>[0];
  const synthesized = definitionFromTemplate(template, (id, attr) => {
    if (id === 'AWS::Partition') return 'aws';
    if (template.Resources[id]?.Type === 'AWS::S3::Bucket') return bucket.name;
    if (template.Resources[id]?.Type === 'AWS::Lambda::Function' && attr === 'Arn') {
      return `arn:aws:lambda:us-east-1:123456789012:function:${id}`;
    }
    throw new Error(`unexpected reference ${id}.${attr}`);
  });
  return toLocalDefinition(synthesized);
}

const CHILD_TASKS: Record<string, Handler> = {
  [STATE.generateTask]: generateHandler,
  [STATE.readTask]: readHandler,
  [STATE.warmupTask]: readHandler,
};
const PARENT_TASKS: Record<string, Handler> = {
  [STATE.plan]: planHandler,
  [STATE.schedule]: planHandler,
  [STATE.aggregate]: aggregateHandler,
};

const lambdaCause = (e: Error) => JSON.stringify({ errorType: e.name, errorMessage: e.message });

function runLocally(
  machine: StateMachine,
  arn: string,
  input: ExecutionInput,
  readers: { stateName: string }[],
  control: Storage,
): LocalExecution {
  const inflight = new Set<Promise<unknown>>();
  let stopped = false;
  let parentError: { error: string; cause: string } | undefined;
  const exec: LocalExecution = {
    input,
    startDate: new Date(),
    entered: [],
    invoked: [],
    children: [],
    done: null as never,
  };
  const bind = (task: string, fn: Handler, child: boolean) => async (event: Json) => {
    if (stopped) throw new Error('execution stopped');
    exec.invoked.push({ task, input: event });
    const call = fn(event);
    inflight.add(call);
    try {
      return (await call) as Json;
    } catch (e) {
      const err = e as Error;
      if (child) {
        exec.children.push({
          executionArn: `${arn}/child-${exec.children.length}`,
          status: 'FAILED',
          error: err.name,
          cause: lambdaCause(err),
          input: JSON.stringify(event),
          stopDate: new Date(),
        });
      } else parentError = { error: err.name, cause: lambdaCause(err) };
      throw e;
    } finally {
      inflight.delete(call);
    }
  };
  const handlers = {
    ...Object.fromEntries(Object.entries(CHILD_TASKS).map(([t, fn]) => [t, bind(t, fn, true)])),
    ...Object.fromEntries(Object.entries(PARENT_TASKS).map(([t, fn]) => [t, bind(t, fn, false)])),
    ...Object.fromEntries(
      readers.map((r) => [
        r.stateName,
        localItemReader(async (_b, key) =>
          JSON.parse(new TextDecoder().decode((await control.get(key)).body)),
        ),
      ]),
    ),
  };
  const execution = machine.run(input as unknown as Json, {
    overrides: { taskResourceLocalHandlers: handlers },
  });
  const logging = (async () => {
    for await (const ev of execution.eventLogs) {
      if (ev.type === 'StateEntered' && ev.index === undefined) exec.entered.push(ev.state.name);
    }
  })().catch(() => {});
  exec.done = (async (): Promise<ExecutionProgress> => {
    const base = { startDate: exec.startDate };
    try {
      const output = await execution.result;
      await logging;
      return { ...base, status: 'SUCCEEDED', stopDate: new Date(), output: JSON.stringify(output) };
    } catch {
      stopped = true;
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
      await logging;
      const failure =
        exec.children.length > 0
          ? {
              error: 'States.ExceedToleratedFailureThreshold',
              cause: 'The specified tolerated failure threshold was exceeded',
            }
          : (parentError ?? { error: 'States.Runtime', cause: 'local execution failed' });
      return { ...base, status: 'FAILED', stopDate: new Date(), ...failure };
    }
  })();
  return exec;
}

/** A local stack over `bucket`: its functions read their settings from process.env (ENV.*). */
export function localCloud(bucket: TestBucket, endpointUrl: string, region: string): LocalCloud {
  const { definition, itemReaders } = localDefinition(bucket);
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:PqbenchLocal';
  const stack: StackInfo = {
    stackName: 'PqbenchLocal',
    bucket: bucket.name,
    stateMachineArn,
    region,
    endpointUrl,
  };
  const executions = new Map<string, LocalExecution>();
  const control = openStorage(bucket.storage());
  const execution = (arn: string) => {
    const e = executions.get(arn);
    if (!e) throw new Error(`no local execution ${arn}`);
    return e;
  };
  const backend: CloudBackend = {
    describeStack: async () => stack,
    stackStorage: () => openStorage(bucket.storage()),
    startExecution: async (_stack, input) => {
      const arn = `arn:aws:states:us-east-1:123456789012:execution:PqbenchLocal:${input.runId}`;
      executions.set(arn, runLocally(machine, arn, input, itemReaders, control));
      return arn;
    },
    describeProgress: (arn) => execution(arn).done,
    failedChildren: async (arn) => {
      await execution(arn).done;
      return execution(arn).children;
    },
    pollIntervalMs: 10,
  };
  return { backend, stack, executions, close: () => control.close() };
}

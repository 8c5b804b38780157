/**
 * What `pqbench cloud` needs from AWS, as one interface: the stack's outputs,
 * its bucket, starting and following an execution, and the failed children
 * of its map runs. The CLI uses `cloudBackend()`: AWS, or — in the offline
 * tests — the synthesized state machine executed locally against the test S3
 * server (test/helpers/asl-local-backend.ts), so the CLI's own behaviour
 * (messages, exit codes, result files) is what the tests check.
 */
import type { Storage } from '../storage/types.ts';
import {
  describeProgress,
  describeStack,
  type ExecutionProgress,
  listFailedChildren,
  type StackInfo,
  stackStorage,
  startExecution,
} from './aws.ts';
import type { ExecutionInput } from './events.ts';
import type { ChildFailure } from './failures.ts';

export interface CloudBackend {
  describeStack(stackName: string, region?: string): Promise<StackInfo>;
  /** The stack bucket (uploads, results). */
  stackStorage(stack: StackInfo): Storage;
  startExecution(stack: StackInfo, input: ExecutionInput): Promise<string>;
  describeProgress(executionArn: string): Promise<ExecutionProgress>;
  /** Failed, timed-out and aborted child executions of the execution's map runs. */
  failedChildren(executionArn: string): Promise<ChildFailure[]>;
  /** How often to poll the execution. */
  pollIntervalMs: number;
}

export const awsBackend: CloudBackend = {
  describeStack,
  stackStorage,
  startExecution,
  describeProgress,
  failedChildren: listFailedChildren,
  pollIntervalMs: 5000,
};

let current: CloudBackend = awsBackend;

export function cloudBackend(): CloudBackend {
  return current;
}

/** Replaces the backend (tests); null restores AWS. */
export function useCloudBackend(backend: CloudBackend | null): void {
  current = backend ?? awsBackend;
}

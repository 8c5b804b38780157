/**
 * Can the account host the run? Pure checks the plan step makes before any
 * reader starts (issue 13): the readers must all run at once (the stack's map
 * concurrency and the account's Lambda concurrency), one epoch must fit in
 * one invocation (readers continue across invocations between epochs), and
 * the common start must leave Lambda time to scale to the reader count.
 *
 * AWS facts relied on (docs/cloud.md cites them):
 * - Lambda scales each function by at most 1,000 execution environments every
 *   10 seconds (Lambda developer guide, "Lambda scaling behavior");
 * - GetAccountSettings returns AccountLimit.ConcurrentExecutions and
 *   UnreservedConcurrentExecutions; a function with reserved concurrency can
 *   use exactly that much (GetFunctionConcurrency).
 */
import type { RunPlan } from '../dataset/types.ts';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { computeTimeSampler } from '../train/compute.ts';
import { rankEpoch } from '../train/schedule.ts';

/** Lambda's documented concurrency scaling rate, per function. */
export const LAMBDA_SCALING = { environments: 1000, windowMs: 10_000 } as const;

/** What a reader invocation keeps free of epochs: writing its partial, reading earlier segments. */
export const READ_WRITE_RESERVE_MS = 30_000;

/** Reader Lambdas (read map children) for `accelerators` at `ranksPerHost` accelerators each. */
export function readerCount(accelerators: number, ranksPerHost: number): number {
  return accelerators === 0 ? 0 : Math.ceil(accelerators / Math.max(1, ranksPerHost));
}

/**
 * The common start's distance from the schedule step: `baseMs` for cold
 * starts and thread start-up, plus one scaling window for every further
 * 1,000 readers (10,000 readers: base + 90 s).
 */
export function startMarginMs(readers: number, baseMs: number): number {
  const windows = Math.max(0, Math.ceil(readers / LAMBDA_SCALING.environments) - 1);
  return baseMs + windows * LAMBDA_SCALING.windowMs;
}

/** The account's Lambda concurrency as the plan step read it. */
export interface AccountConcurrency {
  /** GetAccountSettings AccountLimit.ConcurrentExecutions. */
  concurrentExecutions: number;
  /** GetAccountSettings AccountLimit.UnreservedConcurrentExecutions. */
  unreservedConcurrentExecutions: number;
  /** The read function's reserved concurrency (GetFunctionConcurrency), when it has one. */
  readerReserved: number | null;
  /** Where the figures came from, for messages. */
  source: string;
}

/** Executions the readers can count on: the read function's reservation, else the unreserved pool. */
export function availableToReaders(a: AccountConcurrency): number {
  return a.readerReserved ?? a.unreservedConcurrentExecutions;
}

export interface ReaderCapacityInput {
  accelerators: number;
  ranksPerHost: number;
  /** The read map's MaxConcurrency (stack setting readMaxConcurrency). */
  stackMaxConcurrency: number;
  /** null when the account could not be asked (a notice says so). */
  account: AccountConcurrency | null;
}

function ranksNeeded(accelerators: number, readers: number): number {
  return Math.ceil(accelerators / Math.max(1, readers));
}

/** Why the readers could not all start together, each with what to change. */
export function readerCapacityIssues(i: ReaderCapacityInput): ConfigIssue[] {
  const readers = readerCount(i.accelerators, i.ranksPerHost);
  const what = `${readers} reader Lambdas (run.accelerators ${i.accelerators} at ${i.ranksPerHost} per reader)`;
  const issues: ConfigIssue[] = [];
  if (readers > i.stackMaxConcurrency) {
    issues.push({
      path: 'run.accelerators',
      message: `${what} cannot start together: the stack's read map runs at most ${i.stackMaxConcurrency} at once. Use --ranks-per-host ${ranksNeeded(i.accelerators, i.stackMaxConcurrency)}, or redeploy with -c pqbench:readMaxConcurrency=${readers}`,
    });
  }
  const available = i.account ? availableToReaders(i.account) : null;
  if (i.account && available !== null && readers > available) {
    const pool =
      i.account.readerReserved !== null
        ? `the read function's reserved concurrency is ${i.account.readerReserved}`
        : `the account has ${i.account.unreservedConcurrentExecutions} unreserved concurrent executions (of ${i.account.concurrentExecutions})`;
    issues.push({
      path: 'run.accelerators',
      message: `${what} need ${readers} concurrent Lambda executions but ${pool} (${i.account.source}). Use --ranks-per-host ${ranksNeeded(i.accelerators, Math.max(1, available))}, lower run.accelerators to ${available * i.ranksPerHost}, or request a higher Lambda "Concurrent executions" quota (Service Quotas)`,
    });
  }
  return issues;
}

/** Mean simulated compute of one step (ms): the configured distribution, averaged over a fixed draw. */
export function meanComputeMs(plan: RunPlan): number {
  const draw = computeTimeSampler(plan.training.computation, plan.training.seed, 0);
  const n = 2000;
  let total = 0;
  for (let i = 0; i < n; i++) total += draw();
  return total / n;
}

/** A lower bound of one epoch of one accelerator: its steps × the mean compute (I/O can only add). */
export function epochComputeMs(plan: RunPlan): number {
  if (plan.training.accelerators === 0) return 0;
  return rankEpoch(plan, 0, 0).steps * meanComputeMs(plan);
}

/** Invocations one reader needs at least: its whole compute over what one invocation can hold. */
export function invocationsPerReader(plan: RunPlan, invocationMs: number): number {
  const usable = Math.max(1, invocationMs - READ_WRITE_RESERVE_MS);
  const epoch = epochComputeMs(plan);
  if (epoch === 0) return 1;
  return Math.ceil(plan.training.epochs / Math.max(1, Math.floor(usable / epoch)));
}

/** An epoch that cannot fit in one reader invocation (readers continue only between epochs). */
export function epochFitIssues(plan: RunPlan, timeoutMs: number): ConfigIssue[] {
  const epoch = epochComputeMs(plan);
  const usable = timeoutMs - READ_WRITE_RESERVE_MS;
  if (epoch <= usable) return [];
  const steps = rankEpoch(plan, 0, 0).steps;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    {
      path: 'train.computation_time',
      message: `one epoch of each accelerator computes at least ${s(epoch)} (${steps} steps × ${meanComputeMs(plan).toFixed(1)} ms), more than the read function's ${s(timeoutMs)} timeout less ${s(READ_WRITE_RESERVE_MS)} for writing results; cloud readers continue in a new invocation only between epochs. Lower train.total_training_steps or train.computation_time, spread the samples over more run.accelerators, or raise -c pqbench:readTimeoutSeconds (at most 900)`,
    },
  ];
}

/** Throws the issues as one ConfigError (exit code 2 in the CLI). */
export function refuse(issues: ConfigIssue[]): void {
  if (issues.length > 0) throw new ConfigError(issues);
}

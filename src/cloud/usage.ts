/**
 * A cloud run's bill, by part (issue 13): generation, training and overhead,
 * each with its storage requests, bytes, Lambda GB-seconds (cold-start init
 * included: Lambda bills the INIT phase since August 2025) and Step Functions
 * state transitions. Training starts at the common start: a reader's wait for
 * it is overhead, so cost per TB read is not inflated by the start margin.
 */
import {
  addUsage,
  type CloudUsage,
  type CostSplit,
  costSplit,
  emptyUsage,
  type PhaseUsage,
  type PriceTable,
  type RequestCounts,
} from '../metrics/cost.ts';
import type { RequestCounters } from '../metrics/partial.ts';
import type { OperationType } from '../storage/operations.ts';
import type { GeneratePartialFile, InvocationRecord, ReaderPartialFile, WarmupRecord } from './records.ts';

/** A plan, schedule or aggregate invocation. */
export interface ControlInvocation {
  durationMs: number;
  memoryMb: number;
  initMs: number;
  requests: Record<string, number>;
}

const gbSeconds = (ms: number, memoryMb: number) => (ms / 1000) * (memoryMb / 1024);

/** Lambda usage of some invocations; `waitMs` of them is left out (counted elsewhere). */
function lambda(records: ControlInvocation[], waitMs = 0, memoryMb = 0): PhaseUsage {
  const billed = records.reduce((n, r) => n + gbSeconds(r.initMs + r.durationMs, r.memoryMb), 0);
  return {
    ...emptyUsage(),
    lambdaGbSeconds: billed - gbSeconds(waitMs, memoryMb),
    lambdaInvocations: records.length,
  };
}

function requests(counts: Record<string, number>, bytesUploaded = 0, bytesRetrieved = 0): PhaseUsage {
  return { ...emptyUsage(), requests: counts as RequestCounts, bytesUploaded, bytesRetrieved };
}

const transitions = (n: number): PhaseUsage => ({ ...emptyUsage(), stateTransitions: n });
const sum = (parts: PhaseUsage[]) => parts.reduce(addUsage, emptyUsage());

/** The dataset requests of the readers' partials (what summary.json counts) and the bytes they read. */
function readerRequests(readers: ReaderPartialFile[]): PhaseUsage {
  const counts: Record<string, number> = {};
  let bytes = 0;
  for (const r of readers) {
    for (const e of r.partial.epochs) {
      for (const [op, c] of Object.entries(e.requests as RequestCounters) as [
        OperationType,
        { count: number; bytes: number },
      ][]) {
        counts[op] = (counts[op] ?? 0) + c.count;
        if (op === 'GET' || op === 'HEAD') bytes += c.bytes;
      }
    }
  }
  return requests(counts, 0, bytes);
}

export interface RunCostInput {
  readers: ReaderPartialFile[];
  generators: GeneratePartialFile[];
  warmups: WarmupRecord[];
  control: ControlInvocation[];
  prices: PriceTable;
}

function trainingUsage(readers: ReaderPartialFile[]): { training: PhaseUsage; waiting: PhaseUsage } {
  const hosts = readers.flatMap((r) => (r.reader ? [r.reader] : []));
  const parts: PhaseUsage[] = [readerRequests(readers), transitions(hosts.length > 0 ? 1 : 0)];
  const waiting: PhaseUsage[] = [];
  for (const h of hosts) {
    const wait = Math.max(0, h.first.handlerToStartMs);
    parts.push(lambda(h.invocations, wait, h.first.memoryMb));
    // Per reader invocation: the task, the "done?" choice, and (but the last) the loop's pass; the end state.
    parts.push(transitions(3 * h.invocations.length));
    waiting.push({ ...emptyUsage(), lambdaGbSeconds: gbSeconds(wait, h.first.memoryMb) });
    waiting.push(...h.invocations.map((i: InvocationRecord) => requests(i.requests)));
  }
  return { training: sum(parts), waiting: sum(waiting) };
}

/**
 * Parent states: Plan, "Generate data?", "Train?" and Done in every run; "Warm up?", Schedule
 * and Aggregate when it trains; the warm-up map and one task per warm-up child when it warms up.
 */
function parentTransitions(trains: boolean, warmups: number | null): number {
  return 4 + (trains ? 3 : 0) + (warmups !== null ? 1 + warmups : 0);
}

export function runCost(input: RunCostInput): { usage: CloudUsage; cost: CostSplit } {
  const generation = sum([
    transitions(input.generators.length > 0 ? 1 + input.generators.length : 0),
    ...input.generators.map((g) =>
      sum([
        lambda([g.lambda]),
        requests(g.lambda.requests),
        requests(g.data.requests, g.data.bytesUploaded, g.data.bytesRetrieved),
      ]),
    ),
  ]);
  const { training, waiting } = trainingUsage(input.readers);
  const warm = input.warmups.length > 0 ? input.warmups.length : null;
  const overhead = sum([
    waiting,
    lambda(input.control),
    ...input.control.map((c) => requests(c.requests)),
    ...input.warmups.map((w) =>
      sum([
        lambda([w.lambda]),
        requests(w.lambda.requests),
        requests(w.data.requests, 0, w.data.bytesRetrieved),
      ]),
    ),
    transitions(parentTransitions(input.readers.length > 0, warm)),
  ]);
  const usage: CloudUsage = {
    lambdaGbSeconds: training.lambdaGbSeconds,
    lambdaInvocations: training.lambdaInvocations,
    stateTransitions: training.stateTransitions,
    bytesRetrieved: training.bytesRetrieved,
  };
  return { usage, cost: costSplit({ generation, training, overhead }, input.prices) };
}

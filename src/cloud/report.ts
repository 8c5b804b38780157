/**
 * What the children leave in the bucket, and the cloud-only part of a run's
 * results (cloud.json): serverless usage, cold starts and how well the readers
 * met the common start. Pure; the aggregate handler does the I/O.
 */
import type { GenerateShardResult } from '../generate/shard.ts';
import type { CloudUsage } from '../metrics/cost.ts';
import type { AcceleratorPartial } from '../metrics/partial.ts';
import type { InvocationFacts } from './runtime.ts';

export interface InvocationRecord extends InvocationFacts {
  durationMs: number;
}

export interface GeneratePartialFile {
  result: GenerateShardResult;
  lambda: InvocationRecord;
}

export interface ReaderStartFacts {
  /** The common start (ms since the epoch). */
  startAt: number;
  /** Handler entered → common start: the wait; negative when the reader arrived late. */
  handlerToStartMs: number;
  /** First epoch began this long after the common start (0 = on time). */
  lateMs: number;
}

export interface ReaderPartialFile {
  partial: AcceleratorPartial;
  lambda: InvocationRecord & ReaderStartFacts;
}

export interface Distribution {
  count: number;
  min: number | null;
  median: number | null;
  p99: number | null;
  max: number | null;
}

export function distribution(values: number[]): Distribution {
  if (values.length === 0) return { count: 0, min: null, median: null, p99: null, max: null };
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)] as number;
  return {
    count: v.length,
    min: v[0] as number,
    median: at(0.5),
    p99: at(0.99),
    max: v[v.length - 1] as number,
  };
}

/** cloud.json: reported beside summary.json, outside the measured window. */
export interface CloudReport {
  schema_version: 1;
  run_id: string;
  start_at: string;
  start_margin_ms: number;
  readers: number;
  readers_reported: number;
  generators: number;
  generators_reported: number;
  cold_starts: { readers: number; generators: number };
  /** Process start → handler module evaluated, cold readers only. */
  reader_init_ms: Distribution;
  /** Handler module evaluated → handler entered, cold readers only. */
  reader_module_to_handler_ms: Distribution;
  /** Handler entered → common start (negative = arrived late). */
  reader_wait_for_start_ms: Distribution;
  /** First epoch start − common start. */
  reader_late_ms: Distribution;
  /** Readers whose first epoch began more than LATE_TOLERANCE_MS after the common start. */
  readers_late: number;
  usage: CloudUsage;
  /** How usage was counted. */
  usage_basis: string;
}

export interface CloudReportInput {
  runId: string;
  startAt: number;
  marginMs: number;
  readers: ReaderPartialFile[];
  expectedReaders: number;
  generators: GeneratePartialFile[];
  expectedGenerators: number;
  /** Plan, schedule and aggregate invocations. */
  control: { durationMs: number; memoryMb: number }[];
}

/** A reader whose first epoch began more than this after the common start missed it. */
export const LATE_TOLERANCE_MS = 100;

const gbSeconds = (r: { durationMs: number; memoryMb: number }) =>
  (r.durationMs / 1000) * (r.memoryMb / 1024);

/**
 * Standard-workflow state transitions: the parent's states entered (Plan,
 * 2 choices, 2 maps, Schedule, Aggregate, Done, fewer when a phase is skipped)
 * plus one task state per child execution; retries are not counted.
 */
export function estimateStateTransitions(generators: number, readers: number): number {
  const parent = 3 + (generators > 0 ? 1 : 0) + (readers > 0 ? 4 : 1);
  return parent + generators + readers;
}

export function cloudReport(input: CloudReportInput): CloudReport {
  const readers = input.readers.map((r) => r.lambda);
  const cold = readers.filter((r) => r.coldStart);
  const invocations = [...readers, ...input.generators.map((g) => g.lambda), ...input.control];
  return {
    schema_version: 1,
    run_id: input.runId,
    start_at: new Date(input.startAt).toISOString(),
    start_margin_ms: input.marginMs,
    readers: input.expectedReaders,
    readers_reported: readers.length,
    generators: input.expectedGenerators,
    generators_reported: input.generators.length,
    cold_starts: {
      readers: cold.length,
      generators: input.generators.filter((g) => g.lambda.coldStart).length,
    },
    reader_init_ms: distribution(cold.map((r) => r.initMs ?? 0)),
    reader_module_to_handler_ms: distribution(cold.map((r) => r.moduleLoadToHandlerMs ?? 0)),
    reader_wait_for_start_ms: distribution(readers.map((r) => r.handlerToStartMs)),
    reader_late_ms: distribution(readers.map((r) => r.lateMs)),
    readers_late: readers.filter((r) => r.lateMs > LATE_TOLERANCE_MS).length,
    usage: {
      lambdaGbSeconds: invocations.reduce((n, r) => n + gbSeconds(r), 0),
      lambdaInvocations: invocations.length,
      stateTransitions: estimateStateTransitions(input.expectedGenerators, input.expectedReaders),
    },
    usage_basis:
      'Lambda GB-seconds = Σ handler duration × configured memory (billed duration also includes init on cold starts); state transitions estimated: parent states + one per child, retries excluded.',
  };
}

/** The cloud-only lines under the summary table, from a run's cloud.json (none without one). */
export function cloudLines(cloudJson: Uint8Array | undefined): string[] {
  if (!cloudJson) return [];
  const c = JSON.parse(new TextDecoder().decode(cloudJson)) as CloudReport;
  const ms = (v: number | null) => v ?? 'n/a';
  return [
    `[CLOUD] Readers: ${c.readers}; cold starts ${c.cold_starts.readers} (init median ${ms(c.reader_init_ms.median)} ms, max ${ms(c.reader_init_ms.max)} ms) — outside the measured window`,
    `[CLOUD] Common start margin ${c.start_margin_ms} ms; tightest reader had ${ms(c.reader_wait_for_start_ms.min)} ms to spare; ${c.readers_late} reader(s) late`,
    `[CLOUD] Lambda ${c.usage.lambdaGbSeconds.toFixed(1)} GB-s over ${c.usage.lambdaInvocations} invocations, ~${c.usage.stateTransitions} state transitions`,
  ];
}

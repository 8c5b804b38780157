/**
 * What the children leave in the bucket, and the cloud-only part of a run's
 * results (cloud.json): cold starts, how well the readers met the common
 * start, the throughput of the window in which they all ran, invocations per
 * reader, and the cost split into generation, training and overhead. Pure;
 * the aggregate handler does the I/O.
 */
import type { CloudUsage, CostSplit, PriceTable } from '../metrics/cost.ts';
import { type Distribution, distribution } from '../metrics/distribution.ts';
import { type OverlapReport, overlapReport } from './overlap.ts';
import type { GeneratePartialFile, ReaderPartialFile, WarmupRecord } from './records.ts';
import { type ControlInvocation, runCost } from './usage.ts';

export { distribution };

/** cloud.json: reported beside summary.json, outside the measured window. */
export interface CloudReport {
  schema_version: 2;
  run_id: string;
  start_at: string;
  start_margin_ms: number;
  accelerators: number;
  accelerators_reported: number;
  /** Reader Lambdas (read map children); `ranks_per_host` accelerators each. */
  readers: number;
  readers_reported: number;
  ranks_per_host: number;
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
  /** Invocations per reader: more than one when an accelerator continued across invocations. */
  reader_invocations: { total: number; max_per_reader: number; readers_continued: number };
  /** The untimed warm-up pass, when the run had one. */
  warmup: { readers: number } | null;
  overlap: OverlapReport;
  /** The training part of the serverless usage: what summary.json's cost counts. */
  usage: CloudUsage;
  cost: CostSplit;
  /** How usage and cost were counted. */
  usage_basis: string;
}

export interface CloudReportInput {
  runId: string;
  startAt: number;
  marginMs: number;
  readers: ReaderPartialFile[];
  expectedAccelerators: number;
  expectedReaders: number;
  ranksPerHost: number;
  generators: GeneratePartialFile[];
  expectedGenerators: number;
  warmups: WarmupRecord[] | null;
  /** Plan, schedule and aggregate invocations. */
  control: ControlInvocation[];
  prices: PriceTable;
}

/** A reader whose first epoch began more than this after the common start missed it. */
export const LATE_TOLERANCE_MS = 100;

export const USAGE_BASIS =
  'Lambda GB-seconds = (cold-start init + handler duration) × configured memory. Training = reader invocations from the common start on (init included), their dataset GETs, the read map and its children’s state transitions (3 per reader invocation); generation = generator invocations, their PUTs/HEADs, the generate map; overhead = plan/schedule/aggregate, readers waiting for the common start, the warm-up pass, stack-bucket requests, the parent workflow’s transitions. Per TB read = training ÷ bytes the training reads transferred. Retries are not counted.';

export function cloudReport(input: CloudReportInput): CloudReport {
  const hosts = input.readers.flatMap((r) => (r.reader ? [r.reader] : []));
  const firsts = hosts.map((h) => h.first);
  const cold = firsts.filter((r) => r.coldStart);
  const invocations = hosts.map((h) => h.invocations.length);
  const { usage, cost } = runCost({
    readers: input.readers,
    generators: input.generators,
    warmups: input.warmups ?? [],
    control: input.control,
    prices: input.prices,
  });
  return {
    schema_version: 2,
    run_id: input.runId,
    start_at: new Date(input.startAt).toISOString(),
    start_margin_ms: input.marginMs,
    accelerators: input.expectedAccelerators,
    accelerators_reported: input.readers.length,
    readers: input.expectedReaders,
    readers_reported: hosts.length,
    ranks_per_host: input.ranksPerHost,
    generators: input.expectedGenerators,
    generators_reported: input.generators.length,
    cold_starts: {
      readers: cold.length,
      generators: input.generators.filter((g) => g.lambda.coldStart).length,
    },
    reader_init_ms: distribution(cold.map((r) => r.initMs)),
    reader_module_to_handler_ms: distribution(cold.map((r) => r.moduleLoadToHandlerMs ?? 0)),
    reader_wait_for_start_ms: distribution(firsts.map((r) => r.handlerToStartMs)),
    reader_late_ms: distribution(firsts.map((r) => r.lateMs)),
    readers_late: firsts.filter((r) => r.lateMs > LATE_TOLERANCE_MS).length,
    reader_invocations: {
      total: invocations.reduce((n, k) => n + k, 0),
      max_per_reader: Math.max(0, ...invocations),
      readers_continued: invocations.filter((k) => k > 1).length,
    },
    warmup: input.warmups ? { readers: input.warmups.length } : null,
    overlap: overlapReport(
      hosts.map((h) => h.progress),
      input.startAt,
      LATE_TOLERANCE_MS,
    ),
    usage,
    cost,
    usage_basis: USAGE_BASIS,
  };
}

const usd = (v: number | null) => (v === null ? 'n/a' : `$${v.toFixed(v < 1 ? 4 : 2)}`);

/** The cloud-only lines under the summary table, from a run's cloud.json (none without one). */
export function cloudLines(cloudJson: Uint8Array | undefined): string[] {
  if (!cloudJson) return [];
  const c = JSON.parse(new TextDecoder().decode(cloudJson)) as CloudReport;
  const ms = (v: number | null) => v ?? 'n/a';
  const lines = [
    `[CLOUD] Readers: ${c.readers}; cold starts ${c.cold_starts.readers} (init median ${ms(c.reader_init_ms.median)} ms, max ${ms(c.reader_init_ms.max)} ms) — outside the measured window`,
    `[CLOUD] Common start margin ${c.start_margin_ms} ms; tightest reader had ${ms(c.reader_wait_for_start_ms.min)} ms to spare; ${c.readers_late} reader(s) late`,
  ];
  if (c.overlap) {
    lines.push(
      c.overlap.start === null
        ? '[CLOUD] The readers never all ran at once: no all-readers throughput'
        : `[CLOUD] All ${c.overlap.readers} readers together for ${c.overlap.duration_s.toFixed(1)} s: ${c.overlap.samples_per_second?.toFixed(1)} samples/s, ${c.overlap.MB_per_second?.toFixed(1)} MB/s` +
            (c.overlap.late_readers > 0
              ? ` (late: accelerators ${c.overlap.late_accelerators.join(', ')})`
              : ''),
    );
  }
  if (c.reader_invocations && c.reader_invocations.readers_continued > 0) {
    lines.push(
      `[CLOUD] ${c.reader_invocations.readers_continued} reader(s) continued across invocations (up to ${c.reader_invocations.max_per_reader} each)`,
    );
  }
  lines.push(
    `[CLOUD] Lambda ${c.usage.lambdaGbSeconds.toFixed(1)} GB-s over ${c.usage.lambdaInvocations} invocations, ~${c.usage.stateTransitions} state transitions (training)`,
  );
  if (c.cost) {
    lines.push(
      `[CLOUD] Cost: training ${usd(c.cost.training.total_usd)} (${usd(c.cost.per_TB_read_usd)} per TB read), generation ${usd(c.cost.generation.total_usd)}, overhead ${usd(c.cost.overhead.total_usd)}, total ${usd(c.cost.total_usd)}`,
    );
  }
  return lines;
}

/**
 * Merges accelerator partials into the run summary. Exact: counters and sums
 * add, histograms add bucket by bucket; the same code runs in the local
 * executor and in the cloud aggregate Lambda.
 */
import type { Workload } from '../config/types.ts';
import type { OperationType } from '../storage/operations.ts';
import { TOOL_VERSION } from '../version.ts';
import { auPercentage, mean, stdev, windowThroughput } from './au.ts';
import {
  type CloudUsage,
  cloudCost,
  costPerTB,
  type PriceTable,
  requestCost,
  resolvePrices,
} from './cost.ts';
import { mergeEncoded, summarizeHistogram } from './histogram.ts';
import {
  type AcceleratorPartial,
  PARTIAL_VERSION,
  type RequestCounter,
  type RequestCounters,
} from './partial.ts';
import {
  type EpochStats,
  type RequestsSummary,
  type RunSummary,
  type RunSummaryJson,
  SUMMARY_SCHEMA_VERSION,
} from './summary.ts';

export interface MergeContext {
  runId: string;
  /** sha256 of the resolved config, see configHash() in results.ts. */
  configHash: string;
  toolVersion?: string;
  prices?: Partial<PriceTable>;
  /** Cloud runs: Lambda / Step Functions usage for the cost. */
  cloud?: CloudUsage;
  /** Notices gathered before merging (page cache, config notices, cold starts…). */
  notices?: string[];
  /** Defaults to the number of distinct `host` values in the partials. */
  numHosts?: number;
}

const MB = 1e6;
const MiB = 2 ** 20;

function addCounters(into: RequestCounters, from: RequestCounters): void {
  for (const [op, c] of Object.entries(from) as [OperationType, RequestCounter][]) {
    const target = into[op] ?? { count: 0, bytes: 0, errors: 0, retries: 0 };
    target.count += c.count;
    target.bytes += c.bytes;
    target.errors += c.errors;
    target.retries += c.retries;
    into[op] = target;
  }
}

function requestsSummary(counters: RequestCounters): RequestsSummary {
  const values = Object.values(counters) as RequestCounter[];
  return {
    ...counters,
    total: values.reduce((n, c) => n + c.count, 0),
    errors: values.reduce((n, c) => n + c.errors, 0),
    retries: values.reduce((n, c) => n + c.retries, 0),
  };
}

function counts(counters: RequestCounters): Partial<Record<OperationType, number>> {
  return Object.fromEntries(Object.entries(counters).map(([op, c]) => [op, (c as RequestCounter).count]));
}

/** Bytes received by reads: the I/O rate and read amplification count what came over the wire. */
function readBytes(counters: RequestCounters): number {
  return (counters.GET?.bytes ?? 0) + (counters.HEAD?.bytes ?? 0);
}

const iso = (ms: number) => new Date(ms).toISOString();
const round = (x: number | null, digits = 6) => (x === null ? null : Number(x.toFixed(digits)));

export function mergePartials(
  w: Workload,
  partials: AcceleratorPartial[],
  context: MergeContext,
): RunSummary {
  if (partials.length === 0) throw new Error('mergePartials: no partials to merge');
  const seen = new Set<number>();
  for (const p of partials) {
    if (p.version !== PARTIAL_VERSION)
      throw new Error(`partial version ${p.version}, expected ${PARTIAL_VERSION}`);
    if (seen.has(p.accelerator)) throw new Error(`two partials for accelerator ${p.accelerator}`);
    seen.add(p.accelerator);
  }
  const ordered = [...partials].sort((a, b) => a.accelerator - b.accelerator);
  const prices = resolvePrices(context.prices);
  const notices = [...(context.notices ?? [])];
  if (ordered.length !== w.run.accelerators) {
    notices.push(
      `merged ${ordered.length} accelerator partial(s) of the ${w.run.accelerators} configured: ` +
        'the figures cover only the accelerators that reported',
    );
  }
  const { exclude_start_steps: excludeStart, exclude_end_steps: excludeEnd } = w.metric;

  const epochNumbers = [...new Set(ordered.flatMap((p) => p.epochs.map((e) => e.epoch)))].sort(
    (a, b) => a - b,
  );
  const perEpoch: EpochStats[] = [];
  const runCounters: RequestCounters = {};
  for (const epoch of epochNumbers) {
    const entries = ordered.map((p) => ({
      accelerator: p.accelerator,
      e: p.epochs.find((x) => x.epoch === epoch),
    }));
    const present = entries
      .filter((x) => x.e !== undefined)
      .map((x) => ({ accelerator: x.accelerator, e: x.e! }));
    const auPerAccelerator = ordered.map((p) => {
      const e = p.epochs.find((x) => x.epoch === epoch);
      return e ? auPercentage(e.window) : null;
    });
    const auValues = auPerAccelerator.filter((v): v is number => v !== null);
    const throughputs = present
      .map((x) => windowThroughput(x.e.window))
      .filter((v): v is number => v !== null);
    const short = present.filter((x) => x.e.window.steps === 0);
    if (short.length > 0) {
      const stepCounts = [...new Set(short.map((x) => x.e.steps))].join('/');
      notices.push(
        `epoch ${epoch + 1}: ${short.length} of ${ordered.length} accelerator(s) ran only ${stepCounts} step(s), ` +
          `fewer than the metric window needs (exclude_start_steps ${excludeStart} + exclude_end_steps ${excludeEnd} + 1); ` +
          'their AU and throughput are not reported. Use more files or samples, a smaller batch_size, or smaller exclusions.',
      );
    }
    const counters: RequestCounters = {};
    for (const x of present) addCounters(counters, x.e.requests);
    addCounters(runCounters, counters);
    const start = Math.min(...present.map((x) => x.e.start));
    const end = Math.max(...present.map((x) => x.e.end));
    const wallS = (end - start) / 1000;
    const bytes = present.reduce((n, x) => n + readBytes(x.e.requests), 0);
    const projected = present.reduce((n, x) => n + x.e.projectedBytes, 0);
    perEpoch.push({
      epoch: epoch + 1,
      start: iso(start),
      end: iso(end),
      duration_s: round(wallS) as number,
      steps: present.reduce((n, x) => n + x.e.steps, 0),
      samples: present.reduce((n, x) => n + x.e.samples, 0),
      au_percentage: round(mean(auValues)),
      au_percentage_per_accelerator: auPerAccelerator.map((v) => round(v)),
      au_stdev_percentage_across_accelerators: round(stdev(auValues)),
      throughput_samples_per_second:
        throughputs.length > 0 ? round(throughputs.reduce((a, b) => a + b, 0)) : null,
      io_MB_per_second: wallS > 0 ? round(bytes / MB / wallS) : null,
      io_MiB_per_second: wallS > 0 ? round(bytes / MiB / wallS) : null,
      bytes_transferred: bytes,
      projected_bytes: projected,
      read_amplification: projected > 0 ? round(bytes / projected) : null,
      requests: requestsSummary(counters),
      load_wait_s: round(present.reduce((n, x) => n + x.e.loadWaitMs, 0) / 1000) as number,
      compute_s: round(present.reduce((n, x) => n + x.e.computeMs, 0) / 1000) as number,
      cost_usd: requestCost(counts(counters), prices),
    });
  }

  const auByEpoch = perEpoch.map((e) => e.au_percentage);
  const auKnown = auByEpoch.filter((v): v is number => v !== null);
  const throughputByEpoch = perEpoch.map((e) => e.throughput_samples_per_second);
  const throughputKnown = throughputByEpoch.filter((v): v is number => v !== null);
  const ioKnown = perEpoch.map((e) => e.io_MB_per_second).filter((v): v is number => v !== null);
  const ioMiBKnown = perEpoch.map((e) => e.io_MiB_per_second).filter((v): v is number => v !== null);
  const auMean = mean(auKnown);
  const expectation = w.metric.au * 100;
  if (auMean === null) {
    notices.push(
      'AU could not be computed for any epoch (metric window empty), so train_au_meet_expectation is "fail".',
    );
  }

  const bytesTransferred = perEpoch.reduce((n, e) => n + e.bytes_transferred, 0);
  const projectedBytes = perEpoch.reduce((n, e) => n + e.projected_bytes, 0);
  const requestsUsd = requestCost(counts(runCounters), prices);
  const serverlessUsd = context.cloud ? cloudCost(context.cloud, prices) : null;
  const totalUsd = requestsUsd + (serverlessUsd ?? 0);
  const epochCount = Math.max(1, perEpoch.length);
  const runStart = Math.min(...ordered.map((p) => p.start));
  const runEnd = Math.max(...ordered.map((p) => p.end));
  const randomSeed = ordered.find((p) => p.randomSeed !== null)?.randomSeed ?? null;
  const totalWallS = perEpoch.reduce((n, e) => n + e.duration_s, 0);

  const summary: RunSummaryJson = {
    schema_version: SUMMARY_SCHEMA_VERSION,
    tool: 'pqbench',
    tool_version: context.toolVersion ?? TOOL_VERSION,
    run_id: context.runId,
    workload: w.model.name,
    config_hash: context.configHash,
    start: iso(runStart),
    end: iso(runEnd),
    num_accelerators: w.run.accelerators,
    num_hosts: context.numHosts ?? new Set(ordered.map((p) => p.host)).size,
    epochs: perEpoch.length,
    num_files_train: w.dataset.num_files_train,
    num_samples_per_file: w.dataset.num_samples_per_file,
    storage_type: w.storage.storage_type,
    read_mode: w.dataset.parquet.read_mode,
    random_seed: randomSeed,
    metric: {
      train_au_percentage: auByEpoch,
      train_au_mean_percentage: round(auMean),
      train_au_stdev_percentage: round(stdev(auKnown)),
      train_au_meet_expectation: auMean !== null && auMean >= expectation ? 'success' : 'fail',
      train_au_expectation_percentage: expectation,
      train_throughput_samples_per_second: throughputByEpoch,
      train_throughput_mean_samples_per_second: round(mean(throughputKnown)),
      train_throughput_stdev_samples_per_second: round(stdev(throughputKnown)),
      train_io_mean_MB_per_second: round(mean(ioKnown)),
      train_io_stdev_MB_per_second: round(stdev(ioKnown)),
      train_io_mean_MiB_per_second: round(mean(ioMiBKnown)),
      exclude_start_steps: excludeStart,
      exclude_end_steps: excludeEnd,
    },
    steps: {
      total: perEpoch.reduce((n, e) => n + e.steps, 0),
      samples: perEpoch.reduce((n, e) => n + e.samples, 0),
      compute_s: round(perEpoch.reduce((n, e) => n + e.compute_s, 0)) as number,
      load_wait_s: round(perEpoch.reduce((n, e) => n + e.load_wait_s, 0)) as number,
    },
    io: {
      bytes_transferred: bytesTransferred,
      projected_bytes: projectedBytes,
      read_amplification: projectedBytes > 0 ? round(bytesTransferred / projectedBytes) : null,
      mean_MB_per_second: totalWallS > 0 ? round(bytesTransferred / MB / totalWallS) : null,
      mean_MiB_per_second: totalWallS > 0 ? round(bytesTransferred / MiB / totalWallS) : null,
    },
    requests: requestsSummary(runCounters),
    latency: {
      request: summarizeHistogram(mergeEncoded(ordered.map((p) => p.histograms.requestUs))),
      time_to_first_byte: summarizeHistogram(mergeEncoded(ordered.map((p) => p.histograms.ttfbUs))),
      step_load_wait: summarizeHistogram(mergeEncoded(ordered.map((p) => p.histograms.stepLoadWaitUs))),
    },
    cost: {
      currency: 'USD',
      prices,
      requests_usd: requestsUsd,
      serverless_usd: serverlessUsd,
      total_usd: totalUsd,
      per_epoch_usd: perEpoch.map((e) => e.cost_usd + (serverlessUsd ?? 0) / epochCount),
      per_TB_read_usd: costPerTB(totalUsd, bytesTransferred),
    },
    notices,
  };
  return { summary, perEpoch };
}

/**
 * From a combined run to its summary: AU, throughput, I/O rate, read
 * amplification, cost and the notices a reader of the numbers must see.
 * Pure; combine.ts gathers the facts, results.ts renders the files.
 */
import type { RunPlan } from '../dataset/types.ts';
import type { OperationType } from '../storage/operations.ts';
import { TOOL_NAME, TOOL_VERSION } from '../version.ts';
import { auPercentage, mean, stdev, windowByteRate, windowThroughput } from './au.ts';
import { type CpuSeries, mergeCpuSeries } from './client.ts';
import { clientSummary } from './client-summary.ts';
import type { EpochAggregate, RunAggregate } from './combine.ts';
import {
  type CloudUsage,
  cloudCost,
  costPerTB,
  type PriceTable,
  requestCost,
  resolvePrices,
} from './cost.ts';
import { summarizeHistogram } from './histogram.ts';
import type { RequestCounter, RequestCounters } from './partial.ts';
import { readPhaseBounds, readPhaseFigures } from './read-phase.ts';
import {
  type EpochStats,
  type RequestsSummary,
  type RunSummary,
  type RunSummaryJson,
  SUMMARY_SCHEMA_VERSION,
  type SummaryMetric,
} from './summary.ts';
import { timeSeriesFile } from './timeseries-file.ts';
import { type PlacementFacts, runVerdict, windowBytes } from './verdict-facts.ts';

/** What the summary needs of the run plan. */
export type SummaryPlan = Pick<RunPlan, 'facts' | 'training'>;

export interface SummaryContext {
  runId: string;
  /** sha256 of the resolved config, see configHash() in results.ts. */
  configHash: string;
  toolVersion?: string;
  prices?: Partial<PriceTable>;
  /** Cloud runs: Lambda / Step Functions usage for the cost. */
  cloud?: CloudUsage;
  /** Notices gathered before merging (page cache, config notices, cold starts…). */
  notices?: string[];
  /** Defaults to the number of distinct hosts in the partials. */
  numHosts?: number;
  /** Ranks, readers and their start: what the verdict needs of where the run ran. */
  placement?: PlacementFacts;
  /** The page-cache warning when a local dataset may be served from RAM (also among the notices). */
  pageCache?: string | null;
}

const MB = 1e6;
const MiB = 2 ** 20;

const iso = (ms: number) => new Date(ms).toISOString();
const round = (x: number | null, digits = 6) => (x === null ? null : Number(x.toFixed(digits)));

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

/** Samples of an epoch no kept step delivered: the ranks' drop_last remainders and the tail no rank is dealt. */
function epochDropped(e: EpochAggregate, plan: SummaryPlan): number {
  const { numFilesTrain, numSamplesPerFile, sharding, filesUnread } = plan.facts;
  const tail =
    sharding === 'files'
      ? filesUnread * numSamplesPerFile
      : (numFilesTrain * numSamplesPerFile) % plan.training.accelerators;
  return e.droppedSamples + tail;
}

/** How the epoch was split: the sharding model, steps per accelerator, files read. */
function readerSection(run: RunAggregate, plan: SummaryPlan): RunSummaryJson['reader'] {
  const first = run.epochs[0]?.accelerators ?? [];
  const { numFilesTrain, filesUnread } = plan.facts;
  return {
    sharding: plan.facts.sharding,
    steps_per_epoch_per_accelerator: first.length > 0 ? Math.max(...first.map((a) => a.steps)) : 0,
    files_read: numFilesTrain - filesUnread,
    files_unread: filesUnread,
  };
}

/** One epoch's figures; `accelerators` are every accelerator that reported (DLIO averages AU over all ranks). */
function epochStats(
  e: EpochAggregate,
  accelerators: number[],
  plan: SummaryPlan,
  prices: PriceTable,
): EpochStats {
  const byAccelerator = new Map(e.accelerators.map((a) => [a.accelerator, a]));
  const auPerAccelerator = accelerators.map((k) => {
    const a = byAccelerator.get(k);
    return a ? auPercentage(a.window) : 0;
  });
  const throughput = e.accelerators.reduce((n, a) => n + windowThroughput(a.window), 0);
  const byteRate = e.accelerators.reduce((n, a) => n + windowByteRate(a.window), 0);
  const bytes = readBytes(e.requests);
  return {
    epoch: e.epoch + 1,
    start: iso(e.start),
    end: iso(e.end),
    duration_s: round((e.end - e.start) / 1000) as number,
    steps: e.steps,
    samples: e.samples,
    dropped_samples: epochDropped(e, plan),
    au_percentage: round(mean(auPerAccelerator) ?? 0) as number,
    au_percentage_per_accelerator: auPerAccelerator.map((v) => round(v) as number),
    au_stdev_percentage_across_accelerators: round(stdev(auPerAccelerator)),
    throughput_samples_per_second: round(throughput) as number,
    io_MB_per_second: round(byteRate / MB) as number,
    io_MiB_per_second: round(byteRate / MiB) as number,
    bytes_transferred: bytes,
    projected_bytes: e.projectedBytes,
    read_amplification: e.projectedBytes > 0 ? round(bytes / e.projectedBytes) : null,
    objects_read: e.objects,
    requests: requestsSummary(e.requests),
    load_wait_s: round(e.loadWaitMs / 1000) as number,
    compute_s: round(e.computeMs / 1000) as number,
    cost_usd: requestCost(counts(e.requests), prices),
  };
}

/** Epochs where some accelerator ran too few steps for the metric window. */
function shortWindowNotices(run: RunAggregate, plan: SummaryPlan): string[] {
  const { excludeStartSteps, excludeEndSteps } = plan.training.metric;
  return run.epochs.flatMap((e) => {
    const short = e.accelerators.filter((a) => a.window.steps === 0);
    if (short.length === 0) return [];
    const stepCounts = [...new Set(short.map((a) => a.steps))].join('/');
    return [
      `epoch ${e.epoch + 1}: ${short.length} of ${run.accelerators.length} accelerator(s) ran only ${stepCounts} step(s), ` +
        `fewer than the metric window needs (exclude_start_steps ${excludeStartSteps} + exclude_end_steps ${excludeEndSteps} + 1); ` +
        'their AU and throughput count as 0, as in DLIO. Use more files or samples, a smaller batch_size, or smaller exclusions.',
    ];
  });
}

/** DLIO's metric keys over the epochs (statscounter.end_run). */
function metricSection(perEpoch: EpochStats[], plan: SummaryPlan): SummaryMetric {
  const au = perEpoch.map((e) => e.au_percentage);
  const throughput = perEpoch.map((e) => e.throughput_samples_per_second);
  const auMean = mean(au);
  const throughputMean = mean(throughput);
  const throughputStdev = stdev(throughput);
  const mibPerSample = plan.facts.dlioRecordBytes / MiB;
  const expectation = plan.training.metric.au * 100;
  return {
    train_au_percentage: au,
    train_au_mean_percentage: round(auMean),
    train_au_stdev_percentage: round(stdev(au)),
    train_au_meet_expectation: auMean !== null && auMean >= expectation ? 'success' : 'fail',
    train_au_expectation_percentage: expectation,
    train_throughput_samples_per_second: throughput,
    train_throughput_mean_samples_per_second: round(throughputMean),
    train_throughput_stdev_samples_per_second: round(throughputStdev),
    train_io_mean_MB_per_second: throughputMean === null ? null : round(throughputMean * mibPerSample),
    train_io_stdev_MB_per_second: throughputStdev === null ? null : round(throughputStdev * mibPerSample),
    exclude_start_steps: plan.training.metric.excludeStartSteps,
    exclude_end_steps: plan.training.metric.excludeEndSteps,
  };
}

/** The price table in words: the defaults, or which entries --prices changed. */
function priceBasis(overrides: Partial<PriceTable> | undefined): string {
  const changed = Object.keys(overrides ?? {});
  const base = 'S3 Standard us-east-1 list prices';
  return changed.length === 0 ? base : `${base} with --prices for ${changed.join(', ')}`;
}

function costSection(
  run: RunAggregate,
  perEpoch: EpochStats[],
  prices: PriceTable,
  context: Pick<SummaryContext, 'cloud' | 'prices'>,
) {
  const cloud = context.cloud;
  const bytesTransferred = perEpoch.reduce((n, e) => n + e.bytes_transferred, 0);
  const requestsUsd = requestCost(counts(run.requests), prices);
  const serverlessUsd = cloud ? cloudCost(cloud, prices) : null;
  const totalUsd = requestsUsd + (serverlessUsd ?? 0);
  const epochCount = Math.max(1, perEpoch.length);
  return {
    currency: 'USD' as const,
    basis: priceBasis(context.prices),
    covers: cloud
      ? 'the training requests, Lambda and Step Functions of the read phase (generation is in cloud.json)'
      : 'the training requests of this run (generation is not included)',
    prices,
    requests_usd: requestsUsd,
    serverless_usd: serverlessUsd,
    total_usd: totalUsd,
    per_epoch_usd: perEpoch.map((e) => e.cost_usd + (serverlessUsd ?? 0) / epochCount),
    per_TB_read_usd: costPerTB(totalUsd, bytesTransferred),
  };
}

function readPhaseMs(run: RunAggregate): number | null {
  const bounds = readPhaseBounds(run);
  return bounds === null ? null : Math.max(0, bounds.to - bounds.from);
}

function ioSection(run: RunAggregate, perEpoch: EpochStats[], plan: SummaryPlan): RunSummaryJson['io'] {
  const bytesTransferred = perEpoch.reduce((n, e) => n + e.bytes_transferred, 0);
  const projectedBytes = perEpoch.reduce((n, e) => n + e.projected_bytes, 0);
  const rates = perEpoch.map((e) => e.io_MB_per_second);
  const meanRate = mean(rates);
  const phaseMs = readPhaseMs(run);
  const phaseRate = phaseMs !== null && phaseMs > 0 ? (bytesTransferred / phaseMs) * 1000 : null;
  const inWindow = windowBytes(run);
  return {
    bytes_transferred: bytesTransferred,
    projected_bytes: projectedBytes,
    read_amplification: projectedBytes > 0 ? round(bytesTransferred / projectedBytes) : null,
    mean_MB_per_second: round(meanRate),
    stdev_MB_per_second: round(stdev(rates)),
    mean_MiB_per_second: meanRate === null ? null : round((meanRate * MB) / MiB),
    dlio_record_bytes: plan.facts.dlioRecordBytes,
    window_bytes: inWindow,
    window_byte_share: bytesTransferred > 0 ? round(inWindow / bytesTransferred) : null,
    read_phase_s: phaseMs === null ? null : round(phaseMs / 1000),
    read_phase_MB_per_second: phaseRate === null ? null : round(phaseRate / MB),
    read_phase_MiB_per_second: phaseRate === null ? null : round(phaseRate / MiB),
    objects_read: perEpoch.reduce((n, e) => n + e.objects_read, 0),
  };
}

function runNotices(run: RunAggregate, plan: SummaryPlan, metric: SummaryMetric, given: string[]): string[] {
  const notices = [...given];
  const configured = plan.training.accelerators;
  if (run.accelerators.length !== configured) {
    notices.push(
      `merged ${run.accelerators.length} accelerator partial(s) of the ${configured} configured: ` +
        'the figures cover only the accelerators that reported',
    );
  }
  notices.push(...shortWindowNotices(run, plan));
  const { filesUnread, numFilesTrain } = plan.facts;
  if (filesUnread > 0) {
    notices.push(
      `${filesUnread} of ${numFilesTrain} train files are never read: files sharding deals them round-robin and cuts every accelerator to ${Math.floor(numFilesTrain / configured)} files, as the MLCommons fork does`,
    );
  }
  if (metric.train_au_mean_percentage === null) {
    notices.push(
      'AU could not be computed for any epoch (metric window empty), so train_au_meet_expectation is "fail".',
    );
  }
  return notices;
}

/** Every host's CPU series added, with the cores behind them. */
function cpuOverTime(run: RunAggregate): { series: CpuSeries; cores: number } | null {
  const hosts = run.client?.hosts ?? [];
  const series = mergeCpuSeries(hosts.flatMap((h) => (h.series ? [h.series] : [])));
  return series ? { series, cores: hosts.reduce((n, h) => n + h.cores, 0) } : null;
}

export function deriveSummary(run: RunAggregate, plan: SummaryPlan, context: SummaryContext): RunSummary {
  const prices = resolvePrices(context.prices);
  const perEpoch = run.epochs.map((e) => epochStats(e, run.accelerators, plan, prices));
  const metric = metricSection(perEpoch, plan);
  const io = ioSection(run, perEpoch, plan);
  const verdict = runVerdict(
    run,
    {
      bytesRead: io.bytes_transferred,
      windowMBps: io.mean_MB_per_second,
      readPhaseMBps: io.read_phase_MB_per_second,
    },
    context.placement ?? {},
    context.pageCache ?? null,
  );
  const summary: RunSummaryJson = {
    schema_version: SUMMARY_SCHEMA_VERSION,
    tool: TOOL_NAME,
    tool_version: context.toolVersion ?? TOOL_VERSION,
    run_id: context.runId,
    workload: plan.facts.workload,
    config_hash: context.configHash,
    start: iso(run.start),
    end: iso(run.end),
    num_accelerators: plan.training.accelerators,
    num_hosts: context.numHosts ?? run.hosts.length,
    epochs: perEpoch.length,
    num_files_train: plan.facts.numFilesTrain,
    num_files_eval: plan.facts.numFilesEval,
    num_samples_per_file: plan.facts.numSamplesPerFile,
    storage_type: plan.facts.storageType,
    read_mode: plan.facts.readMode,
    random_seed: run.randomSeed,
    dataset_fingerprint: plan.facts.datasetFingerprint,
    reader: readerSection(run, plan),
    metric,
    steps: {
      total: perEpoch.reduce((n, e) => n + e.steps, 0),
      samples: perEpoch.reduce((n, e) => n + e.samples, 0),
      dropped_samples: perEpoch.reduce((n, e) => n + e.dropped_samples, 0),
      compute_s: round(perEpoch.reduce((n, e) => n + e.compute_s, 0)) as number,
      load_wait_s: round(perEpoch.reduce((n, e) => n + e.load_wait_s, 0)) as number,
    },
    io,
    requests: requestsSummary(run.requests),
    latency: {
      request: summarizeHistogram(run.histograms.requestUs),
      time_to_first_byte: summarizeHistogram(run.histograms.ttfbUs),
      step_load_wait: summarizeHistogram(run.histograms.stepLoadWaitUs),
    },
    read_phase: readPhaseFigures(run),
    cost: costSection(run, perEpoch, prices, context),
    notices: runNotices(run, plan, metric, context.notices ?? []),
    client: clientSummary(run),
    verdict,
  };
  const timeseries = run.series
    ? timeSeriesFile(run.series, {
        runId: context.runId,
        start: run.start,
        end: run.end,
        accelerators: run.accelerators.length,
        cpu: cpuOverTime(run),
      })
    : null;
  return { summary, perEpoch, timeseries };
}

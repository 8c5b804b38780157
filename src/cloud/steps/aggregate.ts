/**
 * Aggregate step: merges the readers' partials with the same `mergePartials`
 * the local executor uses and writes summary.json, per_epoch_stats.json,
 * epoch_stats.json, timeseries.json, config.yaml and cloud.json (cold starts, the all-readers window, the cost
 * split) under results/<run-id>/. summary.json's cost is the training part
 * only; generation and overhead are in cloud.json. A missing partial (a
 * reader that failed within the tolerated percentage) becomes a notice,
 * never a silent gap.
 */
import { workloadToYaml } from '../../config/load.ts';
import { StorageError } from '../../errors.ts';
import { resolvePrices } from '../../metrics/cost.ts';
import { mergePartials } from '../../metrics/merge.ts';
import { configHash, renderRunResults } from '../../metrics/results.ts';
import type { PlacementFacts } from '../../metrics/verdict-facts.ts';
import type { Storage } from '../../storage/types.ts';
import type { AggregateEvent } from '../events.ts';
import type { StepContext } from '../handler.ts';
import { resultKeys, runKeys } from '../keys.ts';
import type { GeneratePartialFile, ReaderPartialFile, WarmupRecord } from '../records.ts';
import { type CloudReport, cloudReport } from '../report.ts';
import { invocationCost, loadRun, readJson, writeJson } from '../runtime.ts';

const FETCH_CONCURRENCY = 32;

export interface AggregateOutput {
  runId: string;
  summaryKey: string;
  perEpochStatsKey: string;
  cloudKey: string;
  samples: number;
  missingReaders: number;
  verdict: 'valid' | 'warn' | 'invalid';
}

/** Reads keys[i] for every i, `FETCH_CONCURRENCY` at a time; absent objects give undefined. */
async function readAll<T>(storage: Storage, keys: string[]): Promise<(T | undefined)[]> {
  const out: (T | undefined)[] = new Array(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const i = next++;
      try {
        out[i] = await readJson<T>(storage, keys[i] as string);
      } catch (e) {
        if (!(e instanceof StorageError && e.kind === 'not_found')) throw e;
        out[i] = undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, keys.length) }, worker));
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const present = <T>(files: (T | undefined)[]) => files.filter((f): f is T => f !== undefined);

async function warmupRecords(storage: Storage, runId: string): Promise<WarmupRecord[]> {
  const keys: string[] = [];
  for await (const o of storage.list(runKeys(runId).warmupPrefix)) keys.push(o.key);
  return present(await readAll<WarmupRecord>(storage, keys));
}

/** What the summary must say about the cloud part of the run. */
function cloudNotices(e: AggregateEvent, missing: number[], report: CloudReport): string[] {
  const notices = [...e.schedule.notices];
  if (missing.length > 0) {
    notices.push(
      `${missing.length} of ${e.plan.read.count} accelerator(s) left no results (their reader failed within the tolerated failure percentage): accelerators ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
    );
  }
  const o = report.overlap;
  if (report.readers_late > 0) {
    notices.push(
      `${report.readers_late} reader(s) started after the common start (max ${report.reader_late_ms.max} ms late; accelerators ${o.late_accelerators.slice(0, 20).join(', ')}): the throughput of the window in which all readers ran is in cloud.json (overlap); raise -c pqbench:startMarginSeconds`,
    );
  }
  if (report.reader_invocations.readers_continued > 0) {
    notices.push(
      `cloud: ${report.reader_invocations.readers_continued} reader(s) continued across Lambda invocations (up to ${report.reader_invocations.max_per_reader}); their epochs are merged as one run's`,
    );
  }
  notices.push(
    `cloud: ${report.cold_starts.readers} of ${report.readers_reported} readers cold-started (init median ${report.reader_init_ms.median ?? '-'} ms); start-up is excluded from the measured window, see cloud.json`,
    `cloud: cost here is the training part ($${report.cost.training.total_usd.toFixed(4)}); generation ($${report.cost.generation.total_usd.toFixed(4)}) and overhead (plan, start wait, warm-up, results) are in cloud.json`,
  );
  return notices;
}

/** What the verdict needs of the readers: who ran together, who was late, who failed. */
function readerPlacement(
  e: AggregateEvent,
  readers: ReaderPartialFile[],
  missingAccelerators: number[],
  report: CloudReport,
): PlacementFacts {
  const hosts = readers.flatMap((r) => (r.reader ? [{ ...r.reader, name: r.partial.host }] : []));
  const o = report.overlap;
  const failed = e.plan.read.readers - report.readers_reported;
  return {
    overlap: { of: 'readers', count: e.plan.read.readers, share: o.share_of_span },
    late: {
      of: 'readers',
      spanMs: o.span_s * 1000,
      late: hosts.map((h) => ({
        id: h.accelerators[0] ?? 0,
        host: h.name,
        lateMs: h.first.lateMs,
        readyBeforeStartMs: h.first.handlerToStartMs,
      })),
    },
    missing: {
      of: 'readers',
      expected: e.plan.read.readers,
      missing: Math.max(0, failed),
      examples: missingAccelerators.slice(0, 10).map((a) => `accelerator ${a}`),
    },
  };
}

export async function aggregateStep(e: AggregateEvent, ctx: StepContext): Promise<AggregateOutput> {
  const { facts, control, controlRequests } = ctx;
  const { workload, plan } = await loadRun(control, { configKey: e.configKey, config: e.plan.config });
  const keys = runKeys(e.runId);
  const readerFiles = await readAll<ReaderPartialFile>(
    control,
    range(e.plan.read.count).map(keys.readPartial),
  );
  const generators = present(
    await readAll<GeneratePartialFile>(control, range(e.plan.generate.count).map(keys.generatePartial)),
  );
  const readers = present(readerFiles);
  const missing = readerFiles.flatMap((f, i) => (f === undefined ? [i] : []));
  const prices = resolvePrices(e.prices);
  const out = resultKeys(e.runId);
  const warmups = e.plan.read.warmup ? await warmupRecords(control, e.runId) : null;
  // The result files are written after the report is made: counted as pending PUTs.
  const report = (resultFiles: number) =>
    cloudReport({
      runId: e.runId,
      startAt: e.schedule.startAt,
      marginMs: e.schedule.marginMs,
      readers,
      expectedAccelerators: e.plan.read.count,
      expectedReaders: e.plan.read.readers,
      ranksPerHost: e.plan.read.ranksPerHost,
      generators,
      expectedGenerators: e.plan.generate.count,
      warmups,
      control: [
        e.plan.lambda,
        e.schedule.lambda,
        invocationCost(facts, controlRequests, { PUT: resultFiles }),
      ],
      prices,
    });
  const draft = report(0);
  const run = mergePartials(
    plan,
    readers.map((r) => r.partial),
    {
      runId: e.runId,
      configHash: configHash(workload),
      prices: e.prices,
      cloud: draft.usage,
      notices: cloudNotices(e, missing, draft),
      placement: readerPlacement(e, readers, missing, draft),
    },
  );
  // The same files, byte for byte, that a local run writes into its run directory.
  const files = renderRunResults(run, workloadToYaml(workload));
  const final = report(files.length + 1);
  for (const file of files) {
    await control.put(`${out.prefix}${file.name}`, new TextEncoder().encode(file.body));
  }
  await writeJson(control, out.cloud, final, true);
  return {
    runId: e.runId,
    summaryKey: out.summary,
    perEpochStatsKey: out.perEpochStats,
    cloudKey: out.cloud,
    samples: run.summary.steps.samples,
    missingReaders: missing.length,
    verdict: run.summary.verdict.status,
  };
}

/**
 * Aggregate step: merges the readers' partials with the same `mergePartials`
 * the local executor uses and writes summary.json, per_epoch_stats.json,
 * config.yaml and cloud.json (cold starts, serverless usage) under
 * results/<run-id>/. A missing partial (a reader that failed within the
 * tolerated percentage) becomes a notice, never a silent gap.
 */
import { workloadToYaml } from '../../config/load.ts';
import { StorageError } from '../../errors.ts';
import { mergePartials } from '../../metrics/merge.ts';
import { configHash, renderRunResults } from '../../metrics/results.ts';
import type { Storage } from '../../storage/types.ts';
import type { AggregateEvent } from '../events.ts';
import type { StepContext } from '../handler.ts';
import { resultKeys, runKeys } from '../keys.ts';
import {
  type CloudReport,
  cloudReport,
  type GeneratePartialFile,
  type ReaderPartialFile,
} from '../report.ts';
import { invocationCost, loadRun, readJson, writeJson } from '../runtime.ts';

const FETCH_CONCURRENCY = 32;

export interface AggregateOutput {
  runId: string;
  summaryKey: string;
  perEpochStatsKey: string;
  cloudKey: string;
  samples: number;
  missingReaders: number;
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

/** What the summary must say about the cloud part of the run. */
function cloudNotices(e: AggregateEvent, missing: number[], report: CloudReport): string[] {
  const notices = [...e.schedule.notices];
  if (missing.length > 0) {
    notices.push(
      `${missing.length} of ${e.plan.read.count} reader(s) left no results (failed within the tolerated failure percentage): accelerators ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
    );
  }
  if (report.readers_late > 0) {
    notices.push(
      `${report.readers_late} reader(s) started after the common start (max ${report.reader_late_ms.max} ms late): raise -c pqbench:startMarginSeconds`,
    );
  }
  notices.push(
    `cloud: ${report.cold_starts.readers} of ${report.readers_reported} readers cold-started (init median ${report.reader_init_ms.median ?? '-'} ms); start-up is excluded from the measured window, see cloud.json`,
  );
  return notices;
}

export async function aggregateStep(
  e: AggregateEvent,
  { facts, control }: StepContext,
): Promise<AggregateOutput> {
  const { workload, plan } = await loadRun(control, e.configKey);
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
  const report = cloudReport({
    runId: e.runId,
    startAt: e.schedule.startAt,
    marginMs: e.schedule.marginMs,
    readers,
    expectedReaders: e.plan.read.count,
    generators,
    expectedGenerators: e.plan.generate.count,
    control: [e.plan.lambda, e.schedule.lambda, invocationCost(facts)],
  });
  const run = mergePartials(
    plan,
    readers.map((r) => r.partial),
    {
      runId: e.runId,
      configHash: configHash(workload),
      prices: e.prices,
      cloud: report.usage,
      notices: cloudNotices(e, missing, report),
    },
  );
  const out = resultKeys(e.runId);
  // The same files, byte for byte, that a local run writes into its run directory.
  for (const file of renderRunResults(run, workloadToYaml(workload))) {
    await control.put(`${out.prefix}${file.name}`, new TextEncoder().encode(file.body));
  }
  await writeJson(control, out.cloud, report, true);
  return {
    runId: e.runId,
    summaryKey: out.summary,
    perEpochStatsKey: out.perEpochStats,
    cloudKey: out.cloud,
    samples: run.summary.steps.samples,
    missingReaders: missing.length,
  };
}

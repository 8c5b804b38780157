/**
 * Aggregate Lambda: merges the readers' partials with the same `mergePartials`
 * the local executor uses and writes summary.json, per_epoch_stats.json,
 * config.yaml and cloud.json (cold starts, serverless usage) under
 * results/<run-id>/. A missing partial (a reader that failed within the
 * tolerated percentage) becomes a notice, never a silent gap.
 */
import { StorageError } from '../src/errors.ts';
import { resultKeys, runKeys } from '../src/exec/cloud-plan.ts';
import { mergePartials } from '../src/metrics/merge.ts';
import { configHash, renderRunResults } from '../src/metrics/results.ts';
import type { Storage } from '../src/storage/types.ts';
import { aggregateEventSchema, parseEvent } from './events.ts';
import { cloudReport, type GeneratePartialFile, type ReaderPartialFile } from './partials.ts';
import {
  beginInvocation,
  controlStorage,
  invocationCost,
  loadRunWorkload,
  readJson,
  writeJson,
} from './runtime.ts';

const moduleLoadedAt = Date.now();
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

export async function handler(event: unknown): Promise<AggregateOutput> {
  const facts = beginInvocation(moduleLoadedAt);
  const e = parseEvent(aggregateEventSchema, event, 'aggregate');
  const control = controlStorage();
  const w = await loadRunWorkload(control, e.configKey);
  const keys = runKeys(e.runId);

  const readerFiles = await readAll<ReaderPartialFile>(
    control,
    range(e.plan.read.count).map(keys.readPartial),
  );
  const generatorFiles = await readAll<GeneratePartialFile>(
    control,
    range(e.plan.generate.count).map(keys.generatePartial),
  );
  const readers = readerFiles.filter((f): f is ReaderPartialFile => f !== undefined);
  const generators = generatorFiles.filter((f): f is GeneratePartialFile => f !== undefined);
  const missing = readerFiles.flatMap((f, i) => (f === undefined ? [i] : []));
  const notices: string[] = [...e.schedule.notices];
  if (missing.length > 0) {
    notices.push(
      `${missing.length} of ${e.plan.read.count} reader(s) left no results (failed within the tolerated failure percentage): accelerators ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
    );
  }

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
  if (report.readers_late > 0) {
    notices.push(
      `${report.readers_late} reader(s) started after the common start (max ${report.reader_late_ms.max} ms late): raise -c pqbench:startMarginSeconds`,
    );
  }
  notices.push(
    `cloud: ${report.cold_starts.readers} of ${readers.length} readers cold-started (init median ${report.reader_init_ms.median ?? '-'} ms); start-up is excluded from the measured window, see cloud.json`,
  );

  const run = mergePartials(
    w,
    readers.map((r) => r.partial),
    { runId: e.runId, configHash: configHash(w), prices: e.prices, cloud: report.usage, notices },
  );
  const out = resultKeys(e.runId);
  // The same files, byte for byte, that a local run writes into its run directory.
  for (const file of renderRunResults(run, w)) {
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

/**
 * Multi-host generate (issue 12): each launcher rank writes its contiguous
 * share of the files (runGenerate with `share`), says so with a ready record,
 * and rank 0 — once every rank is done — records the dataset manifest and
 * gives the go that the ranks of `pqbench run` wait for before training. The
 * manifest protocol is the local one: every rank deletes a stale manifest
 * before it replaces an object; only rank 0 writes the new one, after all.
 */
import { hostname } from 'node:os';
import { prepareManifestForGenerate, recordManifestAfterGenerate } from '../dataset/manifest.ts';
import type { RunPlan } from '../dataset/types.ts';
import type { Placement } from '../exec/launcher.ts';
import { generateSessionPrefix } from '../exec/rank-merge.ts';
import { RankError, RankSession, type SessionTiming } from '../exec/rendezvous.ts';
import type { ResultsLocation } from '../exec/results-location.ts';
import { causeOf } from '../exec/signals.ts';
import { mergePhaseParts, type PhasePart } from '../metrics/phase.ts';
import type { Storage } from '../storage/types.ts';
import { type GenerateRunOptions, type GenerateRunResult, runGenerate } from './run.ts';

export interface MultiHostGenerate {
  placement: Placement;
  location: ResultsLocation;
  timing: SessionTiming;
}

/** The whole run's counters, summed by rank 0 (start.json `data`). */
export interface GenerateTotals {
  files: number;
  filesWritten: number;
  filesSkipped: number;
  objectsWritten: number;
  objectsSkipped: number;
  bytesWritten: number;
  /** The slowest rank's wall time. */
  seconds: number;
  manifestWritten: boolean;
  /** Worker threads over every rank. */
  workers: number;
  /** Every rank's requests merged: the write phase (generate.json); absent from records of older versions. */
  phase?: PhasePart;
}

export interface RankGenerateResult {
  /** This rank's share; undefined when an earlier attempt of the run id had finished generating. */
  own?: GenerateRunResult;
  totals?: GenerateTotals;
  alreadyDone: boolean;
}

interface GenerateReadyBody {
  host: string;
  result: GenerateRunResult;
}

function sumTotals(results: GenerateRunResult[], manifestWritten: boolean): GenerateTotals {
  const sum = (pick: (r: GenerateRunResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  return {
    files: sum((r) => r.files),
    filesWritten: sum((r) => r.filesWritten),
    filesSkipped: sum((r) => r.filesSkipped),
    objectsWritten: sum((r) => r.objectsWritten),
    objectsSkipped: sum((r) => r.objectsSkipped),
    bytesWritten: sum((r) => r.bytesWritten),
    seconds: Math.max(0, ...results.map((r) => r.seconds)),
    manifestWritten,
    workers: sum((r) => r.workers),
    phase: mergePhaseParts(results.flatMap((r) => (r.phase ? [r.phase] : []))),
  };
}

export async function runGenerateRank(
  plan: RunPlan,
  storage: Storage,
  mh: MultiHostGenerate,
  options: Omit<GenerateRunOptions, 'share'> = {},
): Promise<RankGenerateResult> {
  const { rank, world } = mh.placement;
  const session = new RankSession({
    ...mh.timing,
    storage: mh.location.storage,
    prefix: generateSessionPrefix(mh.location.runId),
    rank,
    world,
    where: `${mh.location.display}/ranks/generate`,
    signal: options.signal,
  });
  const before = await session.startRecord<GenerateTotals>();
  if (before?.status === 'go') return { totals: before.data, alreadyDone: true };
  if (rank === 0) await session.open();
  else session.startHeartbeat();
  try {
    const own = await runGenerate(plan, storage, { ...options, share: { rank, world } });
    const ready: GenerateReadyBody = { host: hostname(), result: own };
    if (rank !== 0) {
      await session.stopHeartbeat();
      return { own, totals: await session.awaitGo<GenerateTotals>(ready), alreadyDone: false };
    }
    await session.record('ready', ready);
    const readies = await session.gather<GenerateReadyBody>('ready');
    // Every share is in place: the manifest may now vouch for the dataset.
    const current = await prepareManifestForGenerate(plan.dataset, storage, false);
    const written = await recordManifestAfterGenerate(plan.dataset, storage, current);
    const totals = sumTotals(
      readies.map((r) => r.body.result),
      written,
    );
    await session.go(totals);
    return { own, totals, alreadyDone: false };
  } catch (e) {
    const cause = causeOf(e, options.signal);
    if (!(cause instanceof RankError)) {
      if (rank === 0) await session.abort(`rank 0 failed: ${cause.message}`, [0]);
      await session.fail(cause.message);
    }
    throw cause;
  } finally {
    await session.stopHeartbeat();
  }
}

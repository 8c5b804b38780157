/**
 * The multi-host side of `pqbench generate|train|run` (issue 12): flags →
 * placement (exec/launcher.ts), the results location, SIGINT/SIGTERM as an
 * abort, and what each rank prints. Rank 0 prints the table (or
 * summary.json with --json); the other ranks one line each on stderr.
 */
import path from 'node:path';
import type { Workload } from '../config/types.ts';
import { resolveRun } from '../dataset/run-plan.ts';
import type { RunPlan } from '../dataset/types.ts';
import { UsageError } from '../errors.ts';
import { hostsLines } from '../exec/hosts-report.ts';
import { type Placement, resolvePlacement } from '../exec/launcher.ts';
import { openResultsLocation, type ResultsLocation } from '../exec/results-location.ts';
import { withInterrupts } from '../exec/signals.ts';
import { runGenerateRank } from '../generate/multihost.ts';
import type { GenerateFacts } from '../metrics/generate-results.ts';
import { runOutput, summaryFileText } from '../metrics/results.ts';
import { openStorage } from '../storage/open.ts';
import { datasetLocation } from '../storage/s3-location.ts';
import { runTrainingRank } from '../train/multihost.ts';
import type { CommandContext } from './command.ts';
import { printNotices, printRunSummary, type RunFlags, report, stderrProgress } from './flags.ts';
import { generateContext, printWritePhase, putGenerateJson } from './generate-results.ts';

export interface MultiHostFlags {
  placement: Placement;
  timing: { timeoutMs: number; pollMs: number; startMarginMs: number };
  /** The run's own folder (pqbench dlio: hydra.run.dir); default <output.folder>/<run-id>. */
  resultsDir?: string;
}

/** The defaults catalog.ts shows in the help. */
const DEFAULTS = { rankTimeoutS: 600, startMarginS: 10, pollIntervalS: 1 };

type FlagsContext = Pick<CommandContext, 'values' | 'stderr'>;

function stringValue(ctx: FlagsContext, name: string): string | undefined {
  const v = ctx.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
  return v;
}

function intFlag(ctx: FlagsContext, name: string, min: number): number | undefined {
  const v = stringValue(ctx, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  }
  return n;
}

function secondsFlag(ctx: FlagsContext, name: string, fallback: number, min: number): number {
  const v = stringValue(ctx, name);
  if (v === undefined) return fallback * 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min)
    throw new UsageError(`--${name} must be a number of seconds ≥ ${min}, got '${v}'`);
  return n * 1000;
}

/** The placement from --rank/--world/--run-id and the launcher's environment; undefined: a single-process run. */
export function parseMultiHostFlags(
  ctx: FlagsContext,
  env: NodeJS.ProcessEnv = process.env,
): MultiHostFlags | undefined {
  const placement = resolvePlacement(env, {
    rank: intFlag(ctx, 'rank', 0),
    world: intFlag(ctx, 'world', 1),
    runId: stringValue(ctx, 'run-id'),
  });
  const timing = {
    timeoutMs: secondsFlag(ctx, 'rank-timeout', DEFAULTS.rankTimeoutS, 0.1),
    startMarginMs: secondsFlag(ctx, 'start-margin', DEFAULTS.startMarginS, 0),
    pollMs: secondsFlag(ctx, 'poll-interval', DEFAULTS.pollIntervalS, 0.01),
  };
  if (!placement) {
    const stray = ['rank-timeout', 'start-margin', 'poll-interval'].find((f) => ctx.values[f] !== undefined);
    if (stray)
      throw new UsageError(`--${stray} applies to a multi-host run (--rank/--world or under a launcher)`);
    return undefined;
  }
  for (const n of placement.notices) ctx.stderr(`notice: ${n}`);
  return { placement, timing };
}

async function withLocation<T>(
  workload: Workload,
  mh: MultiHostFlags,
  work: (l: ResultsLocation) => Promise<T>,
): Promise<T> {
  const location = mh.resultsDir
    ? openResultsLocation(
        path.dirname(mh.resultsDir),
        workload.storage.storage_options,
        path.basename(mh.resultsDir),
      )
    : openResultsLocation(workload.output.folder, workload.storage.storage_options, mh.placement.runId);
  try {
    return await work(location);
  } finally {
    await location.storage.close();
  }
}

const who = (p: Placement) => `rank ${p.rank} of ${p.world}`;

/** Rank 0: every rank's write phase as generate.json in the run's results location, and its table. */
async function recordWritePhase(
  ctx: CommandContext,
  workload: Workload,
  plan: RunPlan,
  location: ResultsLocation,
  facts: GenerateFacts,
  ranks: number,
): Promise<void> {
  const output = runOutput(workload, location.runId);
  const { json, where } = await putGenerateJson(location, facts, generateContext(plan, output, ranks));
  printWritePhase(ctx, json, where);
}

export async function generateRankAndReport(
  ctx: CommandContext,
  workload: Workload,
  plan: RunPlan,
  flags: RunFlags,
  mh: MultiHostFlags,
): Promise<void> {
  const { placement } = mh;
  await withLocation(workload, mh, async (location) => {
    ctx.stderr(
      `${who(placement)} (${placement.source}) generates its share; run ${placement.runId} (${placement.runIdSource}); coordination in ${location.display}`,
    );
    const storage = openStorage(plan.storage);
    const progress = stderrProgress(ctx, 'files');
    try {
      const r = await withInterrupts((signal) =>
        runGenerateRank(
          plan,
          storage,
          { ...mh, location },
          {
            force: flags.force,
            workers: flags.workers,
            signal,
            onProgress: (s) => progress.update(s),
          },
        ),
      );
      progress.finish();
      const t = r.totals;
      if (r.alreadyDone)
        ctx.stderr(
          `${who(placement)}: run ${placement.runId} had already generated the dataset: nothing to do`,
        );
      else if (r.own)
        ctx.stderr(
          `${who(placement)}: ${r.own.filesWritten} of ${r.own.files} files written, ${r.own.filesSkipped} already present`,
        );
      if (placement.rank === 0 && t) {
        report(ctx)(
          `generated ${t.filesWritten} of ${t.files} files over ${placement.world} ranks, ${t.filesSkipped} already present; ${(t.bytesWritten / 1e6).toFixed(1)} MB (MB = 10^6 bytes) in ${t.seconds.toFixed(2)} s (slowest rank)${t.manifestWritten ? '; manifest recorded' : ''} -> ${datasetLocation(plan.storage, plan.dataset.layout.dataFolder)}`,
        );
        if (!r.alreadyDone && t.phase)
          await recordWritePhase(ctx, workload, plan, location, { ...t, phase: t.phase }, placement.world);
      }
    } finally {
      progress.finish();
      await storage.close();
    }
  });
}

export async function trainRankAndReport(
  ctx: CommandContext,
  workload: Workload,
  notices: string[],
  flags: RunFlags,
  mh: MultiHostFlags,
): Promise<void> {
  const { placement } = mh;
  if (workload.output.requests_csv)
    ctx.stderr('notice: output.requests_csv is not collected in multi-host runs');
  await withLocation(workload, mh, async (location) => {
    ctx.stderr(
      `${who(placement)} (${placement.source}); run ${placement.runId} (${placement.runIdSource}); results in ${location.display}`,
    );
    const progress = stderrProgress(ctx, 'samples');
    const printed = new Set(notices);
    try {
      const result = await withInterrupts((signal) =>
        runTrainingRank(
          (seed) => resolveRun(workload, { randomSeed: seed }),
          runOutput(workload, placement.runId),
          { ...mh, location },
          {
            notices,
            prices: flags.prices,
            signal,
            onNotice: (n) => printNotices(ctx, [n], printed),
            onProgress: (p) => progress.update({ done: p.samples, total: p.total, bytes: p.bytes }),
          },
        ),
      );
      progress.finish();
      const range = `accelerators ${result.accelerators[0]}..${result.accelerators[result.accelerators.length - 1]}`;
      if (!result.merged) {
        ctx.stderr(
          `${who(placement)}: ${result.resumed ? 'partial already in place from an earlier attempt' : 'partial written'} (${range}); rank 0 merges into ${location.display}`,
        );
        return;
      }
      const { run, facts, hosts } = result.merged;
      printNotices(ctx, run.summary.notices, printed);
      const summaryJson = summaryFileText(run, facts);
      printRunSummary(ctx, run.summary, summaryJson, location.display, hostsLines(hosts));
    } finally {
      progress.finish();
    }
  });
}

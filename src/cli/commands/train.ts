import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveRun } from '../../dataset/run-plan.ts';
import type { RunPlan } from '../../dataset/types.ts';
import { RESULT_FILES, type RunOutput, runOutput } from '../../metrics/results.ts';
import { runTraining } from '../../train/run.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import {
  loadCommandWorkload,
  parseRunFlags,
  printNotices,
  printRunSummary,
  type RunFlags,
  stderrProgress,
} from '../flags.ts';
import { parseMultiHostFlags, trainRankAndReport } from '../multihost.ts';

/**
 * Trains on a resolved workload, writes its results and prints the table (or
 * summary.json with --json); shared by `train` and `run`. `notices` (the
 * config's, printed when it was loaded) go into the results; the run's own
 * (page cache, a foreign dataset) print on stderr as soon as they are known.
 */
export async function trainAndReport(
  ctx: CommandContext,
  plan: RunPlan,
  output: RunOutput,
  notices: string[],
  flags: RunFlags,
): Promise<void> {
  const progress = stderrProgress(ctx, 'samples');
  const printed = new Set(notices);
  try {
    const result = await runTraining(plan, output, {
      notices,
      prices: flags.prices,
      onNotice: (n) => printNotices(ctx, [n], printed),
      onProgress: (p) => progress.update({ done: p.samples, total: p.total, bytes: p.bytes }),
    });
    progress.finish();
    const summary = result.run.summary;
    printNotices(ctx, summary.notices, printed);
    const summaryJson = await readFile(join(result.dir, RESULT_FILES.summary), 'utf8');
    printRunSummary(ctx, summary, summaryJson, result.dir);
  } finally {
    progress.finish();
  }
}

export const command: CliCommand = {
  async run(ctx: CommandContext) {
    const flags = await parseRunFlags(ctx);
    const multiHost = parseMultiHostFlags(ctx);
    const { workload, notices, hydra } = await loadCommandWorkload(ctx);
    if (multiHost) return trainRankAndReport(ctx, workload, notices, flags, multiHost);
    await trainAndReport(
      ctx,
      resolveRun(workload),
      runOutput(workload, undefined, hydra.runDir),
      notices,
      flags,
    );
  },
};

import { resolveRun } from '../../dataset/run-plan.ts';
import type { RunPlan } from '../../dataset/types.ts';
import { type RunOutput, runOutput } from '../../metrics/results.ts';
import { renderSummaryTable } from '../../metrics/table.ts';
import { runTraining } from '../../train/run.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadCommandWorkload, parseRunFlags, type RunFlags, stderrProgress } from '../flags.ts';
import { MULTIHOST_OPTIONS, MULTIHOST_USAGE, parseMultiHostFlags, trainRankAndReport } from '../multihost.ts';

/** Trains on a resolved workload, writes its results and prints the table; shared by `train` and `run`. */
export async function trainAndReport(
  ctx: CommandContext,
  plan: RunPlan,
  output: RunOutput,
  notices: string[],
  flags: RunFlags,
): Promise<void> {
  const progress = stderrProgress(ctx, 'samples');
  try {
    const result = await runTraining(plan, output, {
      notices,
      prices: flags.prices,
      onProgress: (p) => progress.update({ done: p.samples, total: p.total, bytes: p.bytes }),
    });
    progress.finish();
    // The config notices were printed when the workload was loaded: print each once.
    const summary = result.run.summary;
    const unseen = { ...summary, notices: summary.notices.filter((n) => !notices.includes(n)) };
    for (const line of renderSummaryTable(unseen, result.dir)) ctx.stdout(line);
  } finally {
    progress.finish();
  }
}

export const command: CliCommand = {
  name: 'train',
  summary:
    'Read the dataset like a data loader (epochs, batches, simulated compute) and report AU, throughput, latency, cost.',
  usage: `pqbench train <workload.yaml> [--set key.path=value …] [--prices prices.json] ${MULTIHOST_USAGE}`,
  options: {
    prices: { type: 'string' },
    ...MULTIHOST_OPTIONS,
  },
  async run(ctx: CommandContext) {
    const flags = await parseRunFlags(ctx);
    const multiHost = parseMultiHostFlags(ctx);
    const { workload, notices, hydra } = await loadCommandWorkload(ctx, this.usage);
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

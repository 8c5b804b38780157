import { resolveRun } from '../../dataset/run-plan.ts';
import type { RunPlan } from '../../dataset/types.ts';
import { type RunOutput, runOutput } from '../../metrics/results.ts';
import { renderSummaryTable } from '../../metrics/table.ts';
import { runTraining } from '../../train/run.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadCommandWorkload, parseRunFlags, type RunFlags, stderrProgress } from '../flags.ts';

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
    for (const line of renderSummaryTable(result.run.summary, result.dir)) ctx.stdout(line);
  } finally {
    progress.finish();
  }
}

export const command: CliCommand = {
  name: 'train',
  summary:
    'Read the dataset like a data loader (epochs, batches, simulated compute) and report AU, throughput, latency, cost.',
  usage: 'pqbench train <workload.yaml> [--set key.path=value …] [--prices prices.json]',
  options: {
    prices: { type: 'string' },
  },
  async run(ctx: CommandContext) {
    const flags = await parseRunFlags(ctx);
    const { workload, notices } = await loadCommandWorkload(ctx, this.usage);
    await trainAndReport(ctx, resolveRun(workload), runOutput(workload), notices, flags);
  },
};

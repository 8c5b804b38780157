import { loadWorkload } from '../../config/index.ts';
import type { Workload } from '../../config/types.ts';
import { UsageError } from '../../errors.ts';
import type { PriceTable } from '../../metrics/cost.ts';
import { renderSummaryTable } from '../../metrics/table.ts';
import { runTraining } from '../../train/run.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadPrices, parseWorkersFlag, stderrProgress } from '../flags.ts';

/** Trains on an already loaded workload and prints the table; shared by `train` and `run`. */
export async function trainAndReport(
  ctx: CommandContext,
  workload: Workload,
  notices: string[],
  flags: { workers?: number; prices?: Partial<PriceTable> },
): Promise<void> {
  const progress = stderrProgress(ctx, 'samples');
  try {
    const result = await runTraining(workload, {
      notices,
      workers: flags.workers,
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
  usage: 'pqbench train <workload.yaml> [--set key.path=value …] [--workers N|auto] [--prices prices.json]',
  options: {
    workers: { type: 'string' },
    prices: { type: 'string' },
  },
  async run(ctx: CommandContext) {
    const path = ctx.positionals[0];
    if (!path || ctx.positionals.length > 1) throw new UsageError(`usage: ${this.usage}`);
    const workers = parseWorkersFlag(ctx.values.workers);
    const prices = await loadPrices(ctx.values.prices);
    const { workload, notices } = await loadWorkload(path, ctx.overrides);
    for (const n of notices) ctx.stderr(n);
    await trainAndReport(ctx, workload, notices, { workers, prices });
  },
};

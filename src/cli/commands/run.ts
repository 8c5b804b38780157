import { loadWorkload } from '../../config/index.ts';
import { UsageError } from '../../errors.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadPrices, parseWorkersFlag } from '../flags.ts';
import { generateAndReport } from './generate.ts';
import { trainAndReport } from './train.ts';

export const command: CliCommand = {
  name: 'run',
  summary: 'Generate the dataset (workflow.generate_data), then train on it (workflow.train).',
  usage:
    'pqbench run <workload.yaml> [--set key.path=value …] [--workers N|auto] [--prices prices.json] [--force]',
  options: {
    workers: { type: 'string' },
    prices: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(ctx: CommandContext) {
    const path = ctx.positionals[0];
    if (!path || ctx.positionals.length > 1) throw new UsageError(`usage: ${this.usage}`);
    const workers = parseWorkersFlag(ctx.values.workers);
    const prices = await loadPrices(ctx.values.prices);
    const { workload, notices } = await loadWorkload(path, ctx.overrides);
    for (const n of notices) ctx.stderr(n);
    if (!workload.workflow.generate_data && !workload.workflow.train) {
      ctx.stderr('notice: workflow.generate_data and workflow.train are both false; nothing to do');
      return;
    }
    if (workload.workflow.generate_data) {
      await generateAndReport(ctx, workload, { force: ctx.values.force === true, workers });
    }
    if (workload.workflow.train) await trainAndReport(ctx, workload, notices, { workers, prices });
  },
};

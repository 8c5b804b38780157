import { resolveRun } from '../../dataset/run-plan.ts';
import { runOutput } from '../../metrics/results.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadCommandWorkload, parseRunFlags } from '../flags.ts';
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
    const flags = await parseRunFlags(ctx);
    const { workload, notices } = await loadCommandWorkload(ctx, this.usage);
    if (!workload.workflow.generate_data && !workload.workflow.train) {
      ctx.stderr('notice: workflow.generate_data and workflow.train are both false; nothing to do');
      return;
    }
    const plan = resolveRun(workload);
    if (plan.workflow.generateData) await generateAndReport(ctx, plan, flags);
    if (plan.workflow.train) await trainAndReport(ctx, plan, runOutput(workload), notices, flags);
  },
};

import { workloadToYaml } from '../../config/index.ts';
import type { CliCommand } from '../command.ts';
import { loadCommandWorkload } from '../flags.ts';

export const command: CliCommand = {
  name: 'validate',
  summary: 'Check a workload file (and overrides) and print the resolved, fully defaulted config as YAML.',
  usage: 'pqbench validate <workload.yaml> [--set key.path=value …] [--quiet]',
  options: { quiet: { type: 'boolean', short: 'q' } },
  async run(ctx) {
    const { path, workload } = await loadCommandWorkload(ctx, this.usage);
    if (!ctx.values.quiet) ctx.stdout(workloadToYaml(workload).trimEnd());
    ctx.stderr(`ok: ${path} is a valid workload`);
  },
};

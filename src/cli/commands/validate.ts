import { loadWorkload, workloadToYaml } from '../../config/index.ts';
import { UsageError } from '../../errors.ts';
import type { CliCommand } from '../command.ts';

export const command: CliCommand = {
  name: 'validate',
  summary: 'Check a workload file (and overrides) and print the resolved, fully defaulted config as YAML.',
  usage: 'pqbench validate <workload.yaml> [--set key.path=value …] [--quiet]',
  options: { quiet: { type: 'boolean', short: 'q' } },
  async run(ctx) {
    const path = ctx.positionals[0];
    if (!path || ctx.positionals.length > 1) throw new UsageError(`usage: ${this.usage}`);
    const { workload, notices } = await loadWorkload(path, ctx.overrides);
    for (const n of notices) ctx.stderr(n);
    if (!ctx.values.quiet) ctx.stdout(workloadToYaml(workload).trimEnd());
    ctx.stderr(`ok: ${path} is a valid workload`);
  },
};

import { workloadToYaml } from '../../config/index.ts';
import type { CliCommand } from '../command.ts';
import { loadCommandWorkload } from '../flags.ts';

export const command: CliCommand = {
  async run(ctx) {
    const { path, workload } = await loadCommandWorkload(ctx);
    if (!ctx.values.quiet) ctx.stdout(workloadToYaml(workload).trimEnd());
    ctx.stderr(`ok: ${path} is a valid workload`);
  },
};

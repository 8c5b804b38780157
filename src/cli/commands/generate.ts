import { resolveRun } from '../../dataset/run-plan.ts';
import type { RunPlan } from '../../dataset/types.ts';
import { type GenerateRunResult, runGenerate } from '../../generate/run.ts';
import { openStorage } from '../../storage/open.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadCommandWorkload, parseRunFlags, type RunFlags, stderrProgress } from '../flags.ts';

export function generateSummary(r: GenerateRunResult, where: string): string {
  const objects =
    r.objectsWritten + r.objectsSkipped !== r.filesWritten + r.filesSkipped
      ? ` (${r.objectsWritten} objects written, ${r.objectsSkipped} skipped)`
      : '';
  return (
    `generated ${r.filesWritten} of ${r.files} files, ${r.filesSkipped} already present${objects}; ` +
    `${(r.bytesWritten / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(2)} s = ${r.mbPerSecond.toFixed(1)} MB/s ` +
    `(MB = 10^6 bytes, ${r.workers} worker${r.workers === 1 ? '' : 's'}) -> ${where}`
  );
}

/** Generates a resolved workload's dataset and prints one summary line; shared by `generate` and `run`. */
export async function generateAndReport(ctx: CommandContext, plan: RunPlan, flags: RunFlags): Promise<void> {
  const storage = openStorage(plan.storage);
  const progress = stderrProgress(ctx, 'files');
  try {
    const result = await runGenerate(plan, storage, {
      force: flags.force,
      workers: flags.workers,
      onProgress: (s) => progress.update(s),
    });
    progress.finish();
    const folder = plan.dataset.layout.dataFolder;
    ctx.stdout(generateSummary(result, `${storage.location}${folder ? `/${folder}` : ''}`));
  } finally {
    progress.finish();
    await storage.close();
  }
}

export const command: CliCommand = {
  name: 'generate',
  summary: 'Write the synthetic Parquet dataset described by a workload file (skips files already there).',
  usage: 'pqbench generate <workload.yaml> [--set key.path=value …] [--force] [--workers N|auto]',
  options: {
    force: { type: 'boolean' },
    workers: { type: 'string' },
  },
  async run(ctx: CommandContext) {
    const flags = await parseRunFlags(ctx);
    const { workload } = await loadCommandWorkload(ctx, this.usage);
    await generateAndReport(ctx, resolveRun(workload), flags);
  },
};

import { loadWorkload } from '../../config/index.ts';
import type { Workload } from '../../config/types.ts';
import { datasetLayout } from '../../dataset/layout.ts';
import { UsageError } from '../../errors.ts';
import { type GenerateRunResult, runGenerate } from '../../generate/run.ts';
import { openStorage } from '../../storage/open.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { parseWorkersFlag, stderrProgress } from '../flags.ts';

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

/** Generates an already loaded workload's dataset and prints one summary line; shared by `generate` and `run`. */
export async function generateAndReport(
  ctx: CommandContext,
  workload: Workload,
  flags: { force: boolean; workers?: number },
): Promise<void> {
  const layout = datasetLayout(workload);
  const storage = openStorage(workload.storage);
  const progress = stderrProgress(ctx, 'files');
  try {
    const result = await runGenerate(workload, storage, {
      force: flags.force,
      workers: flags.workers,
      onProgress: (s) => progress.update(s),
    });
    progress.finish();
    ctx.stdout(
      generateSummary(result, `${storage.location}${layout.dataFolder ? `/${layout.dataFolder}` : ''}`),
    );
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
    const path = ctx.positionals[0];
    if (!path || ctx.positionals.length > 1) throw new UsageError(`usage: ${this.usage}`);
    const workers = parseWorkersFlag(ctx.values.workers);
    const { workload, notices } = await loadWorkload(path, ctx.overrides);
    for (const n of notices) ctx.stderr(n);
    await generateAndReport(ctx, workload, { force: ctx.values.force === true, workers });
  },
};

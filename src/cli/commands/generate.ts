import { loadWorkload } from '../../config/index.ts';
import { UsageError } from '../../errors.ts';
import { ProgressLine } from '../../exec/progress.ts';
import { resolveWorkers } from '../../exec/shards.ts';
import { datasetLayout } from '../../generate/layout.ts';
import { type GenerateRunResult, runGenerate } from '../../generate/run.ts';
import { openStorage } from '../../storage/open.ts';
import type { CliCommand, CommandContext } from '../command.ts';

function parseWorkers(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return resolveWorkers('auto');
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`--workers must be a positive integer or auto, got '${String(value)}'`);
  }
  return n;
}

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
    const workers = parseWorkers(ctx.values.workers);
    const { workload, notices } = await loadWorkload(path, ctx.overrides);
    for (const n of notices) ctx.stderr(n);
    const layout = datasetLayout(workload);
    const storage = openStorage(workload.storage);
    const progress = new ProgressLine(
      process.stderr.isTTY ? process.stderr : { write: (s: string) => ctx.stderr(s.trimEnd()), isTTY: false },
      { unit: 'files' },
    );
    try {
      const result = await runGenerate(workload, storage, {
        force: ctx.values.force === true,
        workers,
        onProgress: (s) => progress.update(s),
      });
      progress.finish();
      const where = `${storage.location}${layout.dataFolder ? `/${layout.dataFolder}` : ''}`;
      ctx.stdout(generateSummary(result, where));
    } finally {
      progress.finish();
      await storage.close();
    }
  },
};

import type { Workload } from '../../config/types.ts';
import { resolveRun } from '../../dataset/run-plan.ts';
import type { RunPlan } from '../../dataset/types.ts';
import { describeCleanup } from '../../generate/leftovers.ts';
import { type GenerateRunResult, runGenerate } from '../../generate/run.ts';
import { prepareOutputDir, runOutput } from '../../metrics/results.ts';
import { createBucketIfMissing, openStorage } from '../../storage/open.ts';
import { datasetLocation, describeEndpoint, parseS3Root } from '../../storage/s3-location.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadCommandWorkload, parseRunFlags, type RunFlags, report, stderrProgress } from '../flags.ts';
import {
  type GenerateTarget,
  generateContext,
  printWritePhase,
  writeGenerateJson,
} from '../generate-results.ts';
import { generateRankAndReport, parseMultiHostFlags } from '../multihost.ts';

export function generateSummary(r: GenerateRunResult, where: string): string {
  const objects =
    r.objectsWritten + r.objectsSkipped !== r.filesWritten + r.filesSkipped
      ? ` (${r.objectsWritten} objects written, ${r.objectsSkipped} skipped)`
      : '';
  return (
    `generated ${r.filesWritten} of ${r.files} files, ${r.filesSkipped} already present${objects}; ` +
    `${(r.bytesWritten / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(2)} s = ${r.mbPerSecond.toFixed(1)} MB/s ` +
    `(MB = 10^6 bytes, ${r.workers} worker${r.workers === 1 ? '' : 's'}); ` +
    `requests ${r.requests} (retries ${r.retries}) -> ${where}`
  );
}

/** `--create-bucket`: the workload's bucket is created if it does not exist, before anything is written. */
export async function createBucketIfAsked(ctx: CommandContext, storage: Workload['storage']): Promise<void> {
  if (ctx.values['create-bucket'] !== true) return;
  if (storage.storage_type !== 's3') {
    ctx.stderr('notice: --create-bucket: a local_fs storage has no bucket; nothing to create');
    return;
  }
  if (await createBucketIfMissing(storage)) {
    const { bucket } = parseS3Root(storage.storage_root);
    ctx.stderr(`created bucket ${bucket} at ${describeEndpoint(storage.storage_options)}`);
  }
}

/**
 * Generates a resolved workload's dataset, writes generate.json into
 * `target` and prints one summary line and the write phase's table (stderr
 * with --json); shared by `generate`, `run`, `dlio` and `sweep`.
 */
export async function generateAndReport(
  ctx: CommandContext,
  plan: RunPlan,
  flags: RunFlags,
  target: GenerateTarget,
): Promise<GenerateRunResult> {
  const storage = openStorage(plan.storage);
  const progress = stderrProgress(ctx, 'files');
  try {
    const result = await runGenerate(plan, storage, {
      force: flags.force,
      workers: flags.workers,
      onProgress: (s) => progress.update(s),
    });
    progress.finish();
    const cleaned = result.cleaned.uploadsAborted + result.cleaned.tempFilesRemoved;
    if (cleaned > 0)
      ctx.stderr(
        `notice: leftovers of an interrupted earlier generate: ${describeCleanup(storage.kind, result.cleaned)}`,
      );
    report(ctx)(generateSummary(result, datasetLocation(plan.storage, plan.dataset.layout.dataFolder)));
    const written = await writeGenerateJson(target, result, generateContext(plan, target.output, 1));
    printWritePhase(ctx, written.json, written.path);
    return result;
  } finally {
    progress.finish();
    await storage.close();
  }
}

export const command: CliCommand = {
  async run(ctx: CommandContext) {
    const flags = await parseRunFlags(ctx);
    const multiHost = parseMultiHostFlags(ctx);
    const { workload } = await loadCommandWorkload(ctx);
    await createBucketIfAsked(ctx, workload.storage);
    if (multiHost) return generateRankAndReport(ctx, workload, resolveRun(workload), flags, multiHost);
    const output = runOutput(workload);
    // Checked before anything is written: generate.json goes into a results folder of its own.
    await prepareOutputDir(output.dir);
    await generateAndReport(ctx, resolveRun(workload), flags, { output, own: true });
  },
};

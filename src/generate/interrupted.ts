/**
 * The one line an interrupted `generate` ends with (SPEC §8): which files are
 * complete (objects appear atomically, so they are kept and a re-run skips
 * them), how many in-flight writes were stopped — their multipart uploads
 * aborted or temp files removed by the storage — and what a final sweep of the
 * dataset's folders still found. No manifest is written: it would vouch for
 * files that do not exist.
 */
import type { RunPlan } from '../dataset/types.ts';
import { InterruptedError } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import { ANY_TIME, cleanDatasetLeftovers, describeCleanup } from './leftovers.ts';
import type { GenerateProgress } from './shard.ts';

export interface InterruptedFacts {
  /** Each shard's last progress. */
  progress: GenerateProgress[];
  files: number;
  /** Sweep the dataset's folders for leftovers of this run (single-process runs only). */
  sweep: boolean;
}

export async function interruptedGenerate(
  interruption: InterruptedError,
  plan: RunPlan,
  storage: Storage,
  facts: InterruptedFacts,
): Promise<InterruptedError> {
  const sum = (pick: (p: GenerateProgress) => number) => facts.progress.reduce((n, p) => n + pick(p), 0);
  const stopped = sum((p) => p.writesStopped);
  const what = storage.kind === 's3' ? 'multipart upload aborted' : 'temp file removed';
  const parts = [
    `${sum((p) => p.filesDone)} of ${facts.files} files complete`,
    `${stopped} in-flight write${stopped === 1 ? '' : 's'} stopped (${what})`,
  ];
  if (facts.sweep) {
    try {
      // Every shard has settled: whatever is still incomplete under the dataset is this run's.
      const swept = await cleanDatasetLeftovers(plan.dataset.layout, storage, ANY_TIME);
      parts.push(`sweep: ${describeCleanup(storage.kind, swept)}`);
    } catch (error) {
      parts.push(`sweep failed (${(error as Error).message}); \`pqbench clean\` removes what is left`);
    }
  }
  parts.push('no manifest written: run generate again to finish');
  return new InterruptedError(interruption.signalName, parts.join('; '));
}

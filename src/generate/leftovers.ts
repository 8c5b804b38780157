/**
 * What interrupted writes leave under a dataset (SPEC §3, §8): incomplete
 * multipart uploads on S3 — invisible to LIST, billed until aborted — and
 * temp files on local disk. A single-process `generate` removes those begun
 * before it started; after a SIGINT it sweeps what its own stopped writes
 * left; `pqbench clean` removes all of them. Only the dataset's own split
 * folders are touched, never a complete object.
 */
import type { DatasetLayout } from '../dataset/types.ts';
import type { CleanupResult, Storage } from '../storage/types.ts';

export { ANY_TIME } from '../storage/types.ts';

export const NOTHING_CLEANED: CleanupResult = { uploadsAborted: 0, tempFilesRemoved: 0 };

/** The prefixes (ending in '/') under which a dataset's objects are written. */
export function datasetWritePrefixes(layout: DatasetLayout): string[] {
  return Object.values(layout.splits)
    .filter((split) => split.prefix !== '' && split.numFiles > 0)
    .map((split) => `${split.prefix}/`);
}

/** Removes the leftovers under the dataset's split folders begun before `before`; returns the counts. */
export async function cleanDatasetLeftovers(
  layout: DatasetLayout,
  storage: Storage,
  before: Date,
): Promise<CleanupResult> {
  const total = { ...NOTHING_CLEANED };
  for (const prefix of datasetWritePrefixes(layout)) {
    const cleaned = await storage.cleanIncomplete(prefix, before);
    total.uploadsAborted += cleaned.uploadsAborted;
    total.tempFilesRemoved += cleaned.tempFilesRemoved;
  }
  return total;
}

/** "2 multipart uploads aborted", "1 temp file removed", or "nothing left behind". */
export function describeCleanup(kind: Storage['kind'], cleaned: CleanupResult): string {
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  return kind === 's3'
    ? `${plural(cleaned.uploadsAborted, 'incomplete multipart upload')} aborted`
    : `${plural(cleaned.tempFilesRemoved, 'temp file')} removed`;
}

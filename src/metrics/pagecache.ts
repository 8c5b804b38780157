/**
 * Local-disk results are only storage results if the data did not come from
 * the page cache: a dataset smaller than free RAM is likely cached after its
 * first read (a DLIO pain: epoch 2+ inflated). We warn rather than drop caches
 * (which needs root).
 */
import { freemem } from 'node:os';

const GB = 1e9;

export function pageCacheWarning(
  storageType: 'local_fs' | 's3',
  datasetBytes: number,
  freeBytes: number = freemem(),
  epochs = 1,
): string | null {
  if (storageType !== 'local_fs' || datasetBytes >= freeBytes) return null;
  return (
    `page cache: the local dataset (${(datasetBytes / GB).toFixed(3)} GB) is smaller than free RAM ` +
    `(${(freeBytes / GB).toFixed(1)} GB), so reads may be served from the page cache` +
    (epochs > 1 ? ' (certainly in epochs 2+)' : ' (e.g. right after generate)') +
    ' and measure memory, not the disk. Use a dataset larger than RAM for disk figures.'
  );
}

/**
 * Where a multi-host run's results live: `<output.folder>/<run-id>/`, with
 * `output.folder` either a directory every process can reach (a shared file
 * system) or `s3://bucket/prefix` (same endpoint, region and credentials as the
 * workload's storage_options; the dataset's bucket is fine). The processes
 * coordinate through objects under this prefix and rank 0 writes the merged
 * results there, so `pqbench merge <folder>/<run-id>` finds everything.
 */
import type { S3Options } from '../config/types.ts';
import { UsageError } from '../errors.ts';
import { isS3Url } from '../storage/endpoint.ts';
import { describeKey } from '../storage/keys.ts';
import { openStorage } from '../storage/open.ts';
import { parseS3Root } from '../storage/s3-location.ts';
import type { Storage } from '../storage/types.ts';
import { assertRunIdShape } from './launcher.ts';

export interface ResultsLocation {
  /** Rooted at the results folder (the directory, or the s3 bucket/prefix). */
  storage: Storage;
  runId: string;
  /** `<run-id>/`: every key of the run starts with it. */
  prefix: string;
  /** `<folder>/<run-id>` as a user would type it (no endpoint, no credential). */
  display: string;
}

export function isS3Folder(folder: string): boolean {
  return isS3Url(folder);
}

/** Opens `<folder>/<runId>/`; an s3:// folder uses the workload's S3 options. */
export function openResultsLocation(folder: string, s3: S3Options, runId: string): ResultsLocation {
  assertRunIdShape(runId);
  if (isS3Folder(folder)) {
    const { bucket, prefix } = parseS3Root(folder);
    const storage = openStorage({
      storage_type: 's3',
      storage_root: `${bucket}/${prefix}`,
      storage_options: s3,
    });
    return { storage, runId, prefix: `${runId}/`, display: `s3://${bucket}/${prefix}${runId}` };
  }
  const storage = openStorage({ storage_type: 'local_fs', storage_root: folder, storage_options: s3 });
  return { storage, runId, prefix: `${runId}/`, display: describeKey(storage.location, runId) };
}

/** `pqbench merge <location>`: the folder and run id of `<folder>/<run-id>` (a directory or an s3:// URL). */
export function splitResultsLocation(location: string): { folder: string; runId: string } {
  const trimmed = location.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const runId = trimmed.slice(slash + 1);
  const folder = slash < 0 ? '.' : trimmed.slice(0, slash) || '/';
  if (isS3Folder(trimmed) && !/^s3:\/\/[^/]+\/.+/i.test(trimmed)) {
    throw new UsageError(`'${location}' names no run: give s3://bucket/[prefix/]<run-id>`);
  }
  assertRunIdShape(runId, `the run id of '${location}'`);
  return { folder, runId };
}

/**
 * Picks the backend for a workload's `storage` section and, given a sink,
 * wraps it with instrumentation. Where an S3 storage's endpoint comes from
 * is endpoint.ts's business. The S3 backend (and the AWS SDK under it)
 * loads on first use: see deferred.ts.
 */
import type { Workload } from '../config/types.ts';
import { DeferredStorage } from './deferred.ts';
import { instrumentStorage } from './instrument.ts';
import { LocalStorage } from './local.ts';
import type { OperationSink } from './operations.ts';
import { s3Location } from './s3-location.ts';
import './sdk-notice.ts';
import type { Storage } from './types.ts';

export interface OpenStorageOptions {
  /** Records every request as an Operation. */
  sink?: OperationSink;
  /** Issuer id stamped on each Operation (default 0). */
  thread?: number;
}

export function openStorage(storage: Workload['storage'], options?: OpenStorageOptions): Storage {
  const backend: Storage =
    storage.storage_type === 's3'
      ? new DeferredStorage(
          's3',
          s3Location(storage.storage_root, storage.storage_options),
          async () => new (await import('./s3.ts')).S3Storage(storage.storage_root, storage.storage_options),
        )
      : new LocalStorage(storage.storage_root);
  return options?.sink ? instrumentStorage(backend, options.sink, options.thread ?? 0) : backend;
}

/**
 * Creates the bucket of an s3 storage if it does not exist (`generate
 * --create-bucket`); true if it was created. A local_fs storage has no bucket: false.
 */
export async function createBucketIfMissing(storage: Workload['storage']): Promise<boolean> {
  if (storage.storage_type !== 's3') return false;
  const { createBucketIfMissing: create } = await import('./s3-client.ts');
  return create(storage.storage_root, storage.storage_options);
}

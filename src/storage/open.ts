/**
 * Picks the backend for a workload's `storage` section and, given a sink,
 * wraps it with instrumentation.
 */
import type { Workload } from '../config/types.ts';
import { instrumentStorage } from './instrument.ts';
import { LocalStorage } from './local.ts';
import type { OperationSink } from './operations.ts';
import { S3Storage } from './s3.ts';
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
      ? new S3Storage(storage.storage_root, storage.storage_options)
      : new LocalStorage(storage.storage_root);
  return options?.sink ? instrumentStorage(backend, options.sink, options.thread ?? 0) : backend;
}

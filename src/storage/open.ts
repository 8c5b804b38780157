/**
 * Picks the backend for a workload's `storage` section and, given a sink,
 * wraps it with instrumentation. The S3 backend (and the AWS SDK under it)
 * loads on first use: see deferred.ts.
 */
import type { S3Options, Workload } from '../config/types.ts';
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
 * The S3 endpoint the environment names, as the AWS CLI and SDKs read it:
 * AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL (both ignored when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then S3_ENDPOINT, which
 * scripts/ceph-up.sh and S3-compatible stores' guides export.
 */
export function s3EndpointFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
  const awsIgnored = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  return (
    (awsIgnored ? undefined : (set(env.AWS_ENDPOINT_URL_S3) ?? set(env.AWS_ENDPOINT_URL))) ??
    set(env.S3_ENDPOINT)
  );
}

/**
 * An s3 storage whose workload names no endpoint_url, with the environment's
 * (s3EndpointFromEnvironment) filled in — and, as for an endpoint_url in the
 * workload, path-style addressing and checksums when_required (what
 * S3-compatible stores need). Applied where a workload is loaded, so that
 * config.yaml records the endpoint the run used. Anything else is returned as is.
 */
export function withEnvironmentEndpoint(
  storage: Workload['storage'],
  env: NodeJS.ProcessEnv = process.env,
): Workload['storage'] {
  if (storage.storage_type !== 's3' || storage.storage_options.endpoint_url !== undefined) return storage;
  const endpoint = s3EndpointFromEnvironment(env);
  if (endpoint === undefined) return storage;
  const options: S3Options = {
    ...storage.storage_options,
    endpoint_url: endpoint,
    s3_force_path_style: true,
    checksums: 'when_required',
  };
  return { ...storage, storage_options: options };
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

/**
 * Where an s3 storage points, without the SDK (so opening a storage can name
 * it before the client loads): the bucket/prefix of a root and the endpoint as
 * it may be printed — never a credential.
 */
import path from 'node:path';
import type { S3Options, Workload } from '../config/types.ts';
import { StorageError } from '../errors.ts';
import { describeKey } from './keys.ts';

/** Bucket and key prefix ('' or ending in '/') of an s3 storage_root: `bucket`, `bucket/prefix`, `s3://bucket/prefix`. */
export function parseS3Root(root: string): { bucket: string; prefix: string } {
  const bare = root.replace(/^s3:\/\//i, '').replace(/^\/+/, '');
  const slash = bare.indexOf('/');
  const bucket = slash < 0 ? bare : bare.slice(0, slash);
  const rest = slash < 0 ? '' : bare.slice(slash + 1).replace(/\/+$/, '');
  if (bucket === '')
    throw new StorageError({ kind: 'invalid', endpoint: root }, 'storage_root names no bucket');
  return { bucket, prefix: rest === '' ? '' : `${rest}/` };
}

/** The endpoint as it may be printed: URL without user info or query, or "aws s3 (region)". */
export function describeEndpoint(options: Pick<S3Options, 'endpoint_url' | 'region'>): string {
  if (options.endpoint_url === undefined) return `aws s3 (${options.region})`;
  try {
    const url = new URL(options.endpoint_url);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    // Unparseable (e.g. a '/' inside a password): keep the scheme, drop everything up to the last '@'.
    const m = /^([a-z][a-z0-9+.-]*:\/\/)?(?:.*@)?([^?#]*)/i.exec(options.endpoint_url);
    return `${m?.[1] ?? ''}${(m?.[2] ?? '').replace(/\/+$/, '')}`;
  }
}

/** How an s3 storage names itself in messages: `s3://bucket/prefix at endpoint`. */
export function s3Location(storageRoot: string, options: Pick<S3Options, 'endpoint_url' | 'region'>): string {
  const { bucket, prefix } = parseS3Root(storageRoot);
  return `s3://${bucket}/${prefix} at ${describeEndpoint(options)}`;
}

/** Where the dataset's objects are: `s3://bucket/prefix/folder/ at endpoint`, or the local folder. */
export function datasetLocation(storage: Workload['storage'], folder: string): string {
  if (storage.storage_type !== 's3') return path.resolve(storage.storage_root, folder);
  const root = s3Location(storage.storage_root, storage.storage_options);
  return folder ? describeKey(root, `${folder.replace(/\/+$/, '')}/`) : root;
}

/**
 * Key rules shared by the backends. Keys are '/'-separated and relative to the
 * storage root. The local backend maps them onto the file system, so anything
 * that could escape the root or alias another key is rejected up front with a
 * StorageError of kind 'invalid' (the same class a 4xx from S3 maps to).
 */
import { StorageError } from '../errors.ts';

/** Why `key` is not a valid object key, or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  if (key.includes('\0')) return 'the key contains a NUL byte';
  if (key.includes('\\')) return 'the key contains a backslash (use / as separator)';
  if (key.startsWith('/')) return 'the key is absolute (starts with /)';
  const segments = key.split('/');
  for (const [i, segment] of segments.entries()) {
    if (segment === '..') return "the key contains a '..' segment";
    if (segment === '.') return "the key contains a '.' segment";
    if (segment === '' && i < segments.length - 1) return 'the key contains an empty segment (//)';
  }
  if (key.endsWith('/')) return 'the key ends with / (that names a folder, not an object)';
  return undefined;
}

/**
 * Why `prefix` is not a valid listing prefix, or undefined. A prefix may be
 * empty, may end with '/', and may end mid-segment ("train/img_").
 */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.length === 0) return undefined;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (body.length === 0) return 'the prefix is absolute (starts with /)';
  return keyProblem(body)?.replace('the key', 'the prefix');
}

export function assertValidKey(key: string, endpoint: string, operation: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new StorageError({ kind: 'invalid', endpoint, key, operation }, problem);
  }
}

export function assertValidPrefix(prefix: string, endpoint: string, operation: string): void {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) {
    throw new StorageError({ kind: 'invalid', endpoint, key: prefix, operation }, problem);
  }
}

/** Byte-wise (UTF-8) order, the order S3 lists keys in. JS `<` compares UTF-16 units, which differs above U+FFFF. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Where `key` is, for a message: `s3://bucket/prefix/key at endpoint` for a
 * storage whose location reads `s3://bucket/prefix/ at endpoint`, the joined
 * path for a local root (a plain `${location}/${key}` would put the key
 * after the endpoint).
 */
export function describeKey(location: string, key: string): string {
  const s3 = /^(s3:\/\/\S*?)( at .*)$/.exec(location);
  if (s3) return `${s3[1]}${s3[1]?.endsWith('/') ? '' : '/'}${key}${s3[2]}`;
  return `${location.replace(/\/+$/, '')}/${key}`;
}

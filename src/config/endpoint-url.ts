/**
 * What an S3 endpoint URL may look like, wherever it is given (the
 * workload's endpoint_url, S3_ENDPOINT / AWS_ENDPOINT_URL(_S3),
 * --endpoint-url): `http(s)://host[:port]`, user info allowed (it is
 * redacted everywhere). A path or a query is refused: a query can carry a
 * token that config.yaml and every message would then repeat, and S3 puts
 * the bucket, not a path, after the host. Neither is ever quoted back.
 */

export const ENDPOINT_SHAPE = 'an http:// or https:// URL of a host and port, e.g. http://127.0.0.1:9000';

/** Why `url` is not an S3 endpoint, without quoting it (it may hold a password or a token); undefined when it is one. */
export function endpointShapeProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `has the scheme ${parsed.protocol}//`;
  if (parsed.hostname === '') return 'names no host';
  if (parsed.search !== '' || url.includes('?'))
    return 'has a query (not shown: it may carry a token; give credentials as access_key_id/secret_access_key or the AWS environment)';
  if (parsed.hash !== '' || url.includes('#')) return 'has a fragment (#…)';
  if (parsed.pathname !== '/' && parsed.pathname !== '')
    return 'has a path (not shown): an S3 endpoint is a host and port; the bucket and prefix go in storage_root';
  return undefined;
}

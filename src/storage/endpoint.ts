/**
 * The one S3 endpoint resolver. Every command that reaches an S3 location —
 * the workload commands (validate, generate, train, run, clean, dlio) and
 * those given an `s3://` folder (merge, report, compare) — takes its
 * endpoint, addressing style and region from here, so that S3_ENDPOINT and
 * AWS_ENDPOINT_URL(_S3) mean the same to all of them: a command that ignored
 * them would send the user's credentials to AWS instead of their store.
 *
 * It lives on the storage floor, not the config floor: config turns a YAML
 * document into a Workload and reads nothing else, while these variables are
 * the AWS SDK's and S3 tools' convention for reaching a store — the storage
 * floor's concern — and merge, report and compare need them with no workload
 * at all.
 */

import { ENDPOINT_SHAPE, endpointShapeProblem } from '../config/endpoint-url.ts';
import { defaultWorkload } from '../config/load.ts';
import type { S3Options, Workload } from '../config/types.ts';
import { UsageError } from '../errors.ts';

/** The variables naming an S3 endpoint, in the order they are read. */
export const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'S3_ENDPOINT'] as const;

export interface EnvironmentEndpoint {
  url: string;
  /** The variable it came from. */
  variable: (typeof ENDPOINT_VARIABLES)[number];
}

/**
 * The S3 endpoint the environment names, as the AWS CLI and SDKs read it:
 * AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL (both ignored when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then S3_ENDPOINT, which
 * scripts/ceph-up.sh and S3-compatible stores' guides export. Refused (exit
 * 2, naming the variable) when it is not `http(s)://host[:port]`.
 */
export function environmentEndpoint(env: NodeJS.ProcessEnv = process.env): EnvironmentEndpoint | undefined {
  const awsIgnored = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  for (const variable of ENDPOINT_VARIABLES) {
    if (awsIgnored && variable !== 'S3_ENDPOINT') continue;
    const url = env[variable]?.trim();
    if (url === undefined || url === '') continue;
    const problem = endpointShapeProblem(url);
    if (problem !== undefined) throw new UsageError(`${variable}: ${problem}; allowed: ${ENDPOINT_SHAPE}`);
    return { url, variable };
  }
  return undefined;
}

/** The endpoint URL the environment names (see environmentEndpoint). */
export function s3EndpointFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return environmentEndpoint(env)?.url;
}

/** Options of a store other than AWS: path-style addressing, checksums only when required. */
function customEndpoint(options: S3Options, url: string): S3Options {
  return { ...options, endpoint_url: url, s3_force_path_style: true, checksums: 'when_required' };
}

/**
 * An s3 storage whose workload names no endpoint_url, with the environment's
 * filled in (as for an endpoint_url in the workload: path style, checksums
 * when_required). Applied where a workload is loaded, so that config.yaml
 * records the endpoint the run used. Anything else is returned as is.
 */
export function withEnvironmentEndpoint(
  storage: Workload['storage'],
  env: NodeJS.ProcessEnv = process.env,
): Workload['storage'] {
  if (storage.storage_type !== 's3' || storage.storage_options.endpoint_url !== undefined) return storage;
  const endpoint = s3EndpointFromEnvironment(env);
  if (endpoint === undefined) return storage;
  return { ...storage, storage_options: customEndpoint(storage.storage_options, endpoint) };
}

/** What a command given an `s3://` folder (no workload) may say about where it is. */
export interface LocationFlags {
  /** --endpoint-url */
  endpointUrl?: string;
  /** --region */
  region?: string;
}

/**
 * S3 options for an `s3://` folder named on the command line: the endpoint
 * from --endpoint-url, else the environment's (environmentEndpoint), else
 * AWS; the region from --region, else AWS_REGION / AWS_DEFAULT_REGION, else
 * the workload default; credentials from the SDK's default chain; the rest
 * the workload defaults.
 */
export function locationS3Options(
  flags: LocationFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): S3Options {
  const base = defaultWorkload().storage.storage_options;
  const region = flags.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || base.region);
  if (flags.endpointUrl !== undefined) {
    const problem = endpointShapeProblem(flags.endpointUrl);
    if (problem !== undefined) throw new UsageError(`--endpoint-url: ${problem}; allowed: ${ENDPOINT_SHAPE}`);
  }
  const endpoint = flags.endpointUrl ?? s3EndpointFromEnvironment(env);
  const options = { ...base, region };
  return endpoint === undefined ? options : customEndpoint(options, endpoint);
}

const S3_URL = /^s3:\/\//i;

/** Whether a folder given on the command line is an `s3://bucket/prefix` URL. */
export function isS3Url(folder: string): boolean {
  return S3_URL.test(folder);
}

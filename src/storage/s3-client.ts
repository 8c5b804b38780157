/**
 * The S3 client of one s3 storage: a socket pool sized by config, standard
 * retries, the checksum mode, credentials when given, and a middleware that
 * tallies a multipart upload's requests. Also the helpers that must never
 * print a credential: the bucket/prefix of a root and the printable endpoint.
 */
import http from 'node:http';
import https from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3Options } from '../config/types.ts';
import { StorageError } from '../errors.ts';

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

/** Requests and attempts of one putStream's multipart upload, counted by a client middleware. */
export interface UploadTally {
  requests: number;
  attempts: number;
  parts: number;
}

/** Reads a response body into one buffer, allocated once when the length is known. */
export async function readBody(body: unknown, contentLength: number | undefined): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array(0);
  const chunks = body as AsyncIterable<Uint8Array>;
  if (contentLength !== undefined) {
    const out = new Uint8Array(contentLength);
    let filled = 0;
    for await (const chunk of chunks) {
      if (filled + chunk.length > contentLength)
        throw Object.assign(new Error('body longer than Content-Length'), { code: 'TruncatedBody' });
      out.set(chunk, filled);
      filled += chunk.length;
    }
    if (filled !== contentLength) {
      throw Object.assign(new Error(`body ended after ${filled} of ${contentLength} bytes`), {
        code: 'TruncatedBody',
      });
    }
    return out;
  }
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function stripQuotes(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

export interface MadeS3Client {
  client: S3Client;
  /** http and https agents: closed with the storage. */
  agents: http.Agent[];
  /** Every credential this client may send, to scrub from error text. */
  secrets: string[];
}

export function createS3Client(
  options: S3Options,
  maxAttempts: number,
  uploads: Map<string, UploadTally>,
): MadeS3Client {
  const agentOptions = { keepAlive: true, maxSockets: options.max_sockets };
  const agents: [http.Agent, https.Agent] = [new http.Agent(agentOptions), new https.Agent(agentOptions)];
  const checksums = options.checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.s3_force_path_style,
    maxAttempts,
    retryMode: 'standard',
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    requestHandler: new NodeHttpHandler({
      httpAgent: agents[0],
      httpsAgent: agents[1],
      connectionTimeout: 10_000,
      // A socket idle this long fails the attempt (then retried): a stalled GET never hangs a run.
      socketTimeout: options.request_timeout_seconds * 1000,
    }),
  };
  if (options.endpoint_url !== undefined) config.endpoint = options.endpoint_url;
  if (options.access_key_id !== undefined && options.secret_access_key !== undefined) {
    config.credentials = {
      accessKeyId: options.access_key_id,
      secretAccessKey: options.secret_access_key,
      sessionToken: options.session_token,
    };
  }
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/(.*)@/i.exec(options.endpoint_url ?? '')?.[1]?.split(':') ?? [];
  const secrets = [
    ...userInfo.flatMap((part) => [part, safeDecode(part)]),
    options.access_key_id,
    options.secret_access_key,
    options.session_token,
    process.env.AWS_ACCESS_KEY_ID,
    process.env.AWS_SECRET_ACCESS_KEY,
    process.env.AWS_SESSION_TOKEN,
  ].filter((s): s is string => typeof s === 'string' && s !== '');
  const client = new S3Client(config);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: unknown }).Key;
      const tally = typeof key === 'string' ? uploads.get(key) : undefined;
      if (tally === undefined) return next(args);
      tally.requests++;
      try {
        const result = await next(args);
        tally.attempts += (result.output as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
        if (context.commandName === 'UploadPartCommand') tally.parts++;
        return result;
      } catch (error) {
        tally.attempts += (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'pqbenchUploadTally' },
  );
  return { client, agents, secrets };
}

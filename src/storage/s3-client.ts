/**
 * The S3 client of one s3 storage: a socket pool sized by config, standard
 * retries, the checksum mode, credentials when given, and a middleware that
 * tallies a multipart upload's requests.
 */
import http from 'node:http';
import https from 'node:https';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_CONNECT_TIMEOUT_SECONDS, type S3Options } from '../config/types.ts';
import { now, type UploadRequest, type UploadRequestType } from './operations.ts';
import { watchAttempts } from './s3-attempts.ts';
import { mapS3Error } from './s3-errors.ts';
import './sdk-notice.ts';
import { describeEndpoint, parseS3Root } from './s3-location.ts';

/** Requests and attempts of one putStream's multipart upload, counted by a client middleware. */
export interface UploadTally {
  requests: number;
  attempts: number;
  parts: number;
  /** Hears each multipart request of the upload, timed (PutStreamOptions.onRequest). */
  onRequest?: (request: UploadRequest) => void;
}

const UPLOAD_REQUESTS: Record<string, UploadRequestType> = {
  CreateMultipartUploadCommand: 'CreateMultipartUpload',
  UploadPartCommand: 'UploadPart',
  CompleteMultipartUploadCommand: 'CompleteMultipartUpload',
  AbortMultipartUploadCommand: 'AbortMultipartUpload',
};

type Metadata = { $metadata?: { attempts?: number; httpStatusCode?: number } };

/** Bytes of a request body the SDK sends (UploadPart's part). */
function bodyBytes(input: unknown): number {
  const body = (input as { Body?: unknown }).Body;
  return body instanceof Uint8Array ? body.byteLength : 0;
}

/** Tells the tally's listener about one multipart request, ended in `outcome` (an output or an error). */
function reportUploadRequest(
  tally: UploadTally,
  commandName: string | undefined,
  input: unknown,
  start: number,
  outcome: { output?: Metadata; error?: unknown },
): void {
  const op = commandName === undefined ? undefined : UPLOAD_REQUESTS[commandName];
  if (op === undefined || tally.onRequest === undefined) return;
  const meta = (outcome.output ?? (outcome.error as Metadata | undefined))?.$metadata;
  const failed = outcome.error !== undefined;
  tally.onRequest({
    op,
    bytes: failed ? 0 : bodyBytes(input),
    start,
    end: now(),
    status: meta?.httpStatusCode ?? (failed ? 0 : 200),
    retries: Math.max(0, (meta?.attempts ?? 1) - 1),
    ...(failed ? { error: (outcome.error as { name?: string } | null)?.name ?? 'other' } : {}),
  });
}

/** Reads a response body into one buffer — `into` when it is large enough, else allocated once when the length is known. */
export async function readBody(
  body: unknown,
  contentLength: number | undefined,
  into?: Uint8Array,
): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array(0);
  const chunks = body as AsyncIterable<Uint8Array>;
  if (contentLength !== undefined) {
    const out =
      into && into.byteLength >= contentLength
        ? into.subarray(0, contentLength)
        : new Uint8Array(Buffer.allocUnsafeSlow(contentLength).buffer, 0, contentLength);
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

/** A retry's line (s3-attempts.ts): on stderr, whichever thread the storage runs on. */
export function announceRetry(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Every credential the client may hold, in every form an error could echo (errors are scrubbed of them). */
function clientSecrets(options: S3Options): string[] {
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/(.*)@/i.exec(options.endpoint_url ?? '')?.[1]?.split(':') ?? [];
  return [
    ...userInfo.flatMap((part) => [part, safeDecode(part)]),
    options.access_key_id,
    options.secret_access_key,
    options.session_token,
    process.env.AWS_ACCESS_KEY_ID,
    process.env.AWS_SECRET_ACCESS_KEY,
    process.env.AWS_SESSION_TOKEN,
  ].filter((s): s is string => typeof s === 'string' && s !== '');
}

/** One request of the client, counted and timed if it belongs to a multipart upload in `uploads` (by key). */
async function tallied<T extends { output: unknown }>(
  uploads: Map<string, UploadTally>,
  commandName: string | undefined,
  input: object,
  send: () => Promise<T>,
): Promise<T> {
  const key = (input as { Key?: unknown }).Key;
  const tally = typeof key === 'string' ? uploads.get(key) : undefined;
  if (tally === undefined) return send();
  tally.requests++;
  const start = now();
  try {
    const result = await send();
    tally.attempts += (result.output as Metadata).$metadata?.attempts ?? 1;
    if (commandName === 'UploadPartCommand') tally.parts++;
    reportUploadRequest(tally, commandName, input, start, { output: result.output as Metadata });
    return result;
  } catch (error) {
    tally.attempts += (error as Metadata).$metadata?.attempts ?? 1;
    reportUploadRequest(tally, commandName, input, start, { error });
    throw error;
  }
}

export function createS3Client(
  options: S3Options,
  maxAttempts: number,
  uploads: Map<string, UploadTally>,
  bucket: string,
): MadeS3Client {
  const agentOptions = { keepAlive: true, maxSockets: options.max_sockets };
  const firstContactMs =
    Math.min(
      options.connect_timeout_seconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS,
      options.request_timeout_seconds,
    ) * 1000;
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
      connectionTimeout: firstContactMs,
      // A socket idle this long fails the attempt (then retried): a stalled GET never hangs a run.
      socketTimeout: options.request_timeout_seconds * 1000,
      // The first-contact timeout a send may ask for (s3-attempts.ts) ends the attempt, not only warns.
      throwOnRequestTimeout: true,
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
  const secrets = clientSecrets(options);
  const client = new S3Client(config);
  const firstContact = watchAttempts(client, {
    endpoint: describeEndpoint(options),
    bucket,
    firstContactMs,
    maxAttempts,
    announce: announceRetry,
  });
  const send = client.send.bind(client) as (command: unknown, sendOptions?: object) => Promise<unknown>;
  client.send = ((command: unknown, sendOptions?: object) =>
    send(command, { ...firstContact(), ...sendOptions })) as S3Client['send'];
  client.middlewareStack.add(
    (next, context) => (args) => tallied(uploads, context.commandName, args.input, () => next(args)),
    { step: 'initialize', name: 'pqbenchUploadTally' },
  );
  return { client, agents, secrets };
}

/**
 * Creates the bucket of `storageRoot` unless it exists (HEAD first: creating
 * needs a permission reading does not); true if it was created. Outside
 * us-east-1 the bucket is created in the configured region, as AWS requires.
 */
export async function createBucketIfMissing(storageRoot: string, options: S3Options): Promise<boolean> {
  const { bucket } = parseS3Root(storageRoot);
  const made = createS3Client(options, Math.max(1, options.s3_max_attempts), new Map(), bucket);
  const context = { endpoint: describeEndpoint(options), bucket, secrets: made.secrets };
  try {
    try {
      await made.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return false;
    } catch (error) {
      const mapped = mapS3Error(error, { ...context, operation: 'headBucket' });
      if (mapped.kind !== 'not_found') throw mapped;
    }
    const region = options.region;
    try {
      await made.client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region !== 'us-east-1'
            ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      // Another rank or process created it in between.
      if ((error as { name?: unknown }).name === 'BucketAlreadyOwnedByYou') return false;
      throw mapS3Error(error, { ...context, operation: 'createBucket' });
    }
  } finally {
    made.client.destroy();
    for (const agent of made.agents) agent.destroy();
  }
}

/**
 * `client` whose `send` passes `signal` to every request (the SDK then
 * destroys a request in flight when it fires); everything else is `client`'s.
 */
export function withAbortSignal(client: S3Client, signal: AbortSignal): S3Client {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: Parameters<S3Client['send']>[0], options?: { abortSignal?: AbortSignal }) =>
        target.send(command, { ...options, abortSignal: signal });
    },
  });
}

export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/**
 * The one place where an S3 SDK (or socket) error becomes a StorageError.
 * The SDK error object itself never leaves this module: its `$response` and
 * request can carry the Authorization header, so only the fields we copy
 * (name, code, status, a scrubbed message) survive.
 */
import { StorageError, type StorageErrorKind } from '../errors.ts';
import { recordFailureFacts } from './backend.ts';

export interface S3ErrorContext {
  /** Printable endpoint (see describeEndpoint). */
  endpoint: string;
  bucket: string;
  /** The key as the caller named it (relative to the storage root). */
  key?: string;
  operation: string;
  /** Strings that must never appear in an error message (access key id, secret, session token). */
  secrets?: readonly string[];
  /** Attempts already spent before this error (retries outside the SDK). */
  priorAttempts?: number;
  /** Appended to the detail: what else went wrong on the way out (an upload that could not be aborted). */
  note?: string;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload', 'NoSuchVersion']);
const AUTH = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'Forbidden',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
  'AccountProblem',
  'CredentialsProviderError',
]);
const THROTTLED = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestThrottled',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
  'TruncatedBody',
  'EndpointSilent',
]);

const AUTH_DETAIL: Record<string, string> = {
  InvalidAccessKeyId: 'the server does not know this access key id',
  SignatureDoesNotMatch: 'the secret access key does not match the access key id',
  ExpiredToken: 'the session token has expired',
  CredentialsProviderError:
    'no credentials found (set access_key_id/secret_access_key or the AWS default chain)',
};

interface ErrorFields {
  name?: string;
  code?: string;
  status?: number;
  attempts?: number;
  message?: string;
}

function fieldsOf(error: unknown): ErrorFields {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const e = error as Record<string, unknown>;
  const metadata = (e.$metadata ?? {}) as Record<string, unknown>;
  // Node reports "connect to every address failed" as an AggregateError of socket errors.
  const inner = Array.isArray(e.errors) && e.errors.length > 0 ? fieldsOf(e.errors[0]) : undefined;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    name: str(e.name),
    code: str(e.Code) ?? str(e.code) ?? inner?.code,
    status: typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined,
    attempts: typeof metadata.attempts === 'number' ? metadata.attempts : undefined,
    message: str(e.message) ?? inner?.message,
  };
}

function kindOf(f: ErrorFields): StorageErrorKind {
  const ids = [f.code, f.name].filter((x): x is string => x !== undefined);
  if (ids.includes('NoSuchBucket')) return 'not_found';
  if (ids.some((id) => NETWORK.has(id))) return 'network';
  if (ids.some((id) => THROTTLED.has(id)) || f.status === 503 || f.status === 429) return 'throttled';
  if (ids.some((id) => AUTH.has(id)) || f.status === 401 || f.status === 403) return 'auth';
  if (ids.some((id) => NOT_FOUND.has(id)) || f.status === 404) return 'not_found';
  if (f.status !== undefined && f.status >= 400 && f.status < 500) return 'invalid';
  return 'other';
}

/** Replaces every occurrence of a secret by '***'. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/** Maps any error thrown by the S3 client (or a body read) to a StorageError. StorageErrors pass through. */
export function mapS3Error(error: unknown, ctx: S3ErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  const f = fieldsOf(error);
  const kind = kindOf(f);
  const code = f.code ?? f.name;
  let detail: string | undefined;
  if (code === 'NoSuchBucket') detail = `bucket ${ctx.bucket} does not exist`;
  else if (kind === 'auth') detail = (code && AUTH_DETAIL[code]) ?? 'check the credentials and bucket policy';
  else if (kind === 'not_found') detail = undefined;
  // RGW and some stores send bodies without a message; the SDK then says "UnknownError".
  else if (f.message && f.message !== 'UnknownError') detail = f.message;
  if (ctx.note !== undefined) detail = detail === undefined ? ctx.note : `${detail}; ${ctx.note}`;
  const mapped = new StorageError(
    {
      kind,
      endpoint: ctx.endpoint,
      bucket: ctx.bucket,
      key: ctx.key,
      operation: ctx.operation,
      status: f.status ?? (kind === 'network' ? 0 : undefined),
      code: code === undefined ? undefined : scrub(code, ctx.secrets),
    },
    detail === undefined ? undefined : scrub(detail, ctx.secrets),
  );
  recordFailureFacts(mapped, {
    attempts: (ctx.priorAttempts ?? 0) + (f.attempts ?? 1),
    status: f.status ?? 0,
  });
  return mapped;
}

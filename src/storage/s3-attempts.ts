/**
 * Every attempt of an S3 request, seen from inside the SDK's retry loop.
 *
 * - First contact: until the endpoint has answered this client once, a
 *   request gets `connect_timeout_seconds` (or request_timeout_seconds, if
 *   shorter) to receive its response headers, and at most
 *   FIRST_CONTACT_ATTEMPTS attempts — an endpoint that accepts connections
 *   and never answers is named in seconds, not after max_attempts × the
 *   mid-transfer idle timeout. Once it has answered, only the idle timeout
 *   (request_timeout_seconds, a socket silent that long) bounds a request,
 *   so a busy store is not cut short.
 * - Each retry after a timeout prints one line saying what is retried (the
 *   operation, the full key, the endpoint without user info — never a
 *   credential) and why.
 */
import type { S3Client } from '@aws-sdk/client-s3';

/** Attempts a request gets while its endpoint has never answered. */
export const FIRST_CONTACT_ATTEMPTS = 3;

export interface AttemptWatch {
  /** Printable endpoint (describeEndpoint). */
  endpoint: string;
  bucket: string;
  /** The first-contact timeout, ms. */
  firstContactMs: number;
  maxAttempts: number;
  /** Where a retry's line goes (stderr; tests collect). */
  announce: (line: string) => void;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const seconds = (ms: number) => `${Number((ms / 1000).toPrecision(3))} s`;

/** Why an attempt timed out, in words; undefined when it did not time out. */
function timeoutCause(error: SdkError, firstContactMs: number): string | undefined {
  const message = error.message ?? '';
  if (/requestTimeout/.test(message)) return `no response within ${seconds(firstContactMs)}`;
  const idle = /timed out after (\d+) ms of inactivity/.exec(message);
  if (idle) return `stalled: nothing received for ${seconds(Number(idle[1]))}`;
  if (error.name === 'TimeoutError' || error.code === 'ETIMEDOUT') return 'timed out';
  return undefined;
}

/** What a request is about: `GetObject s3://bucket/key`. */
function describeRequest(commandName: string | undefined, bucket: string, input: unknown): string {
  const operation = (commandName ?? 'request').replace(/Command$/, '');
  const fields = (input ?? {}) as { Key?: unknown; Prefix?: unknown };
  const key =
    typeof fields.Key === 'string' ? fields.Key : typeof fields.Prefix === 'string' ? fields.Prefix : '';
  return `${operation} s3://${bucket}/${key}`;
}

/**
 * Watches `client`'s attempts (see the module comment): returns the options
 * every `send` must add — a first-byte timeout while the endpoint has not
 * answered yet.
 */
export function watchAttempts(client: S3Client, watch: AttemptWatch): () => { requestTimeout?: number } {
  let answered = false;
  const firstContact = Math.min(FIRST_CONTACT_ATTEMPTS, watch.maxAttempts);
  client.middlewareStack.add(
    (next, context) => {
      let attempt = 0;
      let lastTimeout: string | undefined;
      return async (args) => {
        attempt++;
        const what = describeRequest(context.commandName, watch.bucket, args.input);
        if (lastTimeout !== undefined) {
          watch.announce(
            `retrying ${what} at ${watch.endpoint} (attempt ${attempt} of ${answered ? watch.maxAttempts : firstContact}): ${lastTimeout}`,
          );
        }
        try {
          const result = await next(args);
          answered = true;
          return result;
        } catch (e) {
          const error = e as SdkError;
          if (error.$metadata?.httpStatusCode !== undefined) answered = true;
          lastTimeout = timeoutCause(error, watch.firstContactMs);
          if (lastTimeout === undefined || answered || attempt < firstContact) throw e;
          // Not a transient error any more: the SDK stops retrying, and the message says why.
          throw Object.assign(
            new Error(
              `timed out: no response within ${seconds(watch.firstContactMs)} on ${attempt} attempt${attempt > 1 ? 's' : ''} (the endpoint accepts connections but does not answer; storage_options.connect_timeout_seconds)`,
            ),
            { name: 'EndpointSilent', code: 'EndpointSilent' },
          );
        }
      };
    },
    // Low priority in finalizeRequest: inside the SDK's retry middleware, so once per attempt.
    { step: 'finalizeRequest', priority: 'low', name: 'pqbenchAttemptWatch' },
  );
  return () => (answered ? {} : { requestTimeout: watch.firstContactMs });
}

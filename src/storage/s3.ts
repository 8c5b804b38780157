/**
 * s3 backend over @aws-sdk/client-s3 (AWS, MinIO, Ceph RGW, ...). One S3Client
 * and one socket pool per storage; the pool's maxSockets comes from config
 * because the SDK's default of 50 silently queues anything beyond it.
 */
import type http from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Options } from '../config/types.ts';
import { ObjectChangedError, StorageError } from '../errors.ts';
import { DEFAULT_LIST_PAGE_SIZE, entriesOf, type ListPage, type PagedLister } from './backend.ts';
import { compareKeys, describeKey } from './keys.ts';
import { now } from './operations.ts';
import { parseContentRange, rangeHeader, rangeProblem } from './range.ts';
import {
  announceRetry,
  createS3Client,
  httpStatus,
  readBody,
  stripQuotes,
  type UploadTally,
  withAbortSignal,
} from './s3-client.ts';
import { mapS3Error } from './s3-errors.ts';
import { describeEndpoint, parseS3Root } from './s3-location.ts';
import { abortIncompleteUploads } from './s3-uploads.ts';
import { abortable } from './source.ts';
import {
  ANY_TIME,
  type ByteRange,
  type CleanupResult,
  type GetOptions,
  type GetResult,
  type ListOptions,
  type ObjectInfo,
  type PutResult,
  type PutStreamOptions,
  type Storage,
} from './types.ts';

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_UPLOAD_QUEUE = 4;
const DELETE_BATCH = 1000;

export class S3Storage implements Storage, PagedLister {
  readonly kind = 's3' as const;
  readonly location: string;
  readonly bucket: string;
  /** Key prefix under the bucket: '' or ending in '/'. */
  readonly prefix: string;
  /** Printable endpoint, used in every error. */
  readonly endpoint: string;
  private readonly client: S3Client;
  private readonly agents: http.Agent[];
  private readonly maxAttempts: number;
  private readonly secrets: string[];
  private readonly uploads = new Map<string, UploadTally>();

  constructor(storageRoot: string, options: S3Options) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Root(storageRoot));
    this.endpoint = describeEndpoint(options);
    this.location = `s3://${this.bucket}/${this.prefix} at ${this.endpoint}`;
    this.maxAttempts = Math.max(1, options.s3_max_attempts);
    const made = createS3Client(options, this.maxAttempts, this.uploads, this.bucket);
    this.client = made.client;
    this.agents = made.agents;
    this.secrets = made.secrets;
  }

  async put(key: string, body: Uint8Array): Promise<PutResult> {
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key, 'put'),
          Body: body,
          ContentLength: body.length,
        }),
      );
      return {
        bytes: body.length,
        parts: 1,
        meta: {
          attempts: out.$metadata.attempts ?? 1,
          status: out.$metadata.httpStatusCode ?? 200,
          firstByteAt: now(),
        },
      };
    } catch (error) {
      throw this.fail(error, 'put', key);
    }
  }

  async putStream(
    key: string,
    source: AsyncIterable<Uint8Array>,
    options?: PutStreamOptions,
  ): Promise<PutResult> {
    options?.signal?.throwIfAborted();
    const fullKey = this.fullKey(key, 'putStream');
    const partSize = Math.max(options?.partSize ?? DEFAULT_PART_SIZE, MIN_PART_SIZE);
    const tally: UploadTally = { requests: 0, attempts: 0, parts: 0, onRequest: options?.onRequest };
    let bytes = 0;
    let sourceFailure: { error: unknown } | undefined;
    async function* counted(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of abortable(source, options?.signal)) {
          bytes += chunk.length;
          yield chunk;
        }
      } catch (error) {
        sourceFailure = { error };
        throw error;
      }
    }
    // The source is not handed the SDK's abort: lib-storage's abort() rejects before
    // AbortMultipartUpload is sent; a throwing source makes it abort first, then reject.
    // lib-storage sends its requests without an abort signal: stopped, its parts in flight would go
    // on (and be retried once the upload is aborted under them). Its client hands them `requests`.
    const requests = new AbortController();
    const upload = new Upload({
      client: withAbortSignal(this.client, requests.signal),
      params: { Bucket: this.bucket, Key: fullKey, Body: Readable.from(counted()) },
      partSize,
      queueSize: options?.queueSize ?? DEFAULT_UPLOAD_QUEUE,
      leavePartsOnError: false,
    });
    this.uploads.set(fullKey, tally);
    // The source may be read to its end long before the last parts are sent (lib-storage buffers
    // queueSize parts): a signal must stop the upload itself, not only the reading.
    const stop = () => void upload.abort().catch(() => {});
    options?.signal?.addEventListener('abort', stop, { once: true });
    try {
      const out = await upload.done();
      return {
        bytes,
        parts: Math.max(1, tally.parts),
        meta: {
          attempts: 1 + Math.max(0, tally.attempts - tally.requests),
          status: out.$metadata.httpStatusCode ?? 200,
          firstByteAt: now(),
        },
      };
    } catch (error) {
      // Nothing of this upload may still be on the wire when it is aborted.
      requests.abort();
      // The upload's own failure is the cause; an abort that fails too (the endpoint went away) must
      // not replace it, but the user learns that an incomplete upload is left and what removes it.
      const left = await this.abortUpload(fullKey, upload.uploadId).then(
        () => undefined,
        (abortError: StorageError) => abortError,
      );
      if (sourceFailure !== undefined) throw sourceFailure.error;
      if (options?.signal?.aborted) throw options.signal.reason;
      const note =
        left === undefined
          ? undefined
          : `its incomplete multipart upload could not be aborted (${left.code ?? left.kind}): the next \`pqbench generate\` or \`pqbench clean\` removes it`;
      throw this.fail(error, 'putStream', key, 0, note);
    } finally {
      options?.signal?.removeEventListener('abort', stop);
      this.uploads.delete(fullKey);
    }
  }

  async get(key: string, range?: ByteRange, options: GetOptions = {}): Promise<GetResult> {
    const fullKey = this.fullKey(key, 'get');
    if (range !== undefined) {
      const problem = rangeProblem(range);
      if (problem)
        throw new StorageError(
          { kind: 'invalid', endpoint: this.endpoint, bucket: this.bucket, key: fullKey, operation: 'get' },
          problem,
        );
    }
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: fullKey,
      Range: range === undefined ? undefined : rangeHeader(range),
      IfMatch: options.ifMatch === undefined ? undefined : `"${options.ifMatch}"`,
    });
    let attempts = 0;
    // The SDK retries until response headers; a connection lost mid-body is retried here.
    while (true) {
      let out: GetObjectCommandOutput;
      try {
        out = await this.client.send(command);
      } catch (error) {
        if (options.ifMatch !== undefined && httpStatus(error) === 412)
          throw new ObjectChangedError(
            `${key}: changed while it was being read (${describeKey(this.location, key)})`,
          );
        throw this.fail(error, 'get', key, attempts);
      }
      const firstByteAt = now();
      attempts += out.$metadata.attempts ?? 1;
      try {
        const body = await readBody(out.Body, out.ContentLength, options.into);
        const served = out.ContentRange === undefined ? undefined : parseContentRange(out.ContentRange);
        return {
          body,
          objectSize: served ? served.size : (out.ContentLength ?? body.length),
          start: served ? served.start : 0,
          end: served ? served.end : body.length,
          etag: stripQuotes(out.ETag),
          meta: { firstByteAt, attempts, status: out.$metadata.httpStatusCode ?? (range ? 206 : 200) },
        };
      } catch (error) {
        const mapped = this.fail(error, 'get', key, attempts - 1);
        if (mapped.kind !== 'network' || attempts >= this.maxAttempts) throw mapped;
        announceRetry(
          `retrying GetObject s3://${this.bucket}/${fullKey} at ${this.endpoint} (attempt ${attempts + 1} of ${this.maxAttempts}): the body broke off (${mapped.code ?? 'network'})`,
        );
        await sleep(Math.min(20_000, 100 * 2 ** attempts * Math.random()));
      }
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key, 'head') }),
      );
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: stripQuotes(out.ETag),
        lastModified: out.LastModified,
      };
    } catch (error) {
      const mapped = this.fail(error, 'head', key);
      if (mapped.kind === 'not_found') return undefined;
      throw mapped;
    }
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo> {
    return entriesOf(this.listPages(prefix, options));
  }

  /** One ListObjectsV2 request per page; objects and common prefixes merged in key order. */
  async *listPages(prefix: string, options?: ListOptions): AsyncIterable<ListPage> {
    let token: string | undefined;
    do {
      let out: ListObjectsV2CommandOutput;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            Delimiter: options?.delimiter,
            MaxKeys: options?.pageSize ?? DEFAULT_LIST_PAGE_SIZE,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw this.fail(error, 'list', prefix);
      }
      const meta = {
        attempts: out.$metadata.attempts ?? 1,
        status: out.$metadata.httpStatusCode ?? 200,
        firstByteAt: now(),
      };
      const entries: ObjectInfo[] = [];
      for (const o of out.Contents ?? []) {
        const key = this.relativeKey(o.Key);
        if (key)
          entries.push({ key, size: o.Size ?? 0, etag: stripQuotes(o.ETag), lastModified: o.LastModified });
      }
      for (const p of out.CommonPrefixes ?? []) {
        const key = this.relativeKey(p.Prefix);
        if (key) entries.push({ key, size: -1 });
      }
      entries.sort((a, b) => compareKeys(a.key, b.key));
      yield { entries, meta };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async deleteMany(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      let errors: DeleteObjectsCommandOutput['Errors'];
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.fullKey(key, 'delete') })), Quiet: true },
          }),
        );
        errors = out.Errors;
      } catch (error) {
        throw this.fail(error, 'delete', batch[0]);
      }
      const first = errors?.find((e) => e.Code !== 'NoSuchKey');
      if (first !== undefined) {
        const failure = Object.assign(new Error(first.Message ?? ''), {
          name: first.Code ?? 'DeleteError',
          Code: first.Code,
        });
        throw this.fail(failure, 'delete', this.relativeKey(first.Key) ?? batch[0]);
      }
    }
  }

  async cleanIncomplete(prefix: string, startedBefore: Date): Promise<CleanupResult> {
    try {
      const aborted = await abortIncompleteUploads(
        this.client,
        this.bucket,
        this.prefix + prefix,
        startedBefore,
      );
      return { uploadsAborted: aborted, tempFilesRemoved: 0 };
    } catch (error) {
      throw this.fail(error, 'cleanIncomplete', prefix);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
    for (const agent of this.agents) agent.destroy();
  }

  private fullKey(key: string, operation: string): string {
    if (key === '') {
      throw new StorageError(
        { kind: 'invalid', endpoint: this.endpoint, bucket: this.bucket, key, operation },
        'the key is empty',
      );
    }
    return this.prefix + key;
  }

  private relativeKey(fullKey: string | undefined): string | undefined {
    if (fullKey === undefined || !fullKey.startsWith(this.prefix)) return undefined;
    return fullKey.slice(this.prefix.length) || undefined;
  }

  private fail(
    error: unknown,
    operation: string,
    key: string | undefined,
    priorAttempts = 0,
    note?: string,
  ): StorageError {
    return mapS3Error(error, {
      endpoint: this.endpoint,
      bucket: this.bucket,
      // The key as `aws s3 ls s3://bucket/` finds it: with the storage_root's prefix.
      key: key === undefined ? undefined : this.prefix + key,
      operation,
      secrets: this.secrets,
      priorAttempts,
      note,
    });
  }

  /**
   * Safety net behind lib-storage's own abort: an upload must never be left
   * behind. Stopped while CreateMultipartUpload was in flight, the upload has
   * no id yet though the server may have made one: those of this key are
   * aborted (a key has one writer; any other upload of it is a leftover).
   */
  private async abortUpload(fullKey: string, uploadId: string | undefined): Promise<void> {
    try {
      if (uploadId === undefined) {
        await abortIncompleteUploads(this.client, this.bucket, fullKey, ANY_TIME, fullKey);
        return;
      }
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId }),
      );
    } catch (error) {
      const mapped = this.fail(error, 'abortMultipartUpload', this.relativeKey(fullKey));
      if (mapped.kind !== 'not_found') throw mapped;
    }
  }
}

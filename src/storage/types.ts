/**
 * The one storage interface. Backends (local_fs, s3) implement `Storage`;
 * `instrumentStorage` wraps any backend and turns every call into an
 * `Operation` record (see operations.ts). Keys are always relative to the
 * storage root ("data/dlrm/train/img_0_of_8.parquet"), '/'-separated.
 */
import type { UploadRequest } from './operations.ts';

/** Byte range of a GET: `[start, end)` (end exclusive), or the last `suffix` bytes. */
export type ByteRange = { start: number; end: number } | { suffix: number };

/** Facts a backend reports about one request, for instrumentation. */
export interface RequestMeta {
  /** ms timestamp (performance.timeOrigin + performance.now()) when the first response byte arrived. */
  firstByteAt?: number;
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** HTTP status, or 200 / 206 equivalent for local files. */
  status: number;
}

export interface GetResult {
  body: Uint8Array;
  /** Total object size when the backend learned it (Content-Range, stat). */
  objectSize?: number;
  /** The range actually served, `[start, end)`. */
  start: number;
  end: number;
  /** The version served: S3's ETag; on local_fs inode, size and mtime. */
  etag?: string;
  meta: RequestMeta;
}

/** Spare bytes a GetOptions.into buffer needs for the backend to choose where the body starts. */
export const READ_ALIGN_SLACK = 4096;

export interface GetOptions {
  /**
   * Read the body into this buffer when it is large enough (the result's
   * body is then a view of it): a loader reuses its fetch buffers. Given
   * READ_ALIGN_SLACK bytes more than the body needs, a backend may place the
   * body at an offset of its choosing (local_fs does: see local.ts).
   */
  into?: Uint8Array;
  /**
   * Serve the object only if it is still this version (an etag of an earlier
   * GetResult); otherwise throw ObjectChangedError. A reader pins every
   * ranged GET of a file to the version whose footer it read.
   */
  ifMatch?: string;
}

/** A `cleanIncomplete` cut-off that takes every leftover, however recent (the latest instant a Date holds). */
export const ANY_TIME = new Date(8.64e15);

export interface CleanupResult {
  uploadsAborted: number;
  tempFilesRemoved: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
  etag?: string;
  lastModified?: Date;
}

export interface PutResult {
  bytes: number;
  /** Number of parts (1 for a single PUT). */
  parts: number;
  meta: RequestMeta;
}

export interface ListOptions {
  /** Return common prefixes (folders) too, as entries with size -1 and a trailing '/'. */
  delimiter?: string;
  /** Page size of each underlying LIST request (S3 max 1000). */
  pageSize?: number;
}

export interface PutStreamOptions {
  /** Multipart part size in bytes (S3); at least 5 MiB, default 8 MiB. */
  partSize?: number;
  /** Parts uploaded concurrently (S3). */
  queueSize?: number;
  /** Aborts the upload; nothing is left behind. */
  signal?: AbortSignal;
  /** Hears each request of a multipart upload as it ends (S3; a single PUT or a local write has none). */
  onRequest?: (request: UploadRequest) => void;
}

export interface Storage {
  readonly kind: 'local_fs' | 's3';
  /** Where this storage points, safe to print: endpoint + bucket/prefix, or the local root. Never credentials. */
  readonly location: string;

  /** Whole-body PUT. Atomic: the object appears complete or not at all. */
  put(key: string, body: Uint8Array): Promise<PutResult>;
  /**
   * Streaming PUT of an unknown-length body. Atomic: a local temp file that is
   * renamed at the end, or an S3 multipart upload that is completed — or
   * aborted if the source throws or the signal fires (then this rejects and
   * no object or upload is left).
   */
  putStream(key: string, source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<PutResult>;
  /** GET the whole object, or a byte range. Ranges past the end are clipped, as S3 does. */
  get(key: string, range?: ByteRange, options?: GetOptions): Promise<GetResult>;
  /** Size and etag of an object, or `undefined` when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** All objects under a prefix, in key order, paginated lazily. */
  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo>;
  /** Delete many keys (batched 1000 per request on S3). Missing keys are not an error. */
  deleteMany(keys: string[]): Promise<void>;
  /**
   * Removes what interrupted writes under `prefix` left behind and that began
   * before `startedBefore`: incomplete multipart uploads (S3), temp files
   * (local_fs). Never touches a complete object.
   */
  cleanIncomplete(prefix: string, startedBefore: Date): Promise<CleanupResult>;
  /** Release sockets / file handles. */
  close(): Promise<void>;
}

/**
 * Raw request facts, recorded once per storage call (minio/warp's Operation).
 * Every figure pqbench reports about requests is derived from these.
 */

export type OperationType = 'GET' | 'PUT' | 'MULTIPART' | 'HEAD' | 'LIST' | 'DELETE';

export interface Operation {
  op: OperationType;
  key: string;
  /** Requested range `[rangeStart, rangeEnd)`; for suffix GETs rangeStart = -suffix and rangeEnd = -1. */
  rangeStart?: number;
  rangeEnd?: number;
  /** Payload bytes transferred (response body for GET, request body for PUT). */
  bytes: number;
  /** ms timestamps: performance.timeOrigin + performance.now(). */
  start: number;
  firstByte?: number;
  end: number;
  /** HTTP status (or 200/206/404 equivalents for local files); 0 for network failures. */
  status: number;
  /** Retries performed (attempts - 1). */
  retries: number;
  /**
   * Uploaded parts of a MULTIPART op (its requests: create + parts + complete).
   * A putStream small enough for a single PUT is recorded as op 'PUT' with parts 1.
   */
  parts?: number;
  /** Who issued it: accelerator / worker / fetcher id. */
  thread: number;
  /** Error kind when the call failed. */
  error?: string;
}

/** The requests an S3 multipart upload is made of (a putStream's MULTIPART operation covers them all). */
export type UploadRequestType =
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload';

/** One request of a multipart upload, timed around the SDK's send (retries included, as an Operation). */
export interface UploadRequest {
  op: UploadRequestType;
  /** Body bytes sent (UploadPart); 0 for the others. */
  bytes: number;
  /** ms timestamps, as Operation's. */
  start: number;
  end: number;
  status: number;
  retries: number;
  error?: string;
}

export interface OperationSink {
  record(op: Operation): void;
  /** A sink that wants the requests inside a multipart upload too (the write phase's figures). */
  recordUploadRequest?(request: UploadRequest, key: string): void;
}

/** Keeps every operation in memory; fine for tests and small runs. */
export class OperationLog implements OperationSink {
  readonly operations: Operation[] = [];
  record(op: Operation): void {
    this.operations.push(op);
  }
  clear(): void {
    this.operations.length = 0;
  }
}

export function now(): number {
  return performance.timeOrigin + performance.now();
}

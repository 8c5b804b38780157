/**
 * Incomplete multipart uploads under a prefix: what an interrupted writer
 * (SIGKILL, a lost host) leaves in a bucket — invisible to LIST, billed until
 * aborted. `generate` aborts those older than its own start before it writes;
 * `pqbench clean` aborts them all.
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Aborts every incomplete upload under `prefix` initiated before
 * `startedBefore` (only those of key `onlyKey` when given); returns how many.
 * One that is gone by the time it is aborted (its writer aborted it) is not counted.
 */
export async function abortIncompleteUploads(
  client: S3Client,
  bucket: string,
  prefix: string,
  startedBefore: Date,
  onlyKey?: string,
): Promise<number> {
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId) continue;
      if (onlyKey !== undefined && upload.Key !== onlyKey) continue;
      if (upload.Initiated && upload.Initiated >= startedBefore) continue;
      if (await abortOne(client, bucket, upload.Key, upload.UploadId)) aborted++;
    }
    if (!page.IsTruncated) return aborted;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** True when this call aborted it; false when it was already gone (NoSuchUpload). */
async function abortOne(client: S3Client, bucket: string, key: string, uploadId: string): Promise<boolean> {
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    return true;
  } catch (error) {
    const e = error as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchUpload' || e.Code === 'NoSuchUpload' || e.$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

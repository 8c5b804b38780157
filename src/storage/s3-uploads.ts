/**
 * Incomplete multipart uploads under a prefix: what an interrupted writer
 * (SIGKILL, a lost host) leaves in a bucket — invisible to LIST, billed until
 * aborted. `generate` aborts those older than its own start before it writes;
 * `pqbench clean` aborts them all.
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';

/** Aborts every incomplete upload under `prefix` initiated before `startedBefore`; returns how many. */
export async function abortIncompleteUploads(
  client: S3Client,
  bucket: string,
  prefix: string,
  startedBefore: Date,
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
      if (upload.Initiated && upload.Initiated >= startedBefore) continue;
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
      );
      aborted++;
    }
    if (!page.IsTruncated) return aborted;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/**
 * What an interrupted write can leave behind, looked at behind pqbench's
 * back: incomplete multipart uploads under an S3 prefix (ListMultipartUploads,
 * invisible to LIST) and `.name.tmp-…` files under a local directory.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';

/** Keys of the incomplete multipart uploads under `prefix` (every page). */
export async function incompleteUploads(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
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
    for (const upload of page.Uploads ?? []) keys.push(upload.Key ?? '');
    if (!page.IsTruncated) return keys;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** Paths of pqbench temp files (`.<name>.tmp-<unique>`) anywhere under `dir`. */
export async function tempFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && /^\..+\.tmp-/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

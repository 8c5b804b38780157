/**
 * S3 settings for integration tests, read from the environment that
 * `npm test` (scripts/run-tests.mjs) sets up: S3_ENDPOINT, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY (and optionally AWS_REGION).
 *
 * Usage in an integration test:
 *
 *   import { s3Skip, createTestBucket } from '../helpers/s3-env.ts';
 *   describe('my area on s3', { skip: s3Skip() }, () => {
 *     let bucket: TestBucket;
 *     before(async () => { bucket = await createTestBucket('myarea'); });
 *     after(() => bucket.destroy());
 *     it('...', async () => { const storage = openStorage(bucket.storage); ... });
 *   });
 *
 * Without S3_ENDPOINT the tests fail loudly, unless PQBENCH_SKIP_S3=1.
 */
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Options, Workload } from '../../src/config/types.ts';

export interface S3TestEnv {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The S3 test server from the environment, or undefined when S3_ENDPOINT is not set. */
export function s3TestEnv(): S3TestEnv | undefined {
  const endpoint = process.env.S3_ENDPOINT;
  if (!endpoint) return undefined;
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('S3_ENDPOINT is set but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not');
  }
  return { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', accessKeyId, secretAccessKey };
}

/**
 * `skip` option for S3 suites: false when a server is configured, a reason
 * when PQBENCH_SKIP_S3=1; otherwise throws so a missing server is never a silent pass.
 */
export function s3Skip(): string | false {
  if (s3TestEnv() !== undefined) return false;
  if (process.env.PQBENCH_SKIP_S3 === '1') return 'PQBENCH_SKIP_S3=1 and no S3_ENDPOINT';
  throw new Error(
    'integration tests need an S3 server: run them through `npm test` (starts Ceph RGW), ' +
      'set S3_ENDPOINT/AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or set PQBENCH_SKIP_S3=1 to skip',
  );
}

function requireEnv(): S3TestEnv {
  const env = s3TestEnv();
  if (env === undefined) throw new Error('S3_ENDPOINT is not set');
  return env;
}

/** S3Options for the test server, with `overrides` applied. */
export function s3TestOptions(overrides: Partial<S3Options> = {}): S3Options {
  const env = requireEnv();
  return {
    endpoint_url: env.endpoint,
    region: env.region,
    s3_force_path_style: true,
    s3_max_attempts: 3,
    checksums: 'when_required',
    max_sockets: 64,
    request_timeout_seconds: 60,
    access_key_id: env.accessKeyId,
    secret_access_key: env.secretAccessKey,
    ...overrides,
  };
}

/** A raw SDK client for the test server, for setup and for checks behind pqbench's back. */
export function s3TestClient(): S3Client {
  const env = requireEnv();
  return new S3Client({
    endpoint: env.endpoint,
    region: env.region,
    forcePathStyle: true,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface TestBucket {
  name: string;
  client: S3Client;
  /** A `Workload['storage']` pointing at this bucket (optionally under `prefix`). */
  storage(prefix?: string, overrides?: Partial<S3Options>): Workload['storage'];
  /** Keys of multipart uploads that were started and never completed or aborted. */
  unfinishedUploads(): Promise<string[]>;
  /** Empties the bucket (objects and unfinished uploads), deletes it, closes the client. */
  destroy(): Promise<void>;
}

/** Creates a bucket named `pqbench-<area>-<random>` on the test server. */
export async function createTestBucket(area: string): Promise<TestBucket> {
  const client = s3TestClient();
  const name = `pqbench-${area.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  const unfinished = async () => {
    const out = await client.send(new ListMultipartUploadsCommand({ Bucket: name }));
    return (out.Uploads ?? []).map((u) => ({ key: u.Key ?? '', id: u.UploadId ?? '' }));
  };
  return {
    name,
    client,
    storage: (prefix, overrides) => ({
      storage_type: 's3',
      storage_root: prefix ? `${name}/${prefix}` : name,
      storage_options: s3TestOptions(overrides),
    }),
    unfinishedUploads: async () => (await unfinished()).map((u) => u.key),
    destroy: async () => {
      for (const u of await unfinished()) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: name, Key: u.key, UploadId: u.id }));
      }
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: token }));
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
        if (keys.length > 0)
          await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: keys } }));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      await client.send(new DeleteBucketCommand({ Bucket: name }));
      client.destroy();
    },
  };
}

/**
 * Informational throughput of the s3 backend: 64 MiB multipart PUT and 64 MiB
 * GET through S3Storage, next to the bare SDK doing the same in the same run
 * (the reference). Medians of RUNS runs.
 *
 *   S3_ENDPOINT=http://127.0.0.1:7480 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... npx tsx bench/storage-s3.ts
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { now } from '../src/storage/operations.ts';
import { S3Storage } from '../src/storage/s3.ts';
import { createTestBucket } from '../test/helpers/s3-env.ts';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const RUNS = Number(process.env.RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = now();
  await fn();
  return (now() - start) / 1000;
}

async function* chunks(data: Uint8Array): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += MiB) yield data.subarray(offset, offset + MiB);
}

const data = new Uint8Array(randomBytes(SIZE));
const bucket = await createTestBucket('bench-storage');
try {
  const { storage_root, storage_options } = bucket.storage();
  const storage = new S3Storage(storage_root, storage_options);
  const figures: Record<string, number[]> = {
    'PUT pqbench': [],
    'PUT sdk': [],
    'GET pqbench': [],
    'GET sdk': [],
  };
  await storage.put('warm', new Uint8Array(1));
  const steps: [string, () => Promise<unknown>][] = [
    ['PUT pqbench', () => storage.putStream('obj', chunks(data))],
    [
      'PUT sdk',
      () =>
        new Upload({
          client: bucket.client,
          params: { Bucket: bucket.name, Key: 'ref', Body: data },
          partSize: 8 * MiB,
          queueSize: 4,
        }).done(),
    ],
    ['GET pqbench', () => storage.get('obj')],
    [
      'GET sdk',
      async () => {
        const out = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: 'ref' }));
        await out.Body!.transformToByteArray();
      },
    ],
  ];
  for (let run = 0; run < RUNS; run++) {
    // Alternate which side goes first, so neither always follows the other's garbage.
    const order = run % 2 === 0 ? [0, 1, 2, 3] : [1, 0, 3, 2];
    for (const i of order) figures[steps[i][0]].push(await timed(steps[i][1]));
  }
  await storage.close();
  console.log(`64 MiB object, 8 MiB parts, queue 4, median of ${RUNS} runs at ${process.env.S3_ENDPOINT}`);
  for (const [label, seconds] of Object.entries(figures)) {
    const s = median(seconds);
    console.log(
      `${label.padEnd(12)} ${(SIZE / s / 1e6).toFixed(0).padStart(5)} MB/s  ${(SIZE / s / MiB).toFixed(0).padStart(5)} MiB/s  (median ${(s * 1000).toFixed(0)} ms)`,
    );
  }
} finally {
  await bucket.destroy();
}

/**
 * The storage contract: one suite, run unchanged against local_fs (temp dir)
 * and s3 (S3_ENDPOINT). Backend differences live only in the `Backend`
 * fixtures at the bottom (how to open, what "left behind" means, how to see
 * concurrency on the wire).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { ObjectChangedError, StorageError } from '../../src/errors.ts';
import { instrumentStorage } from '../../src/storage/instrument.ts';
import { compareKeys } from '../../src/storage/keys.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import { TEMP_FILE, tempPathFor } from '../../src/storage/local-fs.ts';
import { type Operation, OperationLog } from '../../src/storage/operations.ts';
import { S3Storage } from '../../src/storage/s3.ts';
import type { Storage } from '../../src/storage/types.ts';
import { createTestBucket, s3Skip, s3TestOptions, type TestBucket } from '../helpers/s3-env.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

const MiB = 1024 * 1024;

/** Deterministic bytes (xorshift32), distinct per seed. */
function pattern(seed: number, length: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, length);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

interface Backend {
  name: 'local_fs' | 's3';
  skip: string | false;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(options?: { maxSockets?: number; endpointUrl?: string }): Storage;
  /** A storage whose container (bucket / root directory) does not exist, and that container's name. */
  openMissing(): { storage: Storage; container: string };
  /** Endpoint that errors must name. */
  endpoint(): string;
  /** The key an error names for `key`: where a user finds it (S3: with the storage root's prefix; local: under the root the endpoint names). */
  errorKey(key: string): string;
  bucket(): string | undefined;
  /** Unfinished uploads (s3) or temp files (local) left behind. */
  leftovers(): Promise<string[]>;
  /** What a writer killed mid-object leaves for `key` (a started multipart upload, a temp file). */
  leaveIncomplete(key: string): Promise<void>;
  /** Parts a putStream of `bytes` is expected to report. */
  expectedParts(bytes: number): number;
  /** Peak number of GETs in flight at once while `run` executes them (see fixtures). */
  peakConcurrency(
    run: (storage: Storage) => Promise<void>,
    maxSockets: number,
    target: number,
    holdMs?: number,
  ): Promise<number>;
}

function contractSuite(backend: Backend): void {
  describe(`storage contract: ${backend.name}`, { skip: backend.skip }, () => {
    const log = new OperationLog();
    let storage: Storage;
    const opsOf = (op: Operation['op']) => log.operations.filter((o) => o.op === op);

    before(async () => {
      await backend.setup();
      storage = instrumentStorage(backend.open(), log, 7);
    });
    after(async () => {
      await storage?.close();
      await backend.teardown();
    });

    it('put then get returns the same bytes, and head the size', async () => {
      const body = pattern(1, 100_000);
      const put = await storage.put('rt/a.bin', body);
      assert.equal(put.bytes, body.length);
      const got = await storage.get('rt/a.bin');
      assert.deepEqual(got.body, body);
      assert.deepEqual(
        [got.start, got.end, got.objectSize, got.meta.status],
        [0, body.length, body.length, 200],
      );
      assert.equal((await storage.head('rt/a.bin'))?.size, body.length);
      const getOp = opsOf('GET').at(-1)!;
      assert.equal(getOp.thread, 7);
      assert.equal(getOp.bytes, body.length);
      assert.ok(getOp.firstByte! >= getOp.start && getOp.firstByte! <= getOp.end);
    });

    it('reports the version served, and a GET pinned to a replaced version is an ObjectChangedError', async () => {
      await storage.put('rt/pinned.bin', pattern(11, 4000));
      const first = await storage.get('rt/pinned.bin', { suffix: 100 });
      assert.ok(first.etag, 'a version is reported');
      const same = await storage.get('rt/pinned.bin', { start: 0, end: 10 }, { ifMatch: first.etag });
      assert.deepEqual(same.body, pattern(11, 4000).subarray(0, 10));
      assert.equal(same.etag, first.etag);
      await storage.put('rt/pinned.bin', pattern(12, 4000));
      const error = await rejection(
        storage.get('rt/pinned.bin', { start: 0, end: 10 }, { ifMatch: first.etag }),
      );
      assert.ok(error instanceof ObjectChangedError, String(error));
      assert.match((error as Error).message, /rt\/pinned\.bin: changed while it was being read/);
    });

    it('serves ranges and suffix ranges byte-exact, clipped at the end like S3', async () => {
      const body = pattern(2, 1000);
      await storage.put('rt/ranges.bin', body);
      const cases: [Parameters<Storage['get']>[1], number, number][] = [
        [{ start: 0, end: 1 }, 0, 1],
        [{ start: 999, end: 1000 }, 999, 1000],
        [{ start: 100, end: 200 }, 100, 200],
        [{ start: 900, end: 5000 }, 900, 1000],
        [{ suffix: 1 }, 999, 1000],
        [{ suffix: 10 }, 990, 1000],
        [{ suffix: 5000 }, 0, 1000],
      ];
      for (const [range, start, end] of cases) {
        const got = await storage.get('rt/ranges.bin', range);
        assert.deepEqual(got.body, body.subarray(start, end), JSON.stringify(range));
        assert.deepEqual([got.start, got.end, got.objectSize, got.meta.status], [start, end, 1000, 206]);
      }
      const suffixOp = opsOf('GET').at(-1)!;
      assert.deepEqual([suffixOp.rangeStart, suffixOp.rangeEnd, suffixOp.bytes], [-5000, -1, 1000]);
      for (const range of [
        { start: 1000, end: 1001 },
        { start: 5, end: 5 },
      ]) {
        const error = await rejection(storage.get('rt/ranges.bin', range));
        assert.ok(error instanceof StorageError && error.kind === 'invalid', String(error));
      }
      assert.equal(opsOf('GET').at(-1)!.error, 'invalid');
    });

    it('streams 64 MiB through putStream and reads it back identical', async () => {
      const hash = createHash('sha256');
      async function* source() {
        for (let i = 0; i < 64; i++) {
          const chunk = pattern(100 + i, MiB);
          hash.update(chunk);
          yield chunk;
        }
      }
      const put = await storage.putStream('big/64mib.bin', source());
      assert.equal(put.bytes, 64 * MiB);
      assert.equal(put.parts, backend.expectedParts(64 * MiB));
      const putOp = log.operations.at(-1)!;
      assert.deepEqual(
        [putOp.op, putOp.parts, putOp.bytes],
        [put.parts > 1 ? 'MULTIPART' : 'PUT', put.parts, 64 * MiB],
      );
      const got = await storage.get('big/64mib.bin');
      assert.equal(sha256(got.body), hash.digest('hex'));
      const seam = await storage.get('big/64mib.bin', { start: 8 * MiB - 3, end: 8 * MiB + 3 });
      assert.deepEqual(seam.body, got.body.subarray(8 * MiB - 3, 8 * MiB + 3));
      assert.equal((await storage.head('big/64mib.bin'))?.size, 64 * MiB);
    });

    it('lists Hive-style keys in key order, page by page, with and without a delimiter', async () => {
      const keys = ['hive/_pqbench.json', 'hive/day=1-extra/f.parquet', 'hive-other/x.parquet'];
      for (let day = 0; day < 4; day++)
        for (let i = 0; i < 3; i++) keys.push(`hive/day=${day}/part_${i}.parquet`);
      await Promise.all(keys.map((k, i) => storage.put(k, pattern(i, 10 + i))));
      const under = keys.filter((k) => k.startsWith('hive/')).sort(compareKeys);

      log.clear();
      const all = await collect(storage.list('hive/', { pageSize: 5 }));
      assert.deepEqual(
        all.map((e) => e.key),
        under,
      );
      assert.deepEqual(
        all.map((e) => e.size),
        under.map((k) => 10 + keys.indexOf(k)),
      );
      assert.equal(opsOf('LIST').length, Math.ceil(under.length / 5));

      const folders = await collect(storage.list('hive/', { delimiter: '/', pageSize: 2 }));
      assert.deepEqual(
        folders.map((e) => [e.key, e.size]),
        [
          ['hive/_pqbench.json', 10],
          ['hive/day=0/', -1],
          ['hive/day=1-extra/', -1],
          ['hive/day=1/', -1],
          ['hive/day=2/', -1],
          ['hive/day=3/', -1],
        ],
      );
      const midSegment = await collect(storage.list('hive/day=1'));
      assert.deepEqual(
        midSegment.map((e) => e.key),
        under.filter((k) => k.startsWith('hive/day=1')),
      );
      log.clear();
      assert.deepEqual(await collect(storage.list('hive/nothing-here/')), []);
      assert.equal(opsOf('LIST').length, 1);

      await storage.deleteMany(keys);
      assert.deepEqual(await collect(storage.list('hive', { delimiter: '/' })), []);
    });

    it('reports missing keys and missing containers with kind, endpoint, bucket and key', async () => {
      assert.equal(await storage.head('no/such/key.parquet'), undefined);
      assert.deepEqual(opsOf('HEAD').at(-1)!.status, 404);
      const error = await rejection(storage.get('no/such/key.parquet'));
      assert.ok(error instanceof StorageError, String(error));
      assert.deepEqual(
        [error.kind, error.endpoint, error.bucket, error.key],
        ['not_found', backend.endpoint(), backend.bucket(), backend.errorKey('no/such/key.parquet')],
      );
      assert.match(error.message, /no\/such\/key\.parquet/);
      assert.ok(error.message.includes(backend.endpoint()));
      assert.equal(opsOf('GET').at(-1)!.error, 'not_found');

      const missing = backend.openMissing();
      const gone = await rejection(missing.storage.get('k.parquet'));
      await missing.storage.close();
      assert.ok(gone instanceof StorageError, String(gone));
      assert.equal(gone.kind, 'not_found');
      assert.equal(gone.key, 'k.parquet');
      assert.ok(gone.message.includes(`${missing.container} does not exist`), gone.message);
    });

    it('leaves no object and no upload behind when the source throws or the signal aborts', async () => {
      const boom = new Error('source failed at 20 MiB');
      async function* failing() {
        for (let i = 0; i < 20; i++) yield pattern(i, MiB);
        throw boom;
      }
      assert.equal(await rejection(storage.putStream('abort/thrown.bin', failing())), boom);
      assert.equal(log.operations.at(-1)!.error, 'other');

      const controller = new AbortController();
      async function* stalls() {
        for (let i = 0; i < 12; i++) yield pattern(i, MiB);
        controller.abort();
        await new Promise(() => {}); // never produces the next chunk
      }
      const aborted = await rejection(
        storage.putStream('abort/signalled.bin', stalls(), { signal: controller.signal }),
      );
      assert.equal((aborted as Error).name, 'AbortError');
      assert.equal(log.operations.at(-1)!.error, 'aborted');

      assert.equal(await storage.head('abort/thrown.bin'), undefined);
      assert.equal(await storage.head('abort/signalled.bin'), undefined);
      assert.deepEqual(await backend.leftovers(), []);
    });

    it('cleanIncomplete removes interrupted writes under a prefix begun before a time, and nothing else', async () => {
      await storage.put('clean/keep.bin', pattern(5, 10));
      await backend.leaveIncomplete('clean/half.bin');
      await backend.leaveIncomplete('other/half.bin');
      assert.equal((await backend.leftovers()).length, 2);
      const tooEarly = await storage.cleanIncomplete('clean/', new Date(Date.now() - 3_600_000));
      assert.deepEqual(tooEarly, { uploadsAborted: 0, tempFilesRemoved: 0 }, 'begun after the cut-off: kept');
      const cleaned = await storage.cleanIncomplete('clean/', new Date(Date.now() + 5_000));
      assert.equal(cleaned.uploadsAborted + cleaned.tempFilesRemoved, 1);
      const left = await backend.leftovers();
      assert.equal(left.length, 1);
      assert.match(left[0] as string, /other/);
      assert.deepEqual((await storage.get('clean/keep.bin')).body, pattern(5, 10));
      await storage.cleanIncomplete('other/', new Date(Date.now() + 5_000));
      assert.deepEqual(await backend.leftovers(), []);
    });

    it('keeps more than 50 GETs in flight at once with max_sockets 128', async () => {
      const body = pattern(3, 256 * 1024);
      await Promise.all(Array.from({ length: 64 }, (_, i) => storage.put(`conc/${i}.bin`, body)));
      const fetchAll = async (s: Storage) => {
        const got = await Promise.all(Array.from({ length: 64 }, (_, i) => s.get(`conc/${i}.bin`)));
        for (const g of got) assert.equal(g.body.length, body.length);
      };
      const peak = await backend.peakConcurrency(fetchAll, 128, 64);
      assert.ok(peak > 50, `peak in flight ${peak}`);
    });
  });
}

// ---- backends ---------------------------------------------------------------

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

let localRoot = '';
const localBackend: Backend = {
  name: 'local_fs',
  skip: false,
  setup: async () => {
    localRoot = await mkdtemp(path.join(os.tmpdir(), 'pqbench-storage-contract-'));
  },
  teardown: () => rm(localRoot, { recursive: true, force: true }),
  open: () => new LocalStorage(localRoot),
  openMissing: () => {
    const root = path.join(localRoot, 'missing-root');
    return { storage: new LocalStorage(root), container: root };
  },
  endpoint: () => localRoot,
  errorKey: (key) => key,
  bucket: () => undefined,
  leftovers: async () =>
    (await readdir(localRoot, { recursive: true })).filter((name) => TEMP_FILE.test(path.basename(name))),
  leaveIncomplete: async (key) => {
    await mkdir(path.dirname(path.join(localRoot, key)), { recursive: true });
    await writeFile(tempPathFor(path.join(localRoot, key)), 'half');
  },
  expectedParts: () => 1,
  // No socket pool on local disk: count file handles open at once while the reads run.
  peakConcurrency: async (run) => {
    const baseline = openFds();
    let peak = 0;
    let running = true;
    const sample = () => {
      peak = Math.max(peak, openFds() - baseline);
      if (running) setImmediate(sample);
    };
    setImmediate(sample);
    await run(localBackend.open());
    running = false;
    return peak;
  },
};

let bucket: TestBucket | undefined;
const skipS3 = s3Skip();
const s3Backend: Backend = {
  name: 's3',
  skip: skipS3,
  setup: async () => {
    bucket = await createTestBucket('storage-contract');
  },
  teardown: async () => bucket?.destroy(),
  open: (options) => {
    const storage = bucket!.storage('root/prefix', {
      max_sockets: options?.maxSockets ?? 64,
      request_timeout_seconds: 60,
      ...(options?.endpointUrl ? { endpoint_url: options.endpointUrl } : {}),
    });
    return new S3Storage(storage.storage_root, storage.storage_options);
  },
  openMissing: () => {
    const name = `${bucket!.name}-missing`;
    return { storage: new S3Storage(name, s3TestOptions()), container: `bucket ${name}` };
  },
  endpoint: () => process.env.S3_ENDPOINT!.replace(/\/$/, ''),
  errorKey: (key) => `root/prefix/${key}`,
  bucket: () => bucket!.name,
  leftovers: () => bucket!.unfinishedUploads(),
  leaveIncomplete: async (key) => {
    await bucket!.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket!.name, Key: `root/prefix/${key}` }),
    );
  },
  expectedParts: (bytes) => Math.ceil(bytes / (8 * MiB)),
  // A loopback proxy holds every response until `target` requests have arrived
  // (or `holdMs` pass): the peak is how many requests the client put on the wire at once.
  peakConcurrency: async (run, maxSockets, target, holdMs = 10_000) => {
    const proxy = await startTcpProxy(process.env.S3_ENDPOINT!, {
      hold: { requests: target, timeoutMs: holdMs },
    });
    const storage = s3Backend.open({ maxSockets, endpointUrl: proxy.url });
    try {
      await run(storage);
    } finally {
      await storage.close();
      await proxy.close();
    }
    return proxy.heldRequests;
  },
};

contractSuite(localBackend);
contractSuite(s3Backend);

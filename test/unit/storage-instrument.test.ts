import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Workload } from '../../src/config/types.ts';
import { StorageError } from '../../src/errors.ts';
import { DeferredStorage } from '../../src/storage/deferred.ts';
import { instrumentStorage } from '../../src/storage/instrument.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import { openStorage } from '../../src/storage/open.ts';
import { OperationLog } from '../../src/storage/operations.ts';
import { S3Storage } from '../../src/storage/s3.ts';
import type { Storage } from '../../src/storage/types.ts';

async function drain(items: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of items) n++;
  return n;
}

describe('instrumentStorage', () => {
  let root = '';
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pqbench-instrument-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('records one Operation per call with op, key, range, bytes, times, status and thread', async () => {
    const log = new OperationLog();
    let issuer = 0;
    const storage = instrumentStorage(new LocalStorage(root), log, () => ++issuer);
    await storage.put('a/x.bin', new Uint8Array(100));
    await storage.get('a/x.bin', { start: 10, end: 30 });
    await storage.get('a/x.bin', { suffix: 8 });
    await storage.get('a/x.bin');
    await storage.head('a/x.bin');
    await storage.head('a/missing');
    async function* two() {
      yield new Uint8Array(3);
      yield new Uint8Array(4);
    }
    await storage.putStream('a/y.bin', two());
    await storage.deleteMany(['a/y.bin']);
    const rows = log.operations.map((o) => [
      o.op,
      o.key,
      o.rangeStart,
      o.rangeEnd,
      o.bytes,
      o.status,
      o.retries,
      o.thread,
    ]);
    assert.deepEqual(rows, [
      ['PUT', 'a/x.bin', undefined, undefined, 100, 200, 0, 1],
      ['GET', 'a/x.bin', 10, 30, 20, 206, 0, 2],
      ['GET', 'a/x.bin', -8, -1, 8, 206, 0, 3],
      ['GET', 'a/x.bin', undefined, undefined, 100, 200, 0, 4],
      ['HEAD', 'a/x.bin', undefined, undefined, 0, 200, 0, 5],
      ['HEAD', 'a/missing', undefined, undefined, 0, 404, 0, 6],
      ['PUT', 'a/y.bin', undefined, undefined, 7, 200, 0, 7],
      ['DELETE', 'a/y.bin', undefined, undefined, 0, 200, 0, 8],
    ]);
    assert.equal(log.operations[6].parts, 1);
    for (const o of log.operations) {
      assert.ok(o.start <= o.end, JSON.stringify(o));
      if (o.op === 'GET') assert.ok(o.start <= o.firstByte! && o.firstByte! <= o.end, JSON.stringify(o));
      assert.equal(o.error, undefined);
    }
  });

  it('records a failed call with its error kind and rethrows the very same error', async () => {
    const log = new OperationLog();
    const inner = new LocalStorage(root);
    const storage = instrumentStorage(inner, log, 3);
    let thrown: unknown;
    await assert.rejects(
      storage.get('nope.bin', { start: 0, end: 4 }).catch((e: unknown) => {
        thrown = e;
        throw e;
      }),
    );
    assert.ok(thrown instanceof StorageError && thrown.kind === 'not_found');
    const [op] = log.operations;
    assert.deepEqual(
      [op.op, op.key, op.rangeStart, op.rangeEnd, op.bytes, op.status, op.error, op.thread],
      ['GET', 'nope.bin', 0, 4, 0, 404, 'not_found', 3],
    );
    const boom = new Error('generator bug');
    // biome-ignore lint/correctness/useYield: a source that fails before its first chunk
    async function* failing(): AsyncGenerator<Uint8Array> {
      throw boom;
    }
    await assert.rejects(storage.putStream('z.bin', failing()), (e) => e === boom);
    assert.equal(log.operations.at(-1)!.error, 'other');
  });

  it('records one LIST per page of a paged backend, and one per call otherwise', async () => {
    const local = new LocalStorage(root);
    for (let i = 0; i < 7; i++) await local.put(`list/k${i}`, new Uint8Array(1));
    const log = new OperationLog();
    assert.equal(await drain(instrumentStorage(local, log).list('list/', { pageSize: 3 })), 7);
    assert.deepEqual(
      log.operations.map((o) => [o.op, o.key, o.status]),
      [
        ['LIST', 'list/', 200],
        ['LIST', 'list/', 200],
        ['LIST', 'list/', 200],
      ],
    );
    // A backend without listPages: only Storage's own methods are visible.
    const plain: Storage = {
      kind: local.kind,
      location: local.location,
      put: (k, b) => local.put(k, b),
      putStream: (k, s, o) => local.putStream(k, s, o),
      get: (k, r) => local.get(k, r),
      head: (k) => local.head(k),
      list: (p, o) => local.list(p, o),
      deleteMany: (k) => local.deleteMany(k),
      cleanIncomplete: (p, t) => local.cleanIncomplete(p, t),
      close: () => local.close(),
    };
    log.clear();
    assert.equal(await drain(instrumentStorage(plain, log).list('list/', { pageSize: 3 })), 7);
    assert.equal(log.operations.length, 1);
  });
});

describe('openStorage', () => {
  const storage = (type: 'local_fs' | 's3', root: string): Workload['storage'] => ({
    storage_type: type,
    storage_root: root,
    storage_options: {
      region: 'us-east-1',
      s3_force_path_style: true,
      s3_max_attempts: 3,
      checksums: 'when_required',
      max_sockets: 256,
      request_timeout_seconds: 60,
    },
  });

  it('picks the backend and instruments it only when given a sink', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pqbench-open-'));
    try {
      assert.ok(openStorage(storage('local_fs', dir)) instanceof LocalStorage);
      const s3 = openStorage(storage('s3', 's3://bkt/pre'));
      // The SDK loads on first use; the storage names itself before.
      assert.ok(s3 instanceof DeferredStorage);
      assert.equal(s3.kind, 's3');
      assert.equal(s3.location, 's3://bkt/pre/ at aws s3 (us-east-1)');
      assert.ok((await s3.backend()) instanceof S3Storage);
      await s3.close();
      const log = new OperationLog();
      const instrumented = openStorage(storage('local_fs', dir), { sink: log, thread: 5 });
      assert.equal(instrumented.kind, 'local_fs');
      await instrumented.put('k', new Uint8Array(1));
      assert.deepEqual(
        log.operations.map((o) => [o.op, o.thread]),
        [['PUT', 5]],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

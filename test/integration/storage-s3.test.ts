/**
 * What only the s3 backend has: a socket pool that must not cap concurrency
 * at the SDK's 50, SDK retries that must be counted, and credentials that must
 * never reach an error. Faults are injected with a loopback TCP proxy.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { S3Options } from '../../src/config/types.ts';
import { StorageError } from '../../src/errors.ts';
import { instrumentStorage } from '../../src/storage/instrument.ts';
import { OperationLog } from '../../src/storage/operations.ts';
import { S3Storage } from '../../src/storage/s3.ts';
import { createTestBucket, s3Skip, s3TestOptions, type TestBucket } from '../helpers/s3-env.ts';
import { type ConnectionPlan, startTcpProxy } from '../helpers/tcp-proxy.ts';

const MiB = 1024 * 1024;

function pattern(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('s3 backend specifics', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  before(async () => {
    bucket = await createTestBucket('storage-s3');
  });
  after(() => bucket.destroy());
  const open = (overrides: Partial<S3Options> = {}) => new S3Storage(bucket.name, s3TestOptions(overrides));

  it('queues beyond max_sockets: the wire probe sees exactly 50 in flight with max_sockets 50', async () => {
    const storage = open();
    await Promise.all(Array.from({ length: 64 }, (_, i) => storage.put(`cap/${i}.bin`, pattern(i, 1000))));
    await storage.close();
    // The contract suite shows 64 in flight with max_sockets 128; the same probe must see the cap.
    const proxy = await startTcpProxy(process.env.S3_ENDPOINT!, { hold: { requests: 64, timeoutMs: 1500 } });
    const capped = open({ max_sockets: 50, endpoint_url: proxy.url });
    await Promise.all(Array.from({ length: 64 }, (_, i) => capped.get(`cap/${i}.bin`)));
    await capped.close();
    await proxy.close();
    assert.equal(proxy.heldRequests, 50);
  });

  it('retries 503 SlowDown, a connection cut mid-body and a stalled body, and counts the attempts', {
    timeout: 60_000,
  }, async () => {
    const storage = open();
    const body = pattern(9, 3 * MiB);
    await storage.put('retry/obj.bin', body);
    await storage.close();
    const xml = '<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>';
    const slowDown = `HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: ${xml.length}\r\nConnection: close\r\n\r\n${xml}`;
    const cases: [string, (i: number) => ConnectionPlan, number][] = [
      ['503 SlowDown twice', (i) => (i < 2 ? { reply: slowDown } : {}), 3],
      ['reset after 1 MiB of body', (i) => (i === 0 ? { cutAfterBytes: MiB } : {}), 2],
      [
        'stalled after 1 MiB of body (request timeout 1 s)',
        (i) => (i === 0 ? { stallAfterBytes: MiB } : {}),
        2,
      ],
    ];
    for (const [label, plan, attempts] of cases) {
      const proxy = await startTcpProxy(process.env.S3_ENDPOINT!, { plan });
      const log = new OperationLog();
      const s = instrumentStorage(open({ endpoint_url: proxy.url, request_timeout_seconds: 1 }), log);
      try {
        const got = await s.get('retry/obj.bin');
        assert.equal(sha256(got.body), sha256(body), label);
        assert.equal(got.meta.attempts, attempts, label);
        assert.equal(log.operations[0].retries, attempts - 1, label);
      } finally {
        await s.close();
        await proxy.close();
      }
    }
    // Out of attempts (s3_max_attempts 3 in tests): the failure is typed and its retries recorded.
    const proxy = await startTcpProxy(process.env.S3_ENDPOINT!, { plan: () => ({ reply: slowDown }) });
    const log = new OperationLog();
    const s = instrumentStorage(open({ endpoint_url: proxy.url }), log);
    const error = await rejection(s.get('retry/obj.bin'));
    await s.close();
    await proxy.close();
    assert.ok(error instanceof StorageError && error.kind === 'throttled', String(error));
    assert.deepEqual(
      [log.operations[0].error, log.operations[0].retries, log.operations[0].status],
      ['throttled', 2, 503],
    );
  });

  it('never puts credentials into error messages, stacks, JSON or operation records', async () => {
    const secret = 'PQBENCH/SECRET+LEAK-zz9';
    const keyId = 'PQBENCHKEYIDLEAKzz9';
    const log = new OperationLog();
    const attempts: [string, Parameters<typeof s3TestOptions>[0], StorageError['kind']][] = [
      ['unknown key id', { access_key_id: keyId, secret_access_key: secret }, 'auth'],
      ['wrong secret', { secret_access_key: secret }, 'auth'],
      [
        'credentials in the endpoint URL',
        { endpoint_url: `http://${keyId}:${encodeURIComponent(secret)}@127.0.0.1:1`, s3_max_attempts: 1 },
        'network',
      ],
    ];
    for (const [label, overrides, kind] of attempts) {
      const inner = new S3Storage(bucket.name, s3TestOptions(overrides));
      const storage = instrumentStorage(inner, log);
      const error = await rejection(storage.get('secret/probe.bin'));
      await storage.close();
      assert.ok(error instanceof StorageError, `${label}: ${String(error)}`);
      assert.equal(error.kind, kind, label);
      const texts = [
        error.message,
        String(error),
        error.stack ?? '',
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
      ];
      for (const text of [...texts, JSON.stringify(log.operations), inner.location]) {
        for (const needle of [
          secret,
          encodeURIComponent(secret),
          keyId,
          process.env.AWS_SECRET_ACCESS_KEY!,
        ]) {
          assert.ok(!text.includes(needle), `${label}: leaked ${needle} in ${text}`);
        }
      }
    }
  });
});

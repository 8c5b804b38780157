import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { NoSuchBucket, NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import { StorageError } from '../../src/errors.ts';
import { failureFacts } from '../../src/storage/backend.ts';
import { mapS3Error } from '../../src/storage/s3-errors.ts';
import { describeEndpoint, parseS3Root } from '../../src/storage/s3-location.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9SECRET';
const KEY_ID = 'AKIAPQBENCHZZ9KEYID';
const ctx = {
  endpoint: 'http://127.0.0.1:7480',
  bucket: 'bkt',
  key: 'train/x.parquet',
  operation: 'get',
  secrets: [SECRET, KEY_ID],
};

function serviceError(
  name: string,
  status: number,
  message = 'UnknownError',
  attempts = 1,
): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    message,
    $metadata: { httpStatusCode: status, attempts },
  });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, $metadata: { attempts: 5 } });
}

describe('mapS3Error', () => {
  const meta = { $metadata: { httpStatusCode: 404, attempts: 1 }, $fault: 'client' as const };
  const cases: [string, unknown, StorageError['kind']][] = [
    ['NoSuchKey', new NoSuchKey({ message: 'The specified key does not exist.', ...meta }), 'not_found'],
    ['NotFound (HEAD)', serviceError('NotFound', 404), 'not_found'],
    ['bare 404', serviceError('Weird', 404), 'not_found'],
    ['AccessDenied', serviceError('AccessDenied', 403), 'auth'],
    ['InvalidAccessKeyId', serviceError('InvalidAccessKeyId', 403), 'auth'],
    ['SignatureDoesNotMatch', serviceError('SignatureDoesNotMatch', 403), 'auth'],
    ['bare 403', serviceError('Forbidden', 403), 'auth'],
    ['SlowDown', serviceError('SlowDown', 503, 'Please reduce your request rate.', 5), 'throttled'],
    ['bare 503', serviceError('Unavailable', 503), 'throttled'],
    ['InvalidRange', serviceError('InvalidRange', 416), 'invalid'],
    ['InternalError', serviceError('InternalError', 500, 'We encountered an internal error.', 5), 'other'],
    ['ECONNREFUSED', socketError('ECONNREFUSED'), 'network'],
    ['ENOTFOUND', socketError('ENOTFOUND'), 'network'],
    ['ECONNRESET', socketError('ECONNRESET'), 'network'],
    ['AggregateError', Object.assign(new AggregateError([socketError('ECONNREFUSED')], ''), {}), 'network'],
    [
      'TimeoutError',
      Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }),
      'network',
    ],
  ];
  for (const [label, error, kind] of cases) {
    it(`maps ${label} to ${kind}, naming endpoint, bucket and key`, () => {
      const mapped = mapS3Error(error, ctx);
      assert.ok(mapped instanceof StorageError);
      assert.deepEqual(
        [mapped.kind, mapped.endpoint, mapped.bucket, mapped.key],
        [kind, ctx.endpoint, 'bkt', ctx.key],
      );
      assert.ok(mapped.message.includes('http://127.0.0.1:7480') && mapped.message.includes('bucket bkt'));
      assert.ok(mapped.message.includes('key train/x.parquet'));
    });
  }

  it('says that a missing bucket is missing', () => {
    const error = new NoSuchBucket({ message: 'UnknownError', ...meta });
    const mapped = mapS3Error(error, ctx);
    assert.equal(mapped.kind, 'not_found');
    assert.match(mapped.message, /bucket bkt does not exist/);
  });

  it('keeps the status and the attempts made (SDK retries plus retries outside it)', () => {
    const mapped = mapS3Error(serviceError('SlowDown', 503, 'x', 5), { ...ctx, priorAttempts: 2 });
    assert.equal(mapped.status, 503);
    assert.deepEqual(failureFacts(mapped), { attempts: 7, status: 503 });
    assert.deepEqual(failureFacts(mapS3Error(socketError('ECONNREFUSED'), ctx)), { attempts: 5, status: 0 });
  });

  it('never copies a credential into the StorageError, even if the SDK message holds one', () => {
    const leaky = serviceError(
      'SignatureDoesNotMatch',
      403,
      `Credential=${KEY_ID}/20260101 secret ${SECRET}`,
    );
    Object.assign(leaky, {
      $response: { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/x` } },
    });
    const network = Object.assign(new Error(`bad ${SECRET}`), { code: 'ECONNRESET' });
    for (const error of [leaky, network, serviceError('InternalError', 500, `echo ${SECRET} ${KEY_ID}`)]) {
      const mapped = mapS3Error(error, ctx);
      for (const text of [
        mapped.message,
        String(mapped),
        mapped.stack ?? '',
        JSON.stringify(mapped),
        inspect(mapped, { depth: 10 }),
      ]) {
        assert.ok(!text.includes(SECRET) && !text.includes(KEY_ID), text);
      }
    }
  });

  it('passes StorageErrors through unchanged', () => {
    const original = new StorageError({ kind: 'invalid', endpoint: 'e' });
    assert.equal(mapS3Error(original, ctx), original);
  });
});

describe('s3 storage_root and endpoint', () => {
  it('splits bucket and prefix, stripping s3:// and slashes', () => {
    assert.deepEqual(parseS3Root('bkt'), { bucket: 'bkt', prefix: '' });
    assert.deepEqual(parseS3Root('s3://bkt/a/b/'), { bucket: 'bkt', prefix: 'a/b/' });
    assert.deepEqual(parseS3Root('bkt/a'), { bucket: 'bkt', prefix: 'a/' });
    assert.throws(() => parseS3Root('s3://'), StorageError);
  });

  it('prints endpoints without user info or query', () => {
    assert.equal(describeEndpoint({ region: 'eu-west-1' }), 'aws s3 (eu-west-1)');
    assert.equal(
      describeEndpoint({ endpoint_url: `http://${KEY_ID}:${SECRET}@h:9000/?x=1`, region: 'r' }),
      'http://h:9000',
    );
    assert.equal(
      describeEndpoint({ endpoint_url: 'https://s3.example.com/base', region: 'r' }),
      'https://s3.example.com/base',
    );
  });
});

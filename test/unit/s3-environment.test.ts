/**
 * The S3 endpoint from the environment (issue 14): S3_ENDPOINT and the AWS
 * CLI's AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL fill in a workload that names
 * no endpoint_url, with what S3-compatible stores need; a workload's own
 * endpoint and local storage are left alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import {
  isS3Url,
  locationS3Options,
  s3EndpointFromEnvironment,
  withEnvironmentEndpoint,
} from '../../src/storage/endpoint.ts';

const s3 = (edits: string[] = []) =>
  defaultWorkload(['storage.storage_type=s3', 'storage.storage_root=pqbench', ...edits]).storage;

describe('S3 endpoint from the environment', () => {
  it('takes AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then S3_ENDPOINT', () => {
    const all = {
      AWS_ENDPOINT_URL_S3: 'http://s3only:1',
      AWS_ENDPOINT_URL: 'http://aws:2',
      S3_ENDPOINT: 'http://ceph:3',
    };
    assert.equal(s3EndpointFromEnvironment(all), 'http://s3only:1');
    assert.equal(s3EndpointFromEnvironment({ ...all, AWS_ENDPOINT_URL_S3: '' }), 'http://aws:2');
    assert.equal(s3EndpointFromEnvironment({ S3_ENDPOINT: ' http://ceph:3 ' }), 'http://ceph:3');
    assert.equal(
      s3EndpointFromEnvironment({ ...all, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
      'http://ceph:3',
    );
    assert.equal(s3EndpointFromEnvironment({}), undefined);
  });

  it('fills in a workload without endpoint_url, as a custom endpoint (path style, checksums when_required)', () => {
    const storage = withEnvironmentEndpoint(s3(), { S3_ENDPOINT: 'http://127.0.0.1:7480' });
    assert.equal(storage.storage_options.endpoint_url, 'http://127.0.0.1:7480');
    assert.equal(storage.storage_options.s3_force_path_style, true);
    assert.equal(storage.storage_options.checksums, 'when_required');
    assert.equal(s3().storage_options.endpoint_url, undefined, 'the input is not changed');
  });

  it("leaves a workload's own endpoint, local storage, and an empty environment alone", () => {
    const own = s3(['storage.storage_options.endpoint_url=http://minio:9000']);
    assert.equal(withEnvironmentEndpoint(own, { S3_ENDPOINT: 'http://ceph:3' }), own);
    const local = defaultWorkload().storage;
    assert.equal(withEnvironmentEndpoint(local, { S3_ENDPOINT: 'http://ceph:3' }), local);
    const aws = s3();
    assert.equal(withEnvironmentEndpoint(aws, {}), aws);
  });

  it('refuses an environment endpoint with a path or a query, naming the variable and never the query', () => {
    assert.throws(
      () => s3EndpointFromEnvironment({ S3_ENDPOINT: 'http://ceph:3/?token=TOKENxyz1' }),
      (e: Error) => /^S3_ENDPOINT: has a query/.test(e.message) && !e.message.includes('TOKENxyz1'),
    );
    assert.throws(
      () => s3EndpointFromEnvironment({ AWS_ENDPOINT_URL_S3: 'http://ceph:3/bucket' }),
      /AWS_ENDPOINT_URL_S3: has a path/,
    );
  });

  it('an s3:// folder on the command line (merge, report, compare): --endpoint-url, else the environment, else AWS', () => {
    const env = { S3_ENDPOINT: 'http://ceph:3', AWS_REGION: 'eu-west-1' };
    assert.deepEqual(
      [locationS3Options({}, env).endpoint_url, locationS3Options({}, env).region],
      ['http://ceph:3', 'eu-west-1'],
    );
    const flagged = locationS3Options({ endpointUrl: 'http://minio:9000', region: 'us-west-2' }, env);
    assert.deepEqual(
      [flagged.endpoint_url, flagged.region, flagged.s3_force_path_style, flagged.checksums],
      ['http://minio:9000', 'us-west-2', true, 'when_required'],
    );
    assert.equal(locationS3Options({}, {}).endpoint_url, undefined);
    assert.throws(
      () => locationS3Options({ endpointUrl: 'http://minio:9000/x?sig=1' }, {}),
      /--endpoint-url: has a query/,
    );
    assert.ok(isS3Url('S3://b/p') && !isS3Url('results/run'));
  });
});

/**
 * Access to datasets in buckets the user owns (`pqbench cloud run --bucket`,
 * context `pqbench:dataBuckets`), the same shape as the stack bucket's
 * datasets/ grants: the plan keeps manifests, generators write objects,
 * readers only read. S3 Express One Zone directory buckets authorise with
 * session credentials instead (the SDK calls CreateSession for the client):
 * `s3express:CreateSession` on the bucket, read-only sessions for readers.
 * docs/cloud.md prints the same policy for a bucket the stack did not deploy.
 */
import { ArnFormat, Aws, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { isDirectoryBucket } from '../src/cloud/plan.ts';
import { MANIFEST_NAME } from '../src/dataset/layout.ts';
import type { PipelineFunctions } from './state-machine.ts';

const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
  new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) });

function grantDirectoryBucket(stack: Stack, name: string, f: PipelineFunctions): void {
  const arn = stack.formatArn({
    service: 's3express',
    resource: 'bucket',
    resourceName: name,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  f.plan.addToRolePolicy(allow(['s3express:CreateSession'], [arn]));
  f.generate.addToRolePolicy(allow(['s3express:CreateSession'], [arn]));
  f.read.addToRolePolicy(
    allow(['s3express:CreateSession'], [arn], { StringEquals: { 's3express:SessionMode': 'ReadOnly' } }),
  );
}

function grantGeneralPurposeBucket(name: string, f: PipelineFunctions): void {
  const bucket = `arn:${Aws.PARTITION}:s3:::${name}`;
  const manifests = `${bucket}/*${MANIFEST_NAME}`;
  const objects = `${bucket}/*`;
  f.plan.addToRolePolicy(allow(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [manifests]));
  f.generate.addToRolePolicy(allow(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], [objects]));
  f.read.addToRolePolicy(allow(['s3:GetObject'], [objects]));
  // Without ListBucket a missing key answers 403, not 404 (see PqbenchStack.allowList).
  for (const fn of [f.plan, f.generate, f.read]) fn.addToRolePolicy(allow(['s3:ListBucket'], [bucket]));
}

export function grantDataBuckets(stack: Stack, buckets: string[], f: PipelineFunctions): void {
  for (const name of buckets) {
    if (isDirectoryBucket(name)) grantDirectoryBucket(stack, name, f);
    else grantGeneralPurposeBucket(name, f);
  }
}

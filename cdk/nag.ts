/**
 * cdk-nag AwsSolutions findings this stack keeps on purpose, each with its
 * reason. Everything else the pack reports is fixed in the stack itself
 * (public access block, SSE-S3, TLS-only bucket policy, newest runtime, …).
 * Finding ids embed CloudFormation logical ids, so they are computed here.
 */
import { type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { CLOUD_PREFIX } from '../src/cloud/keys.ts';
import { MANIFEST_NAME } from '../src/dataset/layout.ts';

export interface NagSubjects {
  bucket: s3.IBucket;
  functions: lambda.IFunction[];
  stateMachine: sfn.StateMachine;
  /** User-owned dataset buckets (cdk/data-access.ts). */
  dataBuckets: string[];
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnElement)) as string;
}

export function acknowledgeNagFindings(stack: Stack, s: NagSubjects): void {
  const ack = (id: string, reason: string) => Validations.of(stack).acknowledge({ id, reason });
  const bucketId = logicalId(stack, s.bucket);

  ack(
    'AwsSolutions-S1',
    'Server access logs would record every benchmark GET and PUT into a second bucket, adding writes and cost that distort the storage being measured; pqbench records every request itself (requests.csv, summary.json).',
  );
  ack(
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The AWS managed basic execution role only allows writing the function’s own CloudWatch logs.',
  );
  for (const prefix of Object.values(CLOUD_PREFIX)) {
    ack(
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
      `Object keys under ${prefix} are per run and per file (computed at run time); access is limited to this one prefix of the stack's own bucket.`,
    );
  }
  ack(
    `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${CLOUD_PREFIX.datasets}*${MANIFEST_NAME}]`,
    'The plan step reads, replaces or deletes only dataset manifests, whose folder comes from the workload at run time.',
  );
  for (const fn of s.functions) {
    ack(
      `AwsSolutions-IAM5[Resource::<${logicalId(stack, fn)}.Arn>:*]`,
      'Added by CDK LambdaInvoke so the state machine may invoke versions/aliases of this one function.',
    );
  }
  ack(
    'AwsSolutions-IAM5[Resource::*]',
    'CloudWatch Logs vended log delivery (logs:CreateLogDelivery and related) for the state machine, and lambda:GetAccountSettings for the plan step, do not support resource-level permissions.',
  );
  for (const name of s.dataBuckets) {
    const bucket = `arn:<AWS::Partition>:s3:::${name}`;
    ack(
      `AwsSolutions-IAM5[Resource::${bucket}/*]`,
      `Datasets in the user's bucket ${name} (-c pqbench:dataBuckets) have per-run object keys; generators write and readers read only objects.`,
    );
    ack(
      `AwsSolutions-IAM5[Resource::${bucket}/*${MANIFEST_NAME}]`,
      `The plan step keeps dataset manifests in the user's bucket ${name}, whose folder comes from the workload at run time.`,
    );
  }
  const smId = logicalId(stack, s.stateMachine);
  const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${smId}"}]}]}`;
  const reason =
    'Distributed Map child executions of this one state machine have run-time names; CDK scopes the grant to this state machine.';
  ack(`AwsSolutions-IAM5[Resource::${executions}:*]`, reason);
  ack(`AwsSolutions-IAM5[Resource::${executions}/*:*]`, reason);
  ack(
    'AwsSolutions-SF1',
    'A run fans out to thousands of child executions; logging ALL events would cost more than the benchmark. ERROR-level logs are kept; per-request facts are in the results.',
  );
  ack(
    'AwsSolutions-SF2',
    'X-Ray tracing of thousands of child executions adds cost and no information the benchmark does not already measure itself (per-request timings, cold starts).',
  );
}

/**
 * The pqbench cloud stack: one bucket, four functions, one state machine.
 * Environment-agnostic (no account or region baked in), so `cdk synth` works
 * offline and one template deploys anywhere.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '../src/cloud/env.ts';
import { CLOUD_PREFIX, STACK_OUTPUT } from '../src/cloud/keys.ts';
import { MANIFEST_NAME } from '../src/dataset/layout.ts';
import { grantDataBuckets } from './data-access.ts';
import { acknowledgeNagFindings } from './nag.ts';
import { LAMBDA_BUNDLING, LAMBDA_ENV, LAMBDA_RUNTIME } from './runtime.ts';
import type { FunctionSettings, StackSettings } from './settings.ts';
import { PipelineDefinition, type PipelineFunctions } from './state-machine.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** CloudFormation output keys `pqbench cloud` looks up. */
export const OUTPUT = STACK_OUTPUT;

export interface PqbenchStackProps extends StackProps {
  settings: StackSettings;
}

type Access = 'read' | 'write' | 'delete';
const ACTIONS: Record<Access, string[]> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
};

export class PqbenchStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly functions: PipelineFunctions;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: PqbenchStackProps) {
    super(scope, id, props);
    const s = props.settings;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: s.autoDeleteObjects ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: s.autoDeleteObjects,
      lifecycleRules: [
        expiry('datasets', CLOUD_PREFIX.datasets, s.datasetExpirationDays),
        expiry('results', CLOUD_PREFIX.results, s.resultsExpirationDays),
        expiry('runs', CLOUD_PREFIX.runs, s.runsExpirationDays),
        // A generator killed mid-upload (timeout) cannot abort its own multipart upload.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ].filter((r): r is s3.LifecycleRule => r !== null),
    });

    const fn = (
      name: keyof PipelineFunctions,
      settings: FunctionSettings,
      env: Record<string, string> = {},
      reservedConcurrentExecutions?: number,
    ) =>
      new nodejs.NodejsFunction(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
        entry: join(REPO_ROOT, 'lambdas', `${name}.ts`),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
        runtime: LAMBDA_RUNTIME,
        architecture: lambda.Architecture.ARM_64,
        memorySize: settings.memoryMb,
        timeout: Duration.seconds(settings.timeoutSeconds),
        bundling: LAMBDA_BUNDLING,
        environment: { ...LAMBDA_ENV, [ENV.bucket]: this.bucket.bucketName, ...env },
        ...(reservedConcurrentExecutions ? { reservedConcurrentExecutions } : {}),
        logGroup: new logs.LogGroup(this, `${name}Logs`, {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      });

    const read = fn('read', s.read, {}, s.readReservedConcurrency || undefined);
    this.functions = {
      plan: fn('plan', s.plan, {
        [ENV.generateMaxConcurrency]: String(s.generateMaxConcurrency),
        [ENV.readMaxConcurrency]: String(s.readMaxConcurrency),
        [ENV.generateBytesPerShard]: String(s.generateBytesPerShard),
        [ENV.startMarginMs]: String(s.startMarginSeconds * 1000),
        [ENV.readTimeoutMs]: String(s.read.timeoutSeconds * 1000),
        [ENV.readFunctionName]: read.functionName,
      }),
      generate: fn('generate', s.generate),
      read,
      aggregate: fn('aggregate', s.aggregate),
    };

    const f = this.functions;
    // The plan refuses runs the account cannot host: it reads the account's Lambda concurrency
    // (GetAccountSettings has no resource-level permissions) and the readers' reservation.
    f.plan.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:GetAccountSettings'], resources: ['*'] }),
    );
    f.plan.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:GetFunctionConcurrency'], resources: [read.functionArn] }),
    );
    grantDataBuckets(this, s.dataBuckets, f);
    this.allow(f.plan, 'read', CLOUD_PREFIX.runs);
    this.allow(f.plan, 'write', CLOUD_PREFIX.runs);
    // The plan step keeps the dataset manifest (a stale one is deleted before generation); nothing else under datasets/.
    const manifests = `${CLOUD_PREFIX.datasets}*${MANIFEST_NAME}`;
    this.allowKeys(f.plan, 'read', manifests);
    this.allowKeys(f.plan, 'write', manifests);
    this.allowKeys(f.plan, 'delete', manifests);
    this.allow(f.generate, 'read', CLOUD_PREFIX.runs, CLOUD_PREFIX.datasets);
    this.allow(f.generate, 'write', CLOUD_PREFIX.runs, CLOUD_PREFIX.datasets);
    this.allow(f.read, 'read', CLOUD_PREFIX.runs, CLOUD_PREFIX.datasets);
    this.allow(f.read, 'write', CLOUD_PREFIX.runs);
    this.allow(f.aggregate, 'read', CLOUD_PREFIX.runs);
    this.allow(f.aggregate, 'write', CLOUD_PREFIX.results);
    for (const data of [f.plan, f.generate, f.read, f.aggregate]) this.allowList(data);

    const pipeline = new PipelineDefinition(this, 'Pipeline', {
      bucket: this.bucket,
      functions: this.functions,
      generateMaxConcurrency: s.generateMaxConcurrency,
      readMaxConcurrency: s.readMaxConcurrency,
      toleratedFailurePercentage: s.toleratedFailurePercentage,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(pipeline.definition),
      logs: {
        destination: new logs.LogGroup(this, 'StateMachineLogs', {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ERROR,
        includeExecutionData: false,
      },
    });

    new CfnOutput(this, OUTPUT.bucketName, { value: this.bucket.bucketName });
    new CfnOutput(this, OUTPUT.stateMachineArn, { value: this.stateMachine.stateMachineArn });

    acknowledgeNagFindings(this, {
      bucket: this.bucket,
      functions: Object.values(this.functions),
      stateMachine: this.stateMachine,
      dataBuckets: s.dataBuckets,
    });
  }

  private allow(fn: lambda.IFunction, access: Access, ...prefixes: string[]): void {
    this.allowKeys(fn, access, ...prefixes.map((p) => `${p}*`));
  }

  private allowKeys(fn: lambda.IFunction, access: Access, ...keyPatterns: string[]): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ACTIONS[access],
        resources: keyPatterns.map((k) => this.bucket.arnForObjects(k)),
      }),
    );
  }

  /**
   * Without s3:ListBucket, S3 answers a HEAD or GET of a missing key with 403
   * instead of 404, and "skip files that exist" / "a reader failed" could not
   * tell absence from denial. Key names only; object access stays per prefix.
   */
  private allowList(fn: lambda.IFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
  }
}

function expiry(id: string, prefix: string, days: number): s3.LifecycleRule | null {
  return days > 0 ? { id: `expire-${id}`, prefix, expiration: Duration.days(days) } : null;
}

/**
 * The run's state machine (SPEC §7), JSONPath only (aws-local-stepfunctions
 * executes JSONPath, not JSONata):
 *
 *   Plan → [generate?] Generate (Distributed Map) → [train?] Schedule →
 *   Read (Distributed Map, every reader waits for the common start) → Aggregate
 *
 * State payloads stay small and bounded: work lists come from S3 item readers,
 * children return a pointer to their partial (written to S3 by the handler),
 * and the maps' collected results go to S3 through result writers and are
 * discarded from the state.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { CLOUD_PREFIX, MAP_RESULTS_PREFIX } from '../src/cloud/keys.ts';

/** State names; the local ASL runner and the CLI's progress display refer to these. */
export const STATE = {
  plan: 'Plan',
  generateChoice: 'Generate data?',
  generateMap: 'Generate',
  generateTask: 'Generate shard',
  trainChoice: 'Train?',
  schedule: 'Schedule read start',
  readMap: 'Read',
  readTask: 'Run accelerator',
  aggregate: 'Aggregate',
  done: 'Done',
} as const;

/** Where each step's result sits in the execution state. */
export const STATE_PATH = {
  plan: '$.plan',
  schedule: '$.schedule',
  result: '$.result',
  generateItemsKey: '$.plan.generate.itemsKey',
  readItemsKey: '$.plan.read.itemsKey',
} as const;

export interface PipelineFunctions {
  plan: lambda.IFunction;
  generate: lambda.IFunction;
  read: lambda.IFunction;
  aggregate: lambda.IFunction;
}

export interface PipelineOptions {
  bucket: s3.IBucket;
  functions: PipelineFunctions;
  generateMaxConcurrency: number;
  readMaxConcurrency: number;
  toleratedFailurePercentage: number;
}

function runsObjects(bucket: s3.IBucket): string {
  return bucket.arnForObjects(`${CLOUD_PREFIX.runs}*`);
}

/** The stock reader grants s3:GetObject on the whole bucket; work lists only ever live under runs/. */
class RunsJsonItemReader extends sfn.S3JsonItemReader {
  constructor(
    private readonly runsBucket: s3.IBucket,
    key: string,
  ) {
    super({ bucket: runsBucket, key });
  }
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [runsObjects(this.runsBucket)] }),
    ];
  }
}

/** The stock writer grants object access on the whole bucket; map results only ever go under runs/. */
class RunsResultWriter extends sfn.ResultWriterV2 {
  constructor(private readonly runsBucket: s3.IBucket) {
    super({ bucket: runsBucket, prefix: MAP_RESULTS_PREFIX });
  }
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [runsObjects(this.runsBucket)],
      }),
    ];
  }
}

function invoke(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  payload: Record<string, unknown>,
  resultPath: string,
) {
  return new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject(payload),
    payloadResponseOnly: true,
    resultPath,
  });
}

function childInvoke(scope: Construct, id: string, fn: lambda.IFunction) {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    // No payload: the child's whole input (what ItemSelector built) is the event.
    payloadResponseOnly: true,
  });
  // Thousands of children starting together meet Lambda's burst limits; those retries are cheap.
  task.addRetry({
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(1),
    maxAttempts: 8,
    backoffRate: 2,
  });
  return task;
}

export class PipelineDefinition extends Construct {
  readonly definition: sfn.IChainable;

  constructor(scope: Construct, id: string, o: PipelineOptions) {
    super(scope, id);
    const f = o.functions;
    const run = { 'runId.$': '$.runId', 'configKey.$': '$.configKey' };

    const plan = invoke(
      this,
      STATE.plan,
      f.plan,
      { action: 'plan', ...run, 'force.$': '$.force' },
      STATE_PATH.plan,
    );

    const generate = new sfn.DistributedMap(this, STATE.generateMap, {
      itemReader: new RunsJsonItemReader(o.bucket, sfn.JsonPath.stringAt(STATE_PATH.generateItemsKey)),
      itemSelector: {
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
        configKey: sfn.JsonPath.stringAt('$.plan.configKey'),
        force: sfn.JsonPath.objectAt('$.plan.force'),
        shard: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
      },
      maxConcurrency: o.generateMaxConcurrency,
      toleratedFailurePercentage: o.toleratedFailurePercentage,
      resultWriterV2: new RunsResultWriter(o.bucket),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultPath: sfn.JsonPath.DISCARD,
    });
    generate.itemProcessor(childInvoke(this, STATE.generateTask, f.generate));

    const schedule = invoke(
      this,
      STATE.schedule,
      f.plan,
      { action: 'schedule', ...run, 'plan.$': STATE_PATH.plan },
      STATE_PATH.schedule,
    );

    const read = new sfn.DistributedMap(this, STATE.readMap, {
      itemReader: new RunsJsonItemReader(o.bucket, sfn.JsonPath.stringAt(STATE_PATH.readItemsKey)),
      itemSelector: {
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
        configKey: sfn.JsonPath.stringAt('$.plan.configKey'),
        accelerator: sfn.JsonPath.numberAt('$$.Map.Item.Value.accelerator'),
        startAt: sfn.JsonPath.numberAt('$.schedule.startAt'),
        randomSeed: sfn.JsonPath.objectAt('$.schedule.randomSeed'),
      },
      maxConcurrency: o.readMaxConcurrency,
      toleratedFailurePercentage: o.toleratedFailurePercentage,
      resultWriterV2: new RunsResultWriter(o.bucket),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultPath: sfn.JsonPath.DISCARD,
    });
    read.itemProcessor(childInvoke(this, STATE.readTask, f.read));

    const aggregate = invoke(
      this,
      STATE.aggregate,
      f.aggregate,
      {
        ...run,
        'plan.$': STATE_PATH.plan,
        'schedule.$': STATE_PATH.schedule,
        'prices.$': '$.prices',
      },
      STATE_PATH.result,
    );
    const done = new sfn.Succeed(this, STATE.done);

    const train = new sfn.Choice(this, STATE.trainChoice)
      .when(
        sfn.Condition.numberGreaterThan('$.plan.read.count', 0),
        schedule.next(read).next(aggregate).next(done),
      )
      .otherwise(done);

    this.definition = plan.next(
      new sfn.Choice(this, STATE.generateChoice)
        .when(sfn.Condition.numberGreaterThan('$.plan.generate.count', 0), generate.next(train))
        .otherwise(train),
    );
  }
}

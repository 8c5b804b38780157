/**
 * The run's state machine (SPEC §7), JSONPath only (aws-local-stepfunctions
 * executes JSONPath, not JSONata):
 *
 *   Plan → [generate?] Generate (Distributed Map) → [train?] [warm up?] Warm up
 *   (Distributed Map, untimed) → Schedule → Read (Distributed Map, every reader
 *   waits for the common start) → Aggregate
 *
 * Readers batch `ranksPerHost` accelerators per Lambda (ItemBatcher, its size
 * from the plan), and each reader child loops — Run accelerator → done? →
 * Continue accelerator → Run accelerator — until its accelerators have run
 * every epoch, so an accelerator longer than one invocation continues in the
 * next. Lambda throttles and service errors are retried with full jitter and
 * a capped delay.
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
  warmupChoice: 'Warm up?',
  warmupMap: 'Warm up',
  warmupTask: 'Warm up accelerators',
  schedule: 'Schedule read start',
  readMap: 'Read',
  readTask: 'Run accelerator',
  readDoneChoice: 'Accelerator done?',
  readContinue: 'Continue accelerator',
  readFinished: 'Accelerator finished',
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
  ranksPerHost: '$.plan.read.ranksPerHost',
} as const;

/** Lambda errors worth retrying (throttles, service faults), with full jitter and a capped delay. */
export const LAMBDA_RETRY = {
  errors: [
    'Lambda.TooManyRequestsException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
  ],
  intervalSeconds: 1,
  backoffRate: 2,
  maxAttempts: 8,
  maxDelaySeconds: 30,
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
    // No payload: the child's whole input (what ItemSelector / ItemBatcher built) is the event.
    payloadResponseOnly: true,
    // The default retry (no jitter) is replaced by the jittered, capped one below.
    retryOnServiceExceptions: false,
  });
  // Thousands of children starting together meet Lambda's scaling limits: retry spread out, not in lockstep.
  task.addRetry({
    errors: [...LAMBDA_RETRY.errors],
    interval: Duration.seconds(LAMBDA_RETRY.intervalSeconds),
    maxAttempts: LAMBDA_RETRY.maxAttempts,
    backoffRate: LAMBDA_RETRY.backoffRate,
    maxDelay: Duration.seconds(LAMBDA_RETRY.maxDelaySeconds),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

/**
 * What every reader of a batch shares (the ItemBatcher's BatchInput), as a
 * JSONPath payload template: `key.$` fields take the value at their path in
 * the map's input. Written in ASL form because aws-cdk-lib renders BatchInput
 * verbatim (a `JsonPath.stringAt` token there would arrive as a literal string).
 */
function readBatchInput(warmup: boolean): Record<string, unknown> {
  const common = {
    'runId.$': '$.plan.runId',
    'configKey.$': '$.plan.configKey',
    'config.$': '$.plan.config',
    warmup,
  };
  return warmup
    ? { ...common, startAt: 0, randomSeed: null, budgetMs: null }
    : {
        ...common,
        'startAt.$': '$.schedule.startAt',
        'randomSeed.$': '$.schedule.randomSeed',
        'budgetMs.$': '$.plan.read.budgetMs',
      };
}

function readMap(scope: Construct, id: string, o: PipelineOptions, warmup: boolean): sfn.DistributedMap {
  return new sfn.DistributedMap(scope, id, {
    itemReader: new RunsJsonItemReader(o.bucket, sfn.JsonPath.stringAt(STATE_PATH.readItemsKey)),
    itemBatcher: new sfn.ItemBatcher({
      maxItemsPerBatchPath: STATE_PATH.ranksPerHost,
      batchInput: readBatchInput(warmup),
    }),
    maxConcurrency: o.readMaxConcurrency,
    toleratedFailurePercentage: o.toleratedFailurePercentage,
    resultWriterV2: new RunsResultWriter(o.bucket),
    mapExecutionType: sfn.StateMachineType.STANDARD,
    resultPath: sfn.JsonPath.DISCARD,
  });
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
      { action: 'plan', ...run, 'force.$': '$.force', 'read.$': '$.read' },
      STATE_PATH.plan,
    );

    const generate = new sfn.DistributedMap(this, STATE.generateMap, {
      itemReader: new RunsJsonItemReader(o.bucket, sfn.JsonPath.stringAt(STATE_PATH.generateItemsKey)),
      itemSelector: {
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
        configKey: sfn.JsonPath.stringAt('$.plan.configKey'),
        config: sfn.JsonPath.stringAt('$.plan.config'),
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

    // Each reader loops until its accelerators have run every epoch (one invocation each time).
    const read = readMap(this, STATE.readMap, o, false);
    const runAccelerator = childInvoke(this, STATE.readTask, f.read);
    read.itemProcessor(
      runAccelerator.next(
        new sfn.Choice(this, STATE.readDoneChoice)
          .when(sfn.Condition.booleanEquals('$.done', true), new sfn.Succeed(this, STATE.readFinished))
          .otherwise(new sfn.Pass(this, STATE.readContinue, { inputPath: '$.next' }).next(runAccelerator)),
      ),
    );

    const warmup = readMap(this, STATE.warmupMap, o, true);
    warmup.itemProcessor(childInvoke(this, STATE.warmupTask, f.read));

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

    const measured = schedule.next(read).next(aggregate).next(done);
    const train = new sfn.Choice(this, STATE.trainChoice)
      .when(
        sfn.Condition.numberGreaterThan('$.plan.read.count', 0),
        new sfn.Choice(this, STATE.warmupChoice)
          .when(sfn.Condition.booleanEquals('$.plan.read.warmup', true), warmup.next(measured))
          .otherwise(measured),
      )
      .otherwise(done);

    this.definition = plan.next(
      new sfn.Choice(this, STATE.generateChoice)
        .when(sfn.Condition.numberGreaterThan('$.plan.generate.count', 0), generate.next(train))
        .otherwise(train),
    );
  }
}

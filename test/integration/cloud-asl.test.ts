/**
 * The synthesized state machine, executed locally with aws-local-stepfunctions:
 * every Task bound to the real Lambda handler, the stack bucket and the
 * dataset on the S3 dev server. The only change to the definition is the
 * documented item-reader substitution (cdk/asl-local.ts). A complete
 * generate → read → aggregate run must produce a summary with the same schema
 * and the same sample counts as the local executor reading the same dataset.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StateMachine } from 'aws-local-stepfunctions';
import { STATE } from '../../cdk/state-machine.ts';
import { handler as aggregateHandler } from '../../lambdas/aggregate.ts';
import { handler as generateHandler } from '../../lambdas/generate.ts';
import { handler as planHandler } from '../../lambdas/plan.ts';
import { handler as readHandler } from '../../lambdas/read.ts';
import { fetchResults } from '../../src/cloud/aws.ts';
import { ENV } from '../../src/cloud/env.ts';
import type { ExecutionInput } from '../../src/cloud/events.ts';
import { resultKeys, runKeys } from '../../src/cloud/keys.ts';
import { cloudWorkload } from '../../src/cloud/plan.ts';
import type { CloudReport, ReaderPartialFile } from '../../src/cloud/report.ts';
import { cloudLines } from '../../src/cloud/report.ts';
import { defaultWorkload, workloadToYaml } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { makeRunId, runOutput } from '../../src/metrics/results.ts';
import type { EpochStats, RunSummaryJson } from '../../src/metrics/summary.ts';
import { openStorage } from '../../src/storage/open.ts';
import type { Storage } from '../../src/storage/types.ts';
import { runTraining } from '../../src/train/run.ts';
import { synthTemplate } from '../cdk/synth.ts';
import { definitionFromTemplate, type Json, toLocalDefinition } from '../helpers/asl-local.ts';
import { createTestBucket, s3Skip, s3TestEnv, type TestBucket } from '../helpers/s3-env.ts';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+).
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

function smallWorkload(): Workload {
  const w = defaultWorkload([
    'model.name=cloud-asl',
    'workflow.generate_data=true',
    'workflow.train=true',
    'dataset.data_folder=data/asl',
    'dataset.num_files_train=5',
    'dataset.num_samples_per_file=24',
    'dataset.compression=snappy',
    'dataset.parquet.row_group_size=8',
    'reader.batch_size=4',
    'reader.read_threads=2',
    'train.epochs=2',
    'train.computation_time=0.001',
    'run.accelerators=3',
    'run.workers=1',
  ]);
  w.dataset.parquet.columns = [
    { name: 'label', dtype: 'float32', size: 1, read: true },
    { name: 'dense', dtype: 'float32', size: 8, read: true },
    { name: 'aux', dtype: 'int64', size: 2, read: false },
  ];
  return w;
}

/** Every object key path of a JSON value; arrays contribute their items' keys (a schema, not values). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => keyPaths(v, `${prefix}[]`)))];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]);
}

async function getJson<T>(storage: Storage, key: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode((await storage.get(key)).body)) as T;
}

describe('state machine executed locally against the S3 dev server', { skip: s3Skip() }, () => {
  let bucket: TestBucket;
  let control: Storage;
  let outDir: string;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    bucket = await createTestBucket('cloud-asl');
    control = openStorage(bucket.storage());
    outDir = await mkdtemp(join(tmpdir(), 'pqbench-cloud-asl-'));
    const env = s3TestEnv();
    assert.ok(env);
    const vars = {
      [ENV.bucket]: bucket.name,
      [ENV.s3Endpoint]: env.endpoint,
      [ENV.startMarginMs]: '4000',
      AWS_REGION: env.region,
    };
    for (const [k, v] of Object.entries(vars)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });

  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await control?.close();
    await bucket?.destroy();
    await rm(outDir, { recursive: true, force: true });
  });

  it('runs Plan → Generate → Schedule → Read → Aggregate like the local executor', async () => {
    const env = s3TestEnv();
    assert.ok(env);
    const { workload } = cloudWorkload(smallWorkload(), {
      bucket: bucket.name,
      region: env.region,
      endpointUrl: env.endpoint,
    });
    const runId = makeRunId(workload);
    const keys = runKeys(runId);
    await control.put(keys.config, new TextEncoder().encode(workloadToYaml(workload)));

    const template = synthTemplate().toJSON() as Parameters<typeof definitionFromTemplate>[0];
    const synthesized = definitionFromTemplate(template, (id, attr) => {
      if (id === 'AWS::Partition') return 'aws';
      if (template.Resources[id]?.Type === 'AWS::S3::Bucket') return bucket.name;
      if (template.Resources[id]?.Type === 'AWS::Lambda::Function' && attr === 'Arn') {
        return `arn:aws:lambda:us-east-1:123456789012:function:${id}`;
      }
      throw new Error(`unexpected reference ${id}.${attr}`);
    });
    const { definition, itemReaders } = toLocalDefinition(synthesized);

    const readItems = async (input: Json) => {
      const { Bucket, Key } = input as { Bucket: string; Key: string };
      assert.equal(Bucket, bucket.name, 'the item reader reads the stack bucket');
      return getJson<Json>(control, Key);
    };
    const asJson = (fn: (e: unknown) => Promise<unknown>) => async (input: Json) => (await fn(input)) as Json;
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    const input: ExecutionInput = { runId, configKey: keys.config, force: false, prices: {} };
    const execution = machine.run(input as unknown as Json, {
      overrides: {
        taskResourceLocalHandlers: {
          [STATE.plan]: asJson(planHandler),
          [STATE.schedule]: asJson(planHandler),
          [STATE.generateTask]: asJson(generateHandler),
          [STATE.readTask]: asJson(readHandler),
          [STATE.aggregate]: asJson(aggregateHandler),
          ...Object.fromEntries(itemReaders.map((r) => [r.stateName, readItems])),
        },
      },
    });
    const entered: string[] = [];
    const logging = (async () => {
      for await (const ev of execution.eventLogs) {
        if (ev.type === 'StateEntered' && ev.index === undefined) entered.push(ev.state.name);
      }
    })();
    const output = (await execution.result) as {
      result: { summaryKey: string; samples: number; missingReaders: number };
    };
    await logging;

    assert.deepEqual(
      entered.filter((name) => !name.includes('·')),
      [
        STATE.plan,
        STATE.generateChoice,
        STATE.generateMap,
        STATE.trainChoice,
        STATE.schedule,
        STATE.readMap,
        STATE.aggregate,
        STATE.done,
      ],
    );
    const out = resultKeys(runId);
    assert.equal(output.result.summaryKey, out.summary);
    assert.equal(output.result.missingReaders, 0);

    const cloudSummary = await getJson<RunSummaryJson>(control, out.summary);
    const cloudEpochs = await getJson<EpochStats[]>(control, out.perEpochStats);
    const cloud = await getJson<CloudReport>(control, out.cloud);
    const expectedSamples = 5 * 24 * 2;
    assert.equal(cloudSummary.steps.samples, expectedSamples);
    assert.equal(output.result.samples, expectedSamples);
    assert.equal(cloudSummary.num_accelerators, 3);
    assert.equal(cloudSummary.run_id, runId);
    assert.equal(cloudSummary.requests.errors, 0);
    assert.ok(
      cloudSummary.cost.serverless_usd !== null && cloudSummary.cost.serverless_usd > 0,
      'Lambda + SFN cost counted',
    );

    // Every reader waited for the one common start; start-up facts sit beside the window.
    assert.equal(cloud.readers, 3);
    assert.equal(cloud.readers_reported, 3);
    assert.equal(cloud.readers_late, 0);
    assert.equal(cloud.reader_wait_for_start_ms.count, 3);
    assert.ok((cloud.reader_wait_for_start_ms.min ?? -1) > 0, 'readers were in place before the start');
    const startAt = Date.parse(cloud.start_at);
    for (let k = 0; k < 3; k++) {
      const file = await getJson<ReaderPartialFile>(control, keys.readPartial(k));
      assert.equal(file.lambda.startAt, startAt);
      assert.ok(
        file.partial.start >= startAt,
        `accelerator ${k} started its window at or after the common start`,
      );
    }
    assert.ok(Date.parse(cloudSummary.start) >= startAt);

    // What `pqbench cloud results` downloads: the four files, the summary as written.
    const fetched = await fetchResults(control, runId);
    assert.deepEqual(
      fetched.files.map((f) => f.name),
      ['summary.json', 'per_epoch_stats.json', 'config.yaml', 'cloud.json'],
    );
    assert.deepEqual(fetched.summary, cloudSummary);
    assert.match(cloudLines(fetched.files[3]?.body).join('\n'), /Readers: 3; cold starts/);

    // The local executor on the same dataset: same schema, same sample counts.
    const localWorkload: Workload = {
      ...workload,
      storage: bucket.storage('datasets'),
      output: { ...workload.output, folder: outDir },
    };
    const local = await runTraining(resolveRun(localWorkload), runOutput(localWorkload));
    const localSummary = local.run.summary;
    const cloudKeys = new Set(keyPaths(cloudSummary));
    const localKeys = new Set(keyPaths(localSummary));
    assert.deepEqual(
      {
        onlyCloud: [...cloudKeys].filter((k) => !localKeys.has(k)),
        onlyLocal: [...localKeys].filter((k) => !cloudKeys.has(k)),
      },
      { onlyCloud: [], onlyLocal: [] },
      'summary.json schema',
    );
    assert.deepEqual(
      keyPaths(cloudEpochs).sort(),
      keyPaths(local.run.perEpoch).sort(),
      'per_epoch_stats.json schema',
    );
    assert.equal(cloudSummary.steps.samples, localSummary.steps.samples);
    assert.equal(cloudSummary.steps.total, localSummary.steps.total);
    assert.deepEqual(
      cloudEpochs.map((e) => [e.epoch, e.samples, e.steps]),
      local.run.perEpoch.map((e) => [e.epoch, e.samples, e.steps]),
    );
    assert.equal(cloudSummary.io.projected_bytes, localSummary.io.projected_bytes);
    assert.equal(cloudSummary.requests.GET?.count, localSummary.requests.GET?.count);
    const localConfig = await readFile(join(local.dir, 'config.yaml'), 'utf8');
    assert.match(localConfig, /data_folder: data\/asl/);
  });
});

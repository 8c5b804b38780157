/**
 * The pure parts of a cloud run: key layout, the workload the Lambdas run
 * (stack bucket, user bucket, S3 Express), shard sizing, the start schedule,
 * the cloud report, and the local-runner transformation of the synthesized
 * definition (item readers, item batching).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATE } from '../../cdk/state-machine.ts';
import { assertRunId, resultKeys, runKeys, spreadPrefix } from '../../src/cloud/keys.ts';
import {
  cloudWorkload,
  generateShardCount,
  isDirectoryBucket,
  scheduleReadStart,
} from '../../src/cloud/plan.ts';
import type { ReaderPartialFile } from '../../src/cloud/records.ts';
import { cloudReport, distribution } from '../../src/cloud/report.ts';
import { defaultWorkload } from '../../src/config/load.ts';
import { resolveDataset } from '../../src/dataset/run-plan.ts';
import { ConfigError } from '../../src/errors.ts';
import { resolvePrices } from '../../src/metrics/cost.ts';
import { makeRunId } from '../../src/metrics/results.ts';
import {
  allStates,
  applyPayloadTemplate,
  type Json,
  LOCAL_ITEM_READER_RESOURCE,
  localItemReader,
  toLocalDefinition,
} from '../helpers/asl-local.ts';
import { synthDefinition, synthTemplate } from './synth.ts';

describe('cloud plan', () => {
  it('lays out run scratch under runs/<id>/ and results under results/<id>/', () => {
    const k = runKeys('r1');
    assert.equal(k.config, 'runs/r1/config.yaml');
    assert.equal(k.readItems, 'runs/r1/work/read.json');
    // Partials written at the same moment by thousands of children spread over 256 prefixes.
    assert.equal(k.readPartial(7), `runs/r1/p/${spreadPrefix(7)}/read-000007.json`);
    assert.equal(k.readSegment(7, 2), `runs/r1/p/${spreadPrefix(7)}/read-000007.segment-000002.json`);
    assert.equal(k.generatePartial(12), `runs/r1/p/${spreadPrefix(12)}/generate-000012.json`);
    const prefixes = new Set(Array.from({ length: 10_000 }, (_, i) => spreadPrefix(i)));
    assert.equal(prefixes.size, 256);
    assert.notEqual(spreadPrefix(0), spreadPrefix(1));
    assert.deepEqual(resultKeys('r1'), {
      prefix: 'results/r1/',
      summary: 'results/r1/summary.json',
      perEpochStats: 'results/r1/per_epoch_stats.json',
      epochStats: 'results/r1/epoch_stats.json',
      config: 'results/r1/config.yaml',
      cloud: 'results/r1/cloud.json',
      timeseries: 'results/r1/timeseries.json',
    });
  });

  it('rejects run ids that could escape their prefix', () => {
    for (const bad of ['', '../x', 'a/b', '-x', 'x'.repeat(161)]) {
      assert.throws(() => assertRunId(bad), ConfigError, bad);
    }
    // The local run id format (src/metrics/results.ts) is a valid cloud run id.
    assertRunId(makeRunId(defaultWorkload(['model.name=my model/v2'])));
  });

  it('points the dataset at the stack bucket and never carries credentials', () => {
    const w = defaultWorkload([
      'storage.storage_type=s3',
      'storage.storage_root=other-bucket/x',
      'storage.storage_options.endpoint_url=http://minio:9000',
      'storage.storage_options.access_key_id=AKIAEXAMPLE',
      'storage.storage_options.secret_access_key=SECRETEXAMPLE',
    ]);
    const { workload, notices } = cloudWorkload(w, { bucket: 'stack-bucket', region: 'eu-west-1' });
    assert.equal(workload.storage.storage_type, 's3');
    assert.equal(workload.storage.storage_root, 'stack-bucket/datasets');
    assert.equal(workload.storage.storage_options.region, 'eu-west-1');
    assert.equal(workload.storage.storage_options.endpoint_url, undefined);
    assert.equal(workload.storage.storage_options.s3_force_path_style, false);
    assert.doesNotMatch(JSON.stringify(workload), /AKIAEXAMPLE|SECRETEXAMPLE/);
    assert.match(notices.join('\n'), /other-bucket\/x replaced by s3:stack-bucket\/datasets/);
    const again = cloudWorkload(workload, { bucket: 'stack-bucket', region: 'eu-west-1' });
    assert.deepEqual(again.notices, [], 'no notice when the workload already points there');
  });

  it('keeps a dataset in the user’s own bucket: --bucket, or an AWS bucket the workload names', () => {
    const w = defaultWorkload(['storage.storage_type=s3', 'storage.storage_root=s3://team-data/pq']);
    const named = cloudWorkload(w, { bucket: 'stack-bucket', region: 'eu-west-1' });
    assert.equal(named.workload.storage.storage_root, 'team-data/pq');
    assert.equal(named.dataBucket, 'team-data');
    assert.match(named.notices.join('\n'), /-c pqbench:dataBuckets=team-data .*docs\/cloud\.md/);
    const flag = cloudWorkload(
      defaultWorkload([]),
      { bucket: 'stack-bucket', region: 'eu-west-1' },
      's3://mine/x/',
    );
    assert.equal(flag.workload.storage.storage_root, 'mine/x');
    assert.equal(flag.workload.storage.storage_type, 's3');
    assert.equal(flag.directoryBucket, false);
  });

  it('recognises S3 Express One Zone directory buckets by their name', () => {
    for (const name of ['bench--use1-az4--x-s3', 'a1--usw2-az1--x-s3', 'ml-data--usw2-lax1-az1--x-s3']) {
      assert.ok(isDirectoryBucket(name), name);
    }
    for (const name of ['bench', 'bench--x-s3', 'Bench--use1-az4--x-s3', 'bench--use1-az4--x-s3-']) {
      assert.ok(!isDirectoryBucket(name), name);
    }
    const express = cloudWorkload(
      defaultWorkload([]),
      { bucket: 'stack', region: 'us-east-1' },
      'bench--use1-az4--x-s3',
    );
    assert.equal(express.directoryBucket, true);
    assert.equal(
      express.workload.storage.storage_options.s3_force_path_style,
      false,
      'directory buckets are virtual-hosted',
    );
    assert.match(express.notices.join('\n'), /S3 Express One Zone directory bucket/);
  });

  it('sizes generate shards by concurrency, by bytes, and never above the file count', () => {
    const limits = { generateMaxConcurrency: 100, generateBytesPerShard: 1e9 };
    const small = defaultWorkload(['dataset.num_files_train=10', 'dataset.num_samples_per_file=10']);
    assert.equal(generateShardCount(resolveDataset(small), limits), 10);
    const many = defaultWorkload(['dataset.num_files_train=5000', 'dataset.num_samples_per_file=10']);
    assert.equal(generateShardCount(resolveDataset(many), limits), 100);
    // 5000 files × 1000 rows × 65536 B ≈ 328 GB → 328 shards of 1 GB.
    const big = defaultWorkload(['dataset.num_files_train=5000', 'dataset.num_samples_per_file=1000']);
    assert.equal(generateShardCount(resolveDataset(big), limits), Math.ceil((5000 * 1000 * 65536) / 1e9));
  });

  it('schedules the common start a margin ahead, in whole ms', () => {
    const s = scheduleReadStart(1_000.4, 30_000);
    assert.deepEqual(s, { startAt: 31_001, startAtIso: new Date(31_001).toISOString(), marginMs: 30_000 });
  });
});

describe('cloud report', () => {
  const record = (i: number, coldStart: boolean) => ({
    coldStart,
    initMs: coldStart ? 300 + i : 0,
    moduleLoadToHandlerMs: coldStart ? 5 : null,
    handlerStartAt: 0,
    memoryMb: 2048,
    host: `h${i}`,
    durationMs: 40_000,
    requests: {},
  });
  const reader = (
    accelerator: number,
    coldStart: boolean,
    lateMs: number,
    start: number,
  ): ReaderPartialFile => ({
    partial: { accelerator, epochs: [] } as unknown as ReaderPartialFile['partial'],
    reader: {
      accelerators: [accelerator],
      first: { ...record(accelerator, coldStart), startAt: 30_000, handlerToStartMs: 30_000, lateMs },
      invocations: [record(accelerator, coldStart)],
      progress: {
        accelerators: [accelerator],
        start,
        end: 40_000,
        series: { t: [start, 40_000], samples: [0, 1000], bytes: [0, 2e6] },
      },
    },
  });

  it('separates cold starts, lateness and the all-readers window from usage', () => {
    const r = cloudReport({
      runId: 'r',
      startAt: 30_000,
      marginMs: 30_000,
      readers: [reader(0, true, 3, 30_003), reader(1, false, 250, 30_250), reader(2, true, 0, 30_000)],
      expectedAccelerators: 4,
      expectedReaders: 4,
      ranksPerHost: 1,
      generators: [],
      expectedGenerators: 0,
      warmups: null,
      control: [{ durationMs: 1000, memoryMb: 1024, initMs: 0, requests: {} }],
      prices: resolvePrices({}),
    });
    assert.equal(r.readers_reported, 3);
    assert.equal(r.cold_starts.readers, 2);
    assert.deepEqual(r.reader_init_ms, { count: 2, min: 300, median: 300, p99: 302, max: 302 });
    assert.equal(r.readers_late, 1, 'only the reader beyond the tolerance is late');
    assert.deepEqual(r.overlap.late_accelerators, [1]);
    // The window starts when the late reader started: 30.25 s → 40 s, each reader 1000 samples over 10 s.
    assert.equal(r.overlap.start, new Date(30_250).toISOString());
    assert.equal(r.overlap.duration_s, 9.75);
    const expected = ((1000 * 9.75) / 9.997 + 1000 + (1000 * 9.75) / 10) / 9.75;
    assert.ok(
      Math.abs((r.overlap.samples_per_second ?? 0) - expected) < 1e-3,
      String(r.overlap.samples_per_second),
    );
    // Training: each reader's 40 s less its 30 s wait, init included; the wait is overhead.
    assert.equal(r.usage.lambdaInvocations, 3);
    assert.ok(
      Math.abs(r.usage.lambdaGbSeconds - (10 * 3 + 0.3 + 0.302) * 2) < 1e-9,
      String(r.usage.lambdaGbSeconds),
    );
    assert.ok(Math.abs(r.cost.overhead.lambdaGbSeconds - (3 * 30 * 2 + 1)) < 1e-9);
    assert.equal(r.usage.stateTransitions, 1 + 3 * 3);
    assert.deepEqual(r.reader_invocations, { total: 3, max_per_reader: 1, readers_continued: 0 });
  });

  it('computes order statistics', () => {
    assert.deepEqual(distribution([]), { count: 0, min: null, median: null, p99: null, max: null });
    assert.deepEqual(distribution([5, 1, 3]), { count: 3, min: 1, median: 3, p99: 5, max: 5 });
  });
});

describe('local runner transformation', () => {
  const def = synthDefinition(synthTemplate());
  const { definition, itemReaders } = toLocalDefinition(def);

  it('replaces each S3 item reader by a task over the same Bucket/Key, feeding ItemsPath', () => {
    assert.deepEqual(
      itemReaders.map((r) => [r.mapName, r.batched]).sort(),
      [
        [STATE.generateMap, false],
        [STATE.readMap, true],
        [STATE.warmupMap, true],
      ].sort(),
    );
    for (const { stateName, mapName, batched } of itemReaders) {
      const reader = definition.States[stateName] as Record<string, unknown>;
      const original = def.States[mapName]?.ItemReader as { Parameters: Record<string, unknown> };
      assert.equal(reader.Resource, LOCAL_ITEM_READER_RESOURCE);
      assert.deepEqual(
        reader.Parameters,
        batched
          ? { ...original.Parameters, 'MaxItemsPerBatch.$': '$.plan.read.ranksPerHost' }
          : original.Parameters,
      );
      assert.equal(reader.Next, mapName);
      const map = definition.States[mapName] as Record<string, unknown>;
      assert.equal(map.ItemsPath, reader.ResultPath);
      for (const gone of ['ItemReader', 'ResultWriter', 'ToleratedFailurePercentage'])
        assert.equal(map[gone], undefined);
    }
    // Nothing points at a map directly any more; everything else is untouched.
    const loaders = new Set(itemReaders.map((r) => r.stateName));
    const refs = JSON.stringify(
      Object.entries(definition.States)
        .filter(([name]) => !loaders.has(name))
        .map(([, s]) => [s.Next, s.Default, s.Choices]),
    );
    assert.doesNotMatch(refs, new RegExp(`"(${STATE.generateMap}|${STATE.readMap}|${STATE.warmupMap})"`));
    assert.deepEqual(Object.keys(allStates(definition)).length, Object.keys(allStates(def)).length + 3);
    assert.deepEqual(definition.States[STATE.aggregate], def.States[STATE.aggregate]);
  });

  it('gives a batched child what Step Functions does: {Items, BatchInput} with the paths resolved', async () => {
    const list = [{ accelerator: 0 }, { accelerator: 1 }, { accelerator: 2 }];
    const batches = (await localItemReader(async () => list)({
      Bucket: 'b',
      Key: 'k',
      MaxItemsPerBatch: 2,
    })) as Json[];
    assert.deepEqual(batches, [[{ accelerator: 0 }, { accelerator: 1 }], [{ accelerator: 2 }]]);
    const map = definition.States[STATE.readMap] as { ItemSelector: Json };
    const state: Json = {
      plan: { runId: 'r', configKey: 'runs/r/config.yaml', config: 'x: 1', read: { budgetMs: null } },
      schedule: { startAt: 123, randomSeed: 7 },
    };
    const child = applyPayloadTemplate(map.ItemSelector, state, {
      Map: { Item: { Value: batches[1] as Json } },
    });
    assert.deepEqual(child, {
      Items: [{ accelerator: 2 }],
      BatchInput: {
        runId: 'r',
        configKey: 'runs/r/config.yaml',
        config: 'x: 1',
        warmup: false,
        startAt: 123,
        randomSeed: 7,
        budgetMs: null,
      },
    });
  });
});

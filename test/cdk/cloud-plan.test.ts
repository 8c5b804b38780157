/**
 * The pure parts of a cloud run: key layout, the workload the Lambdas run,
 * shard sizing, the start schedule, the cloud report, and the local-runner
 * transformation of the synthesized definition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATE } from '../../cdk/state-machine.ts';
import { assertRunId, resultKeys, runKeys } from '../../src/cloud/keys.ts';
import { cloudWorkload, generateShardCount, scheduleReadStart } from '../../src/cloud/plan.ts';
import {
  cloudReport,
  distribution,
  estimateStateTransitions,
  type ReaderPartialFile,
} from '../../src/cloud/report.ts';
import { defaultWorkload } from '../../src/config/load.ts';
import { resolveDataset } from '../../src/dataset/run-plan.ts';
import { ConfigError } from '../../src/errors.ts';
import { makeRunId } from '../../src/metrics/results.ts';
import { allStates, LOCAL_ITEM_READER_RESOURCE, toLocalDefinition } from '../helpers/asl-local.ts';
import { synthDefinition, synthTemplate } from './synth.ts';

describe('cloud plan', () => {
  it('lays out run scratch under runs/<id>/ and results under results/<id>/', () => {
    const k = runKeys('r1');
    assert.equal(k.config, 'runs/r1/config.yaml');
    assert.equal(k.readItems, 'runs/r1/work/read.json');
    assert.equal(k.readPartial(7), 'runs/r1/partials/read/accelerator-000007.json');
    assert.equal(k.generatePartial(12), 'runs/r1/partials/generate/shard-000012.json');
    assert.deepEqual(resultKeys('r1'), {
      prefix: 'results/r1/',
      summary: 'results/r1/summary.json',
      perEpochStats: 'results/r1/per_epoch_stats.json',
      config: 'results/r1/config.yaml',
      cloud: 'results/r1/cloud.json',
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

  it('sizes generate shards by concurrency, by bytes, and never above the file count', () => {
    const limits = { generateMaxConcurrency: 100, readMaxConcurrency: 100, generateBytesPerShard: 1e9 };
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
  const reader = (accelerator: number, coldStart: boolean, lateMs: number): ReaderPartialFile =>
    ({
      partial: { accelerator } as ReaderPartialFile['partial'],
      lambda: {
        coldStart,
        initMs: coldStart ? 300 + accelerator : null,
        moduleLoadToHandlerMs: coldStart ? 5 : null,
        handlerStartAt: 0,
        memoryMb: 2048,
        host: `h${accelerator}`,
        durationMs: 10_000,
        startAt: 30_000,
        handlerToStartMs: 30_000 - accelerator,
        lateMs,
      },
    }) as ReaderPartialFile;

  it('separates cold starts and lateness from usage', () => {
    const r = cloudReport({
      runId: 'r',
      startAt: 30_000,
      marginMs: 30_000,
      readers: [reader(0, true, 3), reader(1, false, 250), reader(2, true, 0)],
      expectedReaders: 4,
      generators: [],
      expectedGenerators: 0,
      control: [{ durationMs: 1000, memoryMb: 1024 }],
    });
    assert.equal(r.readers_reported, 3);
    assert.equal(r.cold_starts.readers, 2);
    assert.deepEqual(r.reader_init_ms, { count: 2, min: 300, median: 300, p99: 302, max: 302 });
    assert.equal(r.readers_late, 1, 'only the reader beyond the tolerance is late');
    assert.equal(r.usage.lambdaInvocations, 4);
    assert.equal(r.usage.lambdaGbSeconds, 3 * 10 * 2 + 1);
    assert.equal(r.usage.stateTransitions, estimateStateTransitions(0, 4));
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
      itemReaders.map((r) => r.mapName),
      [STATE.generateMap, STATE.readMap],
    );
    for (const { stateName, mapName } of itemReaders) {
      const reader = definition.States[stateName] as Record<string, unknown>;
      const original = def.States[mapName]?.ItemReader as { Parameters: unknown };
      assert.equal(reader.Resource, LOCAL_ITEM_READER_RESOURCE);
      assert.deepEqual(reader.Parameters, original.Parameters);
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
    assert.doesNotMatch(refs, new RegExp(`"(${STATE.generateMap}|${STATE.readMap})"`));
    assert.deepEqual(Object.keys(allStates(definition)).length, Object.keys(allStates(def)).length + 2);
    assert.deepEqual(definition.States[STATE.aggregate], def.States[STATE.aggregate]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { runEpochLoop, type StepRecord } from '../../src/train/loop.ts';
import { planAcceleratorEpoch, sampleOrderKey, type UnitRef } from '../../src/train/schedule.ts';
import { memorySource } from './helpers/memory-source.ts';

const instant = async () => {};

/** Runs one epoch on every accelerator and returns each delivered sample id ("unit:row") with its count. */
async function deliverEpoch(
  w: Workload,
  epoch: number,
  rowsOf: (ref: UnitRef) => number,
  rowGroupSize: number,
) {
  const run = resolveRun(w, { randomSeed: 99 });
  const delivered = new Map<string, number>();
  const steps: StepRecord[][] = [];
  const results = [];
  for (let k = 0; k < w.run.accelerators; k++) {
    const { source, stats } = memorySource(rowsOf, rowGroupSize);
    const mine: StepRecord[] = [];
    const result = await runEpochLoop({
      plan: planAcceleratorEpoch(run, epoch, k),
      source,
      readMode: w.dataset.parquet.read_mode,
      readThreads: w.reader.read_threads,
      prefetchSize: w.reader.prefetch_size,
      batchSize: w.reader.batch_size,
      maxSteps: w.train.total_training_steps,
      sampleKey: (ref, rowStart) => sampleOrderKey(run.training, epoch, ref.unit, rowStart),
      nextComputeMs: () => 0,
      compute: instant,
      onStep: (s) => mine.push(s),
      onBatch: (batch) => {
        assert.equal(batch.units.length, batch.rows.length);
        for (let i = 0; i < batch.units.length; i++) {
          const id = `${batch.units[i]}:${batch.rows[i]}`;
          delivered.set(id, (delivered.get(id) ?? 0) + 1);
        }
      },
    });
    steps.push(mine);
    results.push({ result, stats });
  }
  return { delivered, steps, results };
}

describe('runEpochLoop: every sample exactly once per epoch across accelerators', () => {
  const cases: { name: string; set: string[]; rows: (ref: UnitRef) => number; rowGroup: number }[] = [];
  for (const accelerators of [1, 3, 4]) {
    for (const files of [1, 5, 13]) {
      for (const [fileShuffle, sampleShuffle] of [
        ['off', 'off'],
        ['seed', 'seed'],
        ['random', 'random'],
      ]) {
        for (const batch of [1, 7, 64]) {
          for (const mode of ['default', 'row_group']) {
            cases.push({
              name: `A=${accelerators} N=${files} shuffle=${fileShuffle}/${sampleShuffle} batch=${batch} ${mode}`,
              set: [
                `run.accelerators=${accelerators}`,
                `dataset.num_files_train=${files}`,
                `reader.file_shuffle=${fileShuffle}`,
                `reader.sample_shuffle=${sampleShuffle}`,
                `reader.batch_size=${batch}`,
                `reader.read_threads=${(files % 3) + 1}`,
                `reader.prefetch_size=${(batch % 3) + 1}`,
                `dataset.parquet.read_mode=${mode}`,
                'dataset.num_samples_per_file=37',
              ],
              // Uneven objects: some rows missing so files differ in size.
              rows: (ref) => 37 - (ref.fileIndex % 4),
              rowGroup: 10,
            });
          }
        }
      }
    }
  }

  it(`holds for ${cases.length} combinations of accelerators, files, shuffles, batch sizes and read modes`, async () => {
    for (const c of cases) {
      const w = defaultWorkload(c.set);
      for (const epoch of [0, 1]) {
        const { delivered, steps } = await deliverEpoch(w, epoch, c.rows, c.rowGroup);
        let expected = 0;
        for (let f = 0; f < w.dataset.num_files_train; f++) {
          const rows = c.rows({ unit: f, fileIndex: f, partition: null });
          for (let r = 0; r < rows; r++) {
            assert.equal(delivered.get(`${f}:${r}`), 1, `${c.name} epoch ${epoch}: sample ${f}:${r}`);
          }
          expected += rows;
        }
        assert.equal(delivered.size, expected, `${c.name}: unexpected extra samples`);
        // Only an accelerator's last step may be a partial batch (drop_last=False).
        for (const mine of steps) {
          for (const s of mine.slice(0, -1)) assert.equal(s.samples, w.reader.batch_size, c.name);
        }
      }
    }
  });

  it('holds for partitioned datasets ((file, partition) objects, some empty)', async () => {
    const w = defaultWorkload([
      'run.accelerators=3',
      'dataset.num_files_train=4',
      'dataset.num_samples_per_file=5',
      'dataset.parquet.partition_by=day',
      'dataset.parquet.columns=[{name: day, dtype: int32, cardinality: 7}, {name: x, dtype: float32}]',
      'reader.file_shuffle=seed',
      'reader.sample_shuffle=seed',
      'reader.batch_size=4',
    ]);
    // 5 rows over 7 partition values: values 5 and 6 hold none.
    const rows = (ref: UnitRef) => ((ref.partition ?? 0) < 5 ? 1 : 0);
    const { delivered } = await deliverEpoch(w, 0, rows, 2);
    assert.equal(delivered.size, 20);
    for (let f = 0; f < 4; f++) for (let p = 0; p < 5; p++) assert.equal(delivered.get(`${f * 7 + p}:0`), 1);
  });

  it('shuffles samples within a chunk when sample_shuffle is on', async () => {
    const set = ['dataset.num_files_train=1', 'reader.batch_size=100', 'dataset.num_samples_per_file=100'];
    const order = async (shuffle: string) => {
      const w = defaultWorkload([...set, `reader.sample_shuffle=${shuffle}`]);
      const rows: number[] = [];
      const run = resolveRun(w, { randomSeed: null });
      await runEpochLoop({
        plan: planAcceleratorEpoch(run, 0, 0),
        source: memorySource(() => 100, 1000).source,
        readMode: 'default',
        readThreads: 1,
        prefetchSize: 1,
        batchSize: 100,
        maxSteps: -1,
        sampleKey: (ref, rowStart) => sampleOrderKey(run.training, 0, ref.unit, rowStart),
        nextComputeMs: () => 0,
        compute: instant,
        onBatch: (b) => rows.push(...b.rows),
      });
      return rows;
    };
    const plain = await order('off');
    const shuffled = await order('seed');
    assert.deepEqual(
      plain,
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.notDeepEqual(shuffled, plain);
    assert.deepEqual(
      [...shuffled].sort((a, b) => a - b),
      plain,
    );
  });
});

describe('runEpochLoop: bounds, caps and failures', () => {
  it('row_group mode holds at most prefetch_size row groups at once', async () => {
    for (const prefetch of [1, 2, 3]) {
      const w = defaultWorkload([
        'dataset.num_files_train=6',
        'dataset.parquet.read_mode=row_group',
        'reader.read_threads=8',
        `reader.prefetch_size=${prefetch}`,
        'reader.batch_size=5',
      ]);
      const { results } = await deliverEpoch(w, 0, () => 40, 4);
      const { result, stats } = results[0];
      assert.ok(result.maxHeldChunks <= prefetch, `held ${result.maxHeldChunks} > ${prefetch}`);
      assert.ok(stats.maxInFlight <= prefetch);
      assert.equal(result.chunks, 60);
    }
  });

  it('default mode stops fetching ahead once prefetch_size batches of rows are buffered', async () => {
    const w = defaultWorkload([
      'dataset.num_files_train=40',
      'reader.read_threads=2',
      'reader.prefetch_size=2',
      'reader.batch_size=10',
    ]);
    const { results } = await deliverEpoch(w, 0, () => 10, 100);
    // Capacity 20 rows; the two fetchers may each land one 10-row object on top of it.
    assert.ok(results[0].result.maxBufferedRows <= 20 + 2 * 10, `${results[0].result.maxBufferedRows}`);
  });

  it('total_training_steps caps the steps of an epoch', async () => {
    const w = defaultWorkload([
      'dataset.num_files_train=10',
      'reader.batch_size=8',
      'train.total_training_steps=3',
    ]);
    const { steps } = await deliverEpoch(w, 0, () => 50, 50);
    assert.equal(steps[0].length, 3);
  });

  it('yields the last partial batch and records load wait and compute per step', async () => {
    const w = defaultWorkload(['dataset.num_files_train=1', 'reader.batch_size=16']);
    const { steps } = await deliverEpoch(w, 0, () => 40, 40);
    assert.deepEqual(
      steps[0].map((s) => s.samples),
      [16, 16, 8],
    );
    for (const s of steps[0]) {
      assert.ok(s.loadWaitMs >= 0 && s.computeMs >= 0);
      assert.ok(s.start <= s.batchReady && s.batchReady <= s.end);
    }
    assert.equal(steps[0][1].start, steps[0][0].end);
  });

  it('a failed fetch fails the epoch with that error, and waits for the other fetchers', async () => {
    const w = defaultWorkload([
      'dataset.num_files_train=6',
      'reader.read_threads=3',
      'reader.file_shuffle=off',
    ]);
    const run = resolveRun(w, { randomSeed: null });
    const { source, stats } = memorySource(() => 20, 20, { failOn: 4 });
    await assert.rejects(
      runEpochLoop({
        plan: planAcceleratorEpoch(run, 0, 0),
        source,
        readMode: 'default',
        readThreads: 3,
        prefetchSize: 2,
        batchSize: 8,
        maxSteps: -1,
        sampleKey: () => null,
        nextComputeMs: () => 0,
        compute: instant,
      }),
      /read of object 4 failed/,
    );
    assert.equal(stats.inFlight, 0);
  });

  it('an empty plan yields no steps', async () => {
    const w = defaultWorkload(['dataset.num_files_train=1', 'run.accelerators=2']);
    const { steps } = await deliverEpoch(w, 0, () => 10, 10);
    assert.equal(steps[1].length, 0);
  });
});

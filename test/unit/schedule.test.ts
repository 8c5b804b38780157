import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { drawRandomSeed, resolveRun } from '../../src/dataset/run-plan.ts';
import { planAcceleratorEpoch, sampleOrderKey, unitCount, unitRef } from '../../src/train/schedule.ts';

function epochOrders(overrides: string[], epoch: number, randomSeed: number | null = null): number[][] {
  const w = defaultWorkload(overrides);
  const run = resolveRun(w, { randomSeed });
  return Array.from({ length: w.run.accelerators }, (_, k) => {
    const plan = planAcceleratorEpoch(run, epoch, k);
    return Array.from({ length: plan.count }, (_, i) => plan.at(i).unit);
  });
}

describe('planAcceleratorEpoch', () => {
  it('gives every object to exactly one accelerator, round-robin, shares within one object', () => {
    for (const [files, accelerators] of [
      [10, 3],
      [3, 5],
      [16, 4],
      [1, 1],
      [7, 7],
    ]) {
      for (const shuffle of ['off', 'seed']) {
        const orders = epochOrders(
          [
            `dataset.num_files_train=${files}`,
            `run.accelerators=${accelerators}`,
            `reader.file_shuffle=${shuffle}`,
          ],
          0,
        );
        const all = orders.flat().sort((a, b) => a - b);
        assert.deepEqual(
          all,
          Array.from({ length: files }, (_, i) => i),
        );
        const sizes = orders.map((o) => o.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `shares ${sizes}`);
      }
    }
  });

  it('keeps file order when file_shuffle is off (accelerator k takes k, k+A, …)', () => {
    const orders = epochOrders(
      ['dataset.num_files_train=7', 'run.accelerators=2', 'reader.file_shuffle=off'],
      0,
    );
    assert.deepEqual(orders, [
      [0, 2, 4, 6],
      [1, 3, 5],
    ]);
  });

  it('reshuffles per epoch only with seed_change_epoch, and reproducibly', () => {
    const base = ['dataset.num_files_train=50', 'reader.file_shuffle=seed'];
    assert.deepEqual(epochOrders(base, 1), epochOrders(base, 1));
    assert.notDeepEqual(epochOrders(base, 0), epochOrders(base, 1));
    const fixed = [...base, 'train.seed_change_epoch=false'];
    assert.deepEqual(epochOrders(fixed, 0), epochOrders(fixed, 3));
    assert.notDeepEqual(epochOrders(base, 0), epochOrders([...base, 'train.seed=7'], 0));
  });

  it('random shuffles use the run seed: same seed same order, and a seed is required', () => {
    const base = ['dataset.num_files_train=50', 'reader.file_shuffle=random'];
    const seed = drawRandomSeed();
    assert.deepEqual(epochOrders(base, 0, seed), epochOrders(base, 0, seed));
    assert.notDeepEqual(epochOrders(base, 0, seed), epochOrders(base, 0, seed + 1));
    assert.throws(() => epochOrders(base, 0, null));
  });

  it('deals (file, partition) objects when partitioned', () => {
    const w = defaultWorkload([
      'dataset.num_files_train=3',
      'dataset.parquet.partition_by=day',
      'dataset.parquet.columns=[{name: day, dtype: int32, cardinality: 4}, {name: x, dtype: float32}]',
    ]);
    const layout = resolveRun(w).dataset.layout;
    assert.equal(unitCount(layout), 12);
    assert.deepEqual(unitRef(layout, 6), { unit: 6, fileIndex: 1, partition: 2 });
  });
});

describe('sampleOrderKey', () => {
  it('is null when sample_shuffle is off and differs by chunk otherwise', () => {
    const off = resolveRun(defaultWorkload(['reader.sample_shuffle=off'])).training;
    assert.equal(sampleOrderKey(off, 0, 1, 0), null);
    const on = resolveRun(defaultWorkload(['reader.sample_shuffle=seed'])).training;
    assert.notEqual(sampleOrderKey(on, 0, 1, 0), sampleOrderKey(on, 0, 1, 100));
    assert.notEqual(sampleOrderKey(on, 0, 1, 0), sampleOrderKey(on, 1, 1, 0));
  });
});

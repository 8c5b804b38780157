/**
 * Issue 11: DLIO's sleep distributions (MLCommons fork, utils/utility.py
 * sleep: normal, uniform(min, max), gamma(shape, scale), exponential(scale),
 * poisson(lam), every draw folded with abs()) for computation_time per step,
 * and reader.preprocess_time slept per sample inside the loader worker.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import type { SleepDistribution } from '../../src/config/types.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { objectRowCount } from '../../src/dataset/values.ts';
import {
  computeTimeSampler,
  drawSeconds,
  preprocessFor,
  preprocessTimeSampler,
  seededRandom,
} from '../../src/train/compute.ts';
import { loadBatches } from '../../src/train/loader.ts';
import { rankEpoch, workerRuns } from '../../src/train/schedule.ts';
import { memorySource } from './helpers/memory-source.ts';

const N = 40_000;

function draws(d: SleepDistribution, n = N): number[] {
  const random = seededRandom(12345);
  return Array.from({ length: n }, () => drawSeconds(d, random));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
};
const near = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: ${actual} vs ${expected}`,
  );

describe("DLIO's distributions", () => {
  it('normal is folded with abs(): never negative, a folded normal when the mean is near 0', () => {
    const xs = draws({ type: 'normal', mean: 0, stdev: 0.01 });
    assert.ok(xs.every((x) => x >= 0));
    // E|N(0, σ)| = σ·√(2/π): folding, not clamping at 0 (which would give σ/√(2π)).
    near(mean(xs), 0.01 * Math.sqrt(2 / Math.PI), 0.03, 'folded mean');
    const far = draws({ type: 'normal', mean: 1, stdev: 0.1 });
    near(mean(far), 1, 0.01, 'normal mean');
    near(Math.sqrt(variance(far)), 0.1, 0.03, 'normal stdev');
  });

  it('uniform(min, max) stays in [min, max) with the uniform mean', () => {
    const xs = draws({ type: 'uniform', min: 0.2, max: 0.6 });
    assert.ok(xs.every((x) => x >= 0.2 && x < 0.6));
    near(mean(xs), 0.4, 0.01, 'uniform mean');
    const folded = draws({ type: 'uniform', min: -1, max: 1 });
    assert.ok(
      folded.every((x) => x >= 0 && x <= 1),
      'abs() folds a negative range',
    );
  });

  it('gamma(shape, scale): mean shape·scale, variance shape·scale², also for shape < 1', () => {
    for (const shape of [0.5, 2, 9]) {
      const xs = draws({ type: 'gamma', shape, scale: 0.01 });
      assert.ok(xs.every((x) => x >= 0));
      near(mean(xs), shape * 0.01, 0.03, `gamma(${shape}) mean`);
      near(variance(xs), shape * 0.01 ** 2, 0.08, `gamma(${shape}) variance`);
    }
  });

  it('exponential(scale): mean and stdev scale', () => {
    const xs = draws({ type: 'exponential', scale: 0.05 });
    near(mean(xs), 0.05, 0.03, 'exponential mean');
    near(Math.sqrt(variance(xs)), 0.05, 0.04, 'exponential stdev');
  });

  it('poisson(lam): whole seconds, mean and variance lam, also past one Knuth slice', () => {
    for (const lam of [0.3, 4, 75]) {
      const xs = draws({ type: 'poisson', lam }, 20_000);
      assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0));
      near(mean(xs), lam, 0.03, `poisson(${lam}) mean`);
      near(variance(xs), lam, 0.08, `poisson(${lam}) variance`);
    }
  });

  it('computation_time: constant needs no draws, others are reproducible per (seed, accelerator)', () => {
    const constant = computeTimeSampler({ type: 'constant', mean: 0.002, stdev: 0 }, 1, 0);
    assert.equal(constant(), 2);
    const spec: SleepDistribution = { type: 'gamma', shape: 2, scale: 0.001 };
    const a = computeTimeSampler(spec, 7, 3);
    const b = computeTimeSampler(spec, 7, 3);
    const c = computeTimeSampler(spec, 7, 4);
    const first = [a(), a(), a()];
    assert.deepEqual([b(), b(), b()], first);
    assert.notDeepEqual([c(), c(), c()], first);
  });
});

describe('reader.preprocess_time', () => {
  it('draws once per sample and sums them for a batch', () => {
    const at = { accelerator: 0, worker: 0, epoch: 0 };
    assert.equal(preprocessTimeSampler({ type: 'constant', mean: 0, stdev: 0 }, 1, at), null);
    const constant = preprocessTimeSampler({ type: 'constant', mean: 0.0001, stdev: 0 }, 1, at);
    assert.ok(constant);
    near(constant(256), 25.6, 1e-9, '256 samples × 0.1 ms');
    const normal = preprocessTimeSampler({ type: 'normal', mean: 0.001, stdev: 0.0002 }, 1, at);
    assert.ok(normal);
    // A sum of 1000 draws: mean 1000 ms, stdev √1000 · 0.2 ms ≈ 6.3 ms.
    near(normal(1000), 1000, 0.03, 'sum of per-sample draws');
  });

  it('preprocessFor waits the time precisely without holding the event loop for most of it', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const start = performance.now();
    await preprocessFor(20);
    const elapsed = performance.now() - start;
    clearInterval(timer);
    // Never short; how late it may be depends on the machine's load (precision is a bench/ figure).
    assert.ok(elapsed >= 20 && elapsed < 1000, `${elapsed} ms`);
    assert.ok(ticks >= 1, `the event loop ran meanwhile (${ticks} timer ticks)`);
  });

  it('the loader worker sleeps it per sample before handing each batch over', async () => {
    const epochMs = async (overrides: string[]) => {
      const plan = resolveRun(
        defaultWorkload([
          'dataset.parquet.columns=[{name: id, dtype: int32}]',
          'dataset.num_files_train=4',
          'dataset.num_samples_per_file=32',
          'reader.batch_size=16',
          ...overrides,
        ]),
      );
      const { source } = memorySource((ref) => objectRowCount(plan.dataset, ref.partition), 8);
      const rank = rankEpoch(plan, 0, 0);
      const [run] = workerRuns(rank, 1);
      assert.ok(run);
      const start = performance.now();
      let samples = 0;
      for await (const batch of loadBatches({ plan, source, rank, run })) samples += batch.samples;
      return { ms: performance.now() - start, samples };
    };
    const plain = await epochMs([]);
    const slowed = await epochMs(['reader.preprocess_time=0.0005']);
    assert.equal(slowed.samples, 128);
    // 128 samples × 0.5 ms = 64 ms spent preprocessing in the worker.
    // Never short of the sleeps (how much longer the plain pass takes depends on the machine's load).
    assert.ok(slowed.ms >= 64 + Math.min(plain.ms, 0), `${slowed.ms} vs ${plain.ms} ms`);
  });
});

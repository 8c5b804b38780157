/**
 * Simulated time: how long each step "trains" for (computation_time) and how
 * long a loader worker preprocesses each sample (preprocess_time), drawn from
 * DLIO's distributions (config/distribution.ts). Draws are seeded per
 * (seed, accelerator[, worker]) so a run's schedule is reproducible.
 */
import type { SleepDistribution } from '../config/types.ts';
import { mixKey } from '../dataset/permutation.ts';

/** A small, fast, seedable PRNG (mulberry32) returning [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A standard normal draw (Box–Muller); 1 - random() keeps the logarithm's argument in (0, 1]. */
function standardNormal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, 1) by Marsaglia and Tsang; shape < 1 through Gamma(shape + 1)·U^(1/shape). */
function standardGamma(shape: number, random: () => number): number {
  if (shape < 1) return standardGamma(shape + 1, random) * (1 - random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Poisson(lam) by Knuth's product method, in slices of at most 30 (Poisson sums are Poisson). */
function poisson(lam: number, random: () => number): number {
  let count = 0;
  for (let left = lam; left > 0; left -= 30) {
    const limit = Math.exp(-Math.min(30, left));
    let product = 1 - random();
    while (product > limit) {
      count++;
      product *= 1 - random();
    }
  }
  return count;
}

/**
 * One draw in seconds, folded with abs() as DLIO's utility.sleep folds every
 * draw (so a normal with a stdev near its mean is a folded normal, not
 * clamped at 0). Poisson draws are whole seconds, as numpy's are.
 */
export function drawSeconds(d: SleepDistribution, random: () => number): number {
  switch (d.type) {
    case 'constant':
      return Math.abs(d.mean);
    case 'normal':
      return Math.abs(d.mean + d.stdev * standardNormal(random));
    case 'uniform':
      return Math.abs(d.min + (d.max - d.min) * random());
    case 'gamma':
      return d.scale * standardGamma(d.shape, random);
    case 'exponential':
      return -d.scale * Math.log(1 - random());
    case 'poisson':
      return poisson(d.lam, random);
  }
}

/** Whether a distribution always gives the same time (no random draws needed). */
function isFixed(d: SleepDistribution): boolean {
  return (
    d.type === 'constant' ||
    (d.type === 'normal' && d.stdev === 0) ||
    (d.type === 'uniform' && d.min === d.max)
  );
}

/** The time a fixed distribution always gives, in seconds. */
function fixedSeconds(d: SleepDistribution): number {
  return drawSeconds(d, () => 0.5);
}

/**
 * Returns a function drawing one step's compute time in milliseconds
 * (train.computation_time), seeded per (seed, accelerator).
 */
export function computeTimeSampler(spec: SleepDistribution, seed: number, accelerator: number): () => number {
  if (isFixed(spec)) {
    const ms = fixedSeconds(spec) * 1000;
    return () => ms;
  }
  const random = seededRandom(mixKey(seed, accelerator, 0xc0de));
  return () => drawSeconds(spec, random) * 1000;
}

/**
 * Returns a function giving the preprocessing time of `samples` samples in
 * milliseconds (reader.preprocess_time): one draw per sample, as DLIO's
 * reader sleeps once per sample, seeded per (seed, accelerator, worker,
 * epoch). Null when the workload has none.
 */
export function preprocessTimeSampler(
  spec: SleepDistribution,
  seed: number,
  at: { accelerator: number; worker: number; epoch: number },
): ((samples: number) => number) | null {
  if (isFixed(spec)) {
    const ms = fixedSeconds(spec) * 1000;
    return ms > 0 ? (samples) => samples * ms : null;
  }
  const random = seededRandom(mixKey(seed, at.accelerator, at.worker, at.epoch, 0x9e9));
  return (samples) => {
    let seconds = 0;
    for (let i = 0; i < samples; i++) seconds += drawSeconds(spec, random);
    return seconds * 1000;
  };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** The last stretch of a sleep is spun: Atomics.wait alone wakes 60-200 µs late (timer slack, wake-up). */
const SPIN_MS = 0.2;

/** A shared cell that becomes non-zero (and is notified) when a sleep must end early: a stop. */
export interface WakeCell {
  cells: Int32Array;
  index: number;
}

/**
 * Blocks this thread for `ms` with microsecond precision: Atomics.wait for
 * all but the last SPIN_MS, then a spin on the clock. Only an accelerator
 * thread, which has nothing else to do while it "computes", may call it.
 * With `wake`, the wait ends as soon as that cell turns non-zero (SIGINT
 * mid-step: a long computation_time must not hold the stop); false then.
 */
export function computeFor(
  ms: number,
  clock: () => number = () => performance.now(),
  wake: WakeCell = { cells: sleepCell, index: 0 },
): boolean {
  if (!(ms > 0)) return true;
  const deadline = clock() + ms;
  if (ms > SPIN_MS) Atomics.wait(wake.cells, wake.index, 0, ms - SPIN_MS);
  if (Atomics.load(wake.cells, wake.index) !== 0) return false;
  while (clock() < deadline) {
    // spin: the remaining few hundred microseconds
  }
  return true;
}

/**
 * Waits `ms` without blocking the event loop for all but the last
 * millisecond, then spins to the deadline: a loader worker "preprocessing"
 * (DLIO's time.sleep in a DataLoader worker, which lets that worker's
 * prefetch threads go on) stays precise to well under a millisecond. False
 * when `interrupted` turned true first.
 */
export async function preprocessFor(
  ms: number,
  clock: () => number = () => performance.now(),
  interrupted: () => boolean = () => false,
): Promise<boolean> {
  if (!(ms > 0)) return true;
  const deadline = clock() + ms;
  // In slices of at most a quarter second, so that a stop is noticed while a long preprocess_time runs.
  for (let left = deadline - clock(); left > 1.5; left = deadline - clock()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, left - 1.5)));
    if (interrupted()) return false;
  }
  while (clock() < deadline) {
    // spin: the remaining fraction of a millisecond
  }
  return true;
}

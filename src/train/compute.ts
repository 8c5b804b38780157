/**
 * Simulated accelerator compute: how long each step "trains" for. Draws are
 * seeded per (seed, accelerator) so a run's compute schedule is reproducible.
 */
import type { ComputationTime } from '../config/types.ts';
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

/**
 * Returns a function drawing one step's compute time in milliseconds.
 * `normal` is clamped at 0; `uniform` spans mean ± √3·stdev so its standard
 * deviation is `stdev`, as the config says.
 */
export function computeTimeSampler(spec: ComputationTime, seed: number, accelerator: number): () => number {
  const meanMs = spec.mean * 1000;
  const stdevMs = spec.stdev * 1000;
  if (spec.type === 'constant' || stdevMs === 0) return () => meanMs;
  const random = seededRandom(mixKey(seed, accelerator, 0xc0de));
  if (spec.type === 'uniform') {
    const halfWidth = Math.sqrt(3) * stdevMs;
    return () => Math.max(0, meanMs - halfWidth + 2 * halfWidth * random());
  }
  return () => {
    // Box–Muller; 1 - random() keeps the logarithm's argument in (0, 1].
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(0, meanMs + stdevMs * z);
  };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** The last stretch of a sleep is spun: Atomics.wait alone wakes 60-200 µs late (timer slack, wake-up). */
const SPIN_MS = 0.2;

/**
 * Blocks this thread for `ms` with microsecond precision: Atomics.wait for
 * all but the last SPIN_MS, then a spin on the clock. Only an accelerator
 * thread, which has nothing else to do while it "computes", may call it.
 */
export function computeFor(ms: number, clock: () => number = () => performance.now()): void {
  if (!(ms > 0)) return;
  const deadline = clock() + ms;
  if (ms > SPIN_MS) Atomics.wait(sleepCell, 0, 0, ms - SPIN_MS);
  while (clock() < deadline) {
    // spin: the remaining few hundred microseconds
  }
}

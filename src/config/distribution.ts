/**
 * Times DLIO draws per use — train.computation_time (per step) and
 * reader.preprocess_time (per sample) — in every form DLIO's
 * `utility.sleep(config)` takes (MLCommons fork, dlio_benchmark/utils/utility.py):
 *
 *   0.002                               constant
 *   {mean: 0.002}                       constant
 *   {mean: 0.002, stdev: 0.0005}        normal (no `type`: DLIO draws normal)
 *   {type: normal, mean, stdev}         np.random.normal(mean, stdev)
 *   {type: uniform, min, max}           np.random.uniform(min, max)
 *   {type: gamma, shape, scale}         np.random.gamma(shape, scale)
 *   {type: exponential, scale}          np.random.exponential(scale)
 *   {type: poisson, lam}                np.random.poisson(lam)   (whole seconds)
 *
 * pqbench also takes {type: constant, mean} and SPEC §1's
 * {type: uniform, mean, stdev} (the uniform of that mean and standard
 * deviation: mean ∓ √3·stdev). DLIO folds every draw with abs(); the sampler
 * in train/compute.ts does the same. Where DLIO silently sleeps 0 (an unknown
 * `type`, a string) pqbench reports an error instead.
 */
import { z } from 'zod';
import { LIMITS } from './limits.ts';
import type { SleepDistribution } from './types.ts';

/** Seconds, either sign (DLIO folds draws with abs()), within LIMITS.sleepSeconds. */
const seconds = z.number().min(-LIMITS.sleepSeconds).max(LIMITS.sleepSeconds);
const nonNeg = z.number().min(0).max(LIMITS.sleepSeconds);

const constantForm = z.strictObject({
  type: z.literal('constant'),
  mean: nonNeg.default(0),
  stdev: z.literal(0).optional(),
});

const normalForm = z.strictObject({
  type: z.literal('normal'),
  mean: seconds,
  stdev: nonNeg.default(0),
});

const uniformForm = z
  .strictObject({
    type: z.literal('uniform'),
    min: seconds.optional(),
    max: seconds.optional(),
    mean: nonNeg.optional(),
    stdev: nonNeg.optional(),
  })
  .superRefine((u, ctx) => {
    const byRange = u.min !== undefined || u.max !== undefined;
    const byMoments = u.mean !== undefined || u.stdev !== undefined;
    if (byRange === byMoments || (byRange && (u.min === undefined || u.max === undefined))) {
      ctx.addIssue({
        code: 'custom',
        message: 'a uniform distribution takes {min, max} (DLIO) or {mean, stdev}',
      });
    } else if (byRange && (u.min as number) > (u.max as number)) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `max must be >= min (${u.min})` });
    }
  });

const gammaForm = z
  .strictObject({
    type: z.literal('gamma'),
    shape: z.number().gt(0).max(LIMITS.sleepSeconds),
    scale: z.number().gt(0).max(LIMITS.sleepSeconds),
  })
  .refine((g) => g.shape * g.scale <= LIMITS.sleepSeconds, {
    message: `the mean shape × scale is more than ${LIMITS.sleepSeconds} seconds; allowed: <= ${LIMITS.sleepSeconds}`,
  });

const exponentialForm = z.strictObject({ type: z.literal('exponential'), scale: nonNeg });

const poissonForm = z.strictObject({ type: z.literal('poisson'), lam: nonNeg });

/** DLIO's shorthands: a number is a constant; a mapping without `type` is normal when it has a stdev. */
function withType(v: unknown): unknown {
  if (typeof v === 'number') return { type: 'constant', mean: v };
  if (typeof v !== 'object' || v === null || Array.isArray(v) || 'type' in v) return v;
  const m = v as Record<string, unknown>;
  return 'stdev' in m ? { type: 'normal', mean: 0, ...m } : { type: 'constant', ...m };
}

function toDistribution(d: z.output<typeof forms>): SleepDistribution {
  switch (d.type) {
    case 'constant':
      return { type: 'constant', mean: d.mean, stdev: 0 };
    case 'uniform': {
      if (d.min !== undefined && d.max !== undefined) return { type: 'uniform', min: d.min, max: d.max };
      const half = Math.sqrt(3) * (d.stdev ?? 0);
      const mean = d.mean ?? 0;
      return { type: 'uniform', min: mean - half, max: mean + half };
    }
    default:
      return d;
  }
}

const forms = z.discriminatedUnion('type', [
  constantForm,
  normalForm,
  uniformForm,
  gammaForm,
  exponentialForm,
  poissonForm,
]);

/** A time in seconds as DLIO writes it, resolved to one SleepDistribution. */
export const sleepDistribution = z.preprocess(withType, forms.transform(toDistribution));

export const ZERO_SECONDS: SleepDistribution = { type: 'constant', mean: 0, stdev: 0 };

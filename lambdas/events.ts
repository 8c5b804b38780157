/**
 * The payloads the state machine sends each handler (see cdk/state-machine.ts
 * for where each field comes from). Validated on entry: a malformed event is a
 * deployment or hand-started-execution mistake and fails with the field named.
 */
import { z } from 'zod';
import { ConfigError } from '../src/errors.ts';

const runId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,159}$/, 'run id: 1-160 of A-Z a-z 0-9 . _ -');
const key = z.string().min(1).max(1024);
const count = z.number().int().min(0);
const prices = z.record(z.string(), z.number().min(0));

const fileRange = z.strictObject({ split: z.enum(['train', 'eval']), start: count, end: count });
export const generateShardSchema = z.strictObject({
  index: count,
  count: z.number().int().min(1),
  ranges: z.array(fileRange),
});

/** What `pqbench cloud run` starts the execution with. */
export const executionInputSchema = z.strictObject({
  runId,
  configKey: key,
  /** Regenerate objects that exist and match (`pqbench cloud run --force`). */
  force: z.boolean(),
  /** Price table overrides (`--prices`), applied by the aggregate. */
  prices: prices,
});
export type ExecutionInput = z.output<typeof executionInputSchema>;

/** Cost facts of one invocation; summed into the run's Lambda GB-seconds. */
export const invocationCostSchema = z.strictObject({
  durationMs: z.number().min(0),
  memoryMb: z.number().min(0),
});

export const planOutputSchema = z.strictObject({
  runId,
  configKey: key,
  force: z.boolean(),
  manifestCurrent: z.boolean(),
  generate: z.strictObject({ count, itemsKey: key }),
  read: z.strictObject({ count, itemsKey: key }),
  lambda: invocationCostSchema,
});

export const scheduleOutputSchema = z.strictObject({
  startAt: z.number(),
  startAtIso: z.string(),
  marginMs: z.number(),
  randomSeed: z.number().nullable(),
  manifestWritten: z.boolean(),
  /** Facts about the dataset the summary must carry (e.g. no manifest: read as a foreign dataset). */
  notices: z.array(z.string()),
  lambda: invocationCostSchema,
});

export const planEventSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('plan'), runId, configKey: key, force: z.boolean() }),
  z.strictObject({ action: z.literal('schedule'), runId, configKey: key, plan: planOutputSchema }),
]);
export type PlanEvent = z.output<typeof planEventSchema>;

export const generateEventSchema = z.strictObject({
  runId,
  configKey: key,
  force: z.boolean(),
  shard: generateShardSchema,
});
export type GenerateEvent = z.output<typeof generateEventSchema>;

export const readEventSchema = z.strictObject({
  runId,
  configKey: key,
  accelerator: count,
  /** ms since the epoch: the common start of the measured window. */
  startAt: z.number(),
  randomSeed: z.number().nullable(),
});
export type ReadEvent = z.output<typeof readEventSchema>;

export const aggregateEventSchema = z.strictObject({
  runId,
  configKey: key,
  plan: planOutputSchema,
  schedule: scheduleOutputSchema,
  prices: prices,
});
export type AggregateEvent = z.output<typeof aggregateEventSchema>;

/** Parses an event or throws a ConfigError naming each bad field. */
export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, handler: string): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    `${handler} event`,
  );
}

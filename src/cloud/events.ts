/**
 * The payloads the state machine sends each step and the values each step
 * returns (see cdk/state-machine.ts for where each field comes from). The zod
 * schemas are the one statement of their shape: the types are derived from
 * them. Events are validated on entry: a malformed one is a deployment or
 * hand-started-execution mistake and fails with the field named.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { GenerateShard } from '../generate/shards.ts';

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
// The work-list items are the generate shards the local executor runs: the schema must describe exactly them.
const _sameShard: GenerateShard = {} as z.output<typeof generateShardSchema>;
void _sameShard;

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
export type InvocationCost = z.output<typeof invocationCostSchema>;

/** The work lists' keys and sizes: a few hundred bytes whatever the workload. */
export const workListsSchema = z.strictObject({
  runId,
  configKey: key,
  generate: z.strictObject({ count, itemsKey: key }),
  read: z.strictObject({ count, itemsKey: key }),
});
export type WorkLists = z.output<typeof workListsSchema>;

export const planOutputSchema = workListsSchema.extend({
  force: z.boolean(),
  manifestCurrent: z.boolean(),
  lambda: invocationCostSchema,
});
export type PlanOutput = z.output<typeof planOutputSchema>;

/** When every reader starts its measured window. */
export const readStartSchema = z.strictObject({
  /** ms since the epoch. */
  startAt: z.number(),
  startAtIso: z.string(),
  marginMs: z.number(),
});
export type ReadStart = z.output<typeof readStartSchema>;

export const scheduleOutputSchema = readStartSchema.extend({
  randomSeed: z.number().nullable(),
  manifestWritten: z.boolean(),
  /** Facts about the dataset the summary must carry (e.g. no manifest: read as a foreign dataset). */
  notices: z.array(z.string()),
  lambda: invocationCostSchema,
});
export type ScheduleOutput = z.output<typeof scheduleOutputSchema>;

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

/** One reader child: simulated accelerator `accelerator` for all epochs. */
export const readItemSchema = z.strictObject({ accelerator: count });
export type ReadItem = z.output<typeof readItemSchema>;

export const readEventSchema = readItemSchema.extend({
  runId,
  configKey: key,
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
export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, step: string): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    `${step} event`,
  );
}

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

/** Most accelerators one reader Lambda runs (a batch of the read map's ItemBatcher). */
export const MAX_RANKS_PER_HOST = 64;

/** How the readers run: `pqbench cloud run --ranks-per-host / --warmup / --invocation-budget`. */
export const readOptionsSchema = z.strictObject({
  /** Accelerators per reader Lambda (DLIO's ranks per node), batched by the read map's ItemBatcher. */
  ranksPerHost: z.number().int().min(1).max(MAX_RANKS_PER_HOST),
  /** An untimed pass over each reader's data before the common start (warms S3's partitions). */
  warmup: z.boolean(),
  /** End each reader invocation after this long and continue in a new one (default: the function timeout). */
  invocationBudgetMs: z.number().int().min(1).nullable(),
});
export type ReadOptions = z.output<typeof readOptionsSchema>;
export const DEFAULT_READ_OPTIONS: ReadOptions = { ranksPerHost: 1, warmup: false, invocationBudgetMs: null };

/** What `pqbench cloud run` starts the execution with. */
export const executionInputSchema = z.strictObject({
  runId,
  configKey: key,
  /** Regenerate objects that exist and match (`pqbench cloud run --force`). */
  force: z.boolean(),
  /** Price table overrides (`--prices`), applied by the aggregate. */
  prices: prices,
  read: readOptionsSchema,
});
export type ExecutionInput = z.output<typeof executionInputSchema>;

/** Cost facts of one invocation; summed into the run's Lambda GB-seconds. */
export const invocationCostSchema = z.strictObject({
  durationMs: z.number().min(0),
  memoryMb: z.number().min(0),
  /** Init of a cold start (billed since August 2025); 0 on warm invocations. */
  initMs: z.number().min(0),
  /** Requests to the stack bucket (configs, lists, partials) by operation. */
  requests: z.record(z.string(), z.number().min(0)),
});
export type InvocationCost = z.output<typeof invocationCostSchema>;

/** The work lists' keys and sizes: a few hundred bytes whatever the workload. */
export const workListsSchema = z.strictObject({
  runId,
  configKey: key,
  generate: z.strictObject({ count, itemsKey: key }),
  read: z.strictObject({
    /** Accelerators (items of the read work list). */
    count,
    itemsKey: key,
    /** Reader Lambdas: ⌈count ÷ ranksPerHost⌉, the read map's children. */
    readers: count,
    ranksPerHost: z.number().int().min(1),
    warmup: z.boolean(),
    /** Invocation budget of each reader, or null (until the function's timeout). */
    budgetMs: z.number().nullable(),
  }),
});
export type WorkLists = z.output<typeof workListsSchema>;

export const planOutputSchema = workListsSchema.extend({
  force: z.boolean(),
  manifestCurrent: z.boolean(),
  /** The resolved workload YAML, passed inline to every child (null: too large, children GET configKey). */
  config: z.string().nullable(),
  /** What the plan found about the account and the run's duration (its refusals quote it). */
  capacity: z.strictObject({
    accountConcurrency: z.number().nullable(),
    epochComputeMs: z.number(),
    invocationsPerReader: z.number(),
  }),
  notices: z.array(z.string()),
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
  z.strictObject({
    action: z.literal('plan'),
    runId,
    configKey: key,
    force: z.boolean(),
    read: readOptionsSchema,
  }),
  z.strictObject({ action: z.literal('schedule'), runId, configKey: key, plan: planOutputSchema }),
]);
export type PlanEvent = z.output<typeof planEventSchema>;

const inlineConfig = z.string().nullable();

export const generateEventSchema = z.strictObject({
  runId,
  configKey: key,
  config: inlineConfig,
  force: z.boolean(),
  shard: generateShardSchema,
});
export type GenerateEvent = z.output<typeof generateEventSchema>;

/** One item of the read work list: simulated accelerator `accelerator`, all epochs. */
export const readItemSchema = z.strictObject({ accelerator: count });
export type ReadItem = z.output<typeof readItemSchema>;

/** Where a reader continues: written by the invocation before (the state machine loops). */
export const resumeSchema = z.strictObject({
  /** This invocation's number (0 = the first). */
  segment: z.number().int().min(1),
  /** The first epoch still to run. */
  firstEpoch: count,
  /** The longest epoch measured so far (ms), to size the next segment. */
  epochMs: z.number().min(0).nullable(),
});
export type Resume = z.output<typeof resumeSchema>;

/** What every reader of a batch shares: the read map's ItemBatcher BatchInput. */
export const readBatchInputSchema = z.strictObject({
  runId,
  configKey: key,
  config: inlineConfig,
  /** ms since the epoch: the common start of the measured window (0: none, the warm-up). */
  startAt: z.number(),
  randomSeed: z.number().nullable(),
  budgetMs: z.number().nullable(),
  /** The untimed warm-up pass: one epoch, no compute, nothing measured. */
  warmup: z.boolean(),
  resume: resumeSchema.optional(),
});

/** One reader child (one Lambda): the accelerators of its batch, one host. */
export const readEventSchema = z.strictObject({
  Items: z.array(readItemSchema).min(1).max(MAX_RANKS_PER_HOST),
  BatchInput: readBatchInputSchema,
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

/** What a read invocation returns to the state machine (the read and warm-up steps). */
export interface ReadOutput {
  /** The reader's accelerators have run every epoch. */
  done: boolean;
  accelerators: number[];
  /** This invocation's number (0 = the first). */
  segment: number;
  /** Epochs run so far. */
  epochsDone: number;
  /** Samples this invocation delivered over its accelerators. */
  samples: number;
  /** The event of the next invocation (the state machine passes it back), or null when done. */
  next: ReadEvent | null;
}

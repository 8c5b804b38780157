/**
 * The worker-thread side of a local generate run: opens its own storage
 * (clients and sockets do not cross threads) and runs one shard.
 */
import type { RunPlan } from '../dataset/types.ts';
import type { WorkerTaskContext } from '../exec/pool.ts';
import { openStorage } from '../storage/open.ts';
import type { ObjectFaults } from './object.ts';
import { type GenerateShardResult, generateShard } from './shard.ts';
import type { GenerateShard } from './shards.ts';

export interface GenerateShardTaskArgs {
  plan: RunPlan;
  shard: GenerateShard;
  force: boolean;
  faults?: ObjectFaults;
}

export async function generateShardTask(
  args: GenerateShardTaskArgs,
  ctx: WorkerTaskContext,
): Promise<GenerateShardResult> {
  const storage = openStorage(args.plan.storage);
  try {
    return await generateShard(args.plan, args.shard, storage, {
      force: args.force,
      signal: ctx.signal,
      faults: args.faults,
      onProgress: (p) => ctx.progress(p),
    });
  } finally {
    await storage.close();
  }
}

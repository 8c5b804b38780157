/**
 * The worker-thread side of a local training run: one task runs a group of
 * accelerators concurrently in this thread (so that every accelerator starts
 * together even when there are more accelerators than threads), each on its
 * own storage client.
 */
import { join } from 'node:path';
import type { RunPlan } from '../dataset/types.ts';
import type { WorkerTaskContext } from '../exec/pool.ts';
import type { AcceleratorPartial } from '../metrics/partial.ts';
import { RequestsCsvWriter } from '../metrics/results.ts';
import { openStorage } from '../storage/open.ts';
import { runAcceleratorShard, type ShardProgress } from './shard.ts';

export interface AcceleratorGroupArgs {
  plan: RunPlan;
  accelerators: number[];
  /** Common start (Date.now() ms) for all accelerators of the run. */
  startAt?: number;
  /** Directory for `requests.<k>.csv.part` files when requests.csv is on. */
  requestsCsvDir?: string;
}

export function requestsCsvPart(dir: string, accelerator: number): string {
  return join(dir, `requests.${accelerator}.csv.part`);
}

export async function runAcceleratorGroup(
  args: AcceleratorGroupArgs,
  onProgress: (p: ShardProgress) => void,
  signal?: AbortSignal,
): Promise<AcceleratorPartial[]> {
  const controller = new AbortController();
  const stop = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', stop, { once: true });
  let firstFailure: { error: unknown } | undefined;
  try {
    const settled = await Promise.allSettled(
      args.accelerators.map(async (k) => {
        const storage = openStorage(args.plan.storage);
        const csv = args.requestsCsvDir
          ? new RequestsCsvWriter(requestsCsvPart(args.requestsCsvDir, k))
          : undefined;
        try {
          return await runAcceleratorShard(args.plan, k, storage, {
            startAt: args.startAt,
            sink: csv,
            onProgress,
            signal: controller.signal,
          });
        } catch (error) {
          // One failed accelerator stops the others instead of letting them run to the end.
          if (!firstFailure && !controller.signal.aborted) firstFailure = { error };
          controller.abort(error);
          throw error;
        } finally {
          await csv?.close();
          await storage.close();
        }
      }),
    );
    // Report the first failure, not the "aborted" of the accelerators it stopped.
    if (firstFailure) throw firstFailure.error;
    const rejected = settled.find((r) => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<AcceleratorPartial>).value);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** Pool entry point (src/exec/pool.ts). */
export function acceleratorGroupTask(
  args: AcceleratorGroupArgs,
  ctx: WorkerTaskContext,
): Promise<AcceleratorPartial[]> {
  return runAcceleratorGroup(args, (p) => ctx.progress(p), ctx.signal);
}

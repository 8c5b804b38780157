/**
 * Read Lambda: one Distributed Map child = one simulated accelerator for all
 * epochs, the same `runAcceleratorShard` a local worker runs. Everything
 * before the common start — runtime init, module load, fetching the config,
 * opening storage — is measured and reported beside the window, never in it.
 */
import { runKeys } from '../src/exec/cloud-plan.ts';
import { openStorage } from '../src/storage/open.ts';
import { runAcceleratorShard } from '../src/train/shard.ts';
import { parseEvent, readEventSchema } from './events.ts';
import type { ReaderPartialFile } from './partials.ts';
import { beginInvocation, controlStorage, invocationCost, loadRunWorkload, writeJson } from './runtime.ts';

const moduleLoadedAt = Date.now();

export interface ReadOutput {
  accelerator: number;
  partialKey: string;
  samples: number;
  lateMs: number;
}

export async function handler(event: unknown): Promise<ReadOutput> {
  const facts = beginInvocation(moduleLoadedAt);
  const e = parseEvent(readEventSchema, event, 'read');
  const control = controlStorage();
  const w = await loadRunWorkload(control, e.configKey);
  const data = openStorage(w.storage, { thread: e.accelerator });
  let partial: Awaited<ReturnType<typeof runAcceleratorShard>>;
  try {
    partial = await runAcceleratorShard(w, e.accelerator, data, {
      startAt: e.startAt,
      randomSeed: e.randomSeed,
      host: facts.host,
    });
  } finally {
    await data.close();
  }
  const lateMs = Math.max(0, partial.start - e.startAt);
  const file: ReaderPartialFile = {
    partial,
    lambda: {
      ...facts,
      ...invocationCost(facts),
      startAt: e.startAt,
      handlerToStartMs: e.startAt - facts.handlerStartAt,
      lateMs,
    },
  };
  const partialKey = runKeys(e.runId).readPartial(e.accelerator);
  await writeJson(control, partialKey, file);
  return {
    accelerator: e.accelerator,
    partialKey,
    samples: partial.epochs.reduce((n, x) => n + x.samples, 0),
    lateMs,
  };
}

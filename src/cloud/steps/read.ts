/**
 * Read step: one Distributed Map child = one simulated accelerator for all
 * epochs, the same `runAcceleratorShard` a local worker runs. Everything
 * before the common start — runtime init, module load, fetching the config,
 * opening storage — is measured and reported beside the window, never in it.
 */
import type { AcceleratorPartial } from '../../metrics/partial.ts';
import { openStorage } from '../../storage/open.ts';
import { runAcceleratorShard } from '../../train/shard.ts';
import type { ReadEvent } from '../events.ts';
import type { StepContext } from '../handler.ts';
import { runKeys } from '../keys.ts';
import type { ReaderPartialFile } from '../report.ts';
import { invocationCost, loadRun, writeJson } from '../runtime.ts';

export interface ReadOutput {
  accelerator: number;
  partialKey: string;
  samples: number;
  lateMs: number;
}

export async function readStep(e: ReadEvent, { facts, control }: StepContext): Promise<ReadOutput> {
  const { plan } = await loadRun(control, e.configKey, { randomSeed: e.randomSeed });
  const data = openStorage(plan.storage, { thread: e.accelerator });
  let partial: AcceleratorPartial;
  try {
    partial = await runAcceleratorShard(plan, e.accelerator, data, { startAt: e.startAt, host: facts.host });
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

/**
 * Read step: one Distributed Map child = one simulated accelerator for all
 * epochs, run by the same `runHost` as a local run (its accelerator and
 * loader threads inside the Lambda). Everything
 * before the common start — runtime init, module load, fetching the config,
 * opening storage — is measured and reported beside the window, never in it.
 */
import type { AcceleratorPartial } from '../../metrics/partial.ts';
import { runHost } from '../../train/host.ts';
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
  // One accelerator per Lambda: its barrier has one party (no barrier across Lambdas; cloud.json says so).
  const { partials } = await runHost(plan, [e.accelerator], { startAt: e.startAt, host: facts.host });
  const partial = partials[0] as AcceleratorPartial;
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

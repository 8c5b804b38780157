/**
 * The optional untimed warm-up pass (`pqbench cloud run --warmup`): before
 * the common start is chosen, every reader reads its accelerators' first
 * epoch once, without simulated compute, so that S3 has partitioned the
 * dataset's prefixes and the measured window does not measure S3's ramp
 * (503 SlowDown on a fresh bucket). Nothing it measures enters the results;
 * its Lambda time and requests are counted as run overhead.
 */
import type { RunPlan } from '../../dataset/types.ts';
import type { AcceleratorPartial } from '../../metrics/partial.ts';
import { runHost } from '../../train/host.ts';
import type { ReadEvent, ReadOutput } from '../events.ts';
import type { StepContext } from '../handler.ts';
import { runKeys } from '../keys.ts';
import type { WarmupRecord } from '../records.ts';
import { invocationCost, loadRun, type RequestTotals, writeJson } from '../runtime.ts';

/** The plan of the warm-up: the first epoch only, no compute. */
export function warmupPlan(plan: RunPlan): RunPlan {
  return {
    ...plan,
    training: { ...plan.training, epochs: 1, computation: { type: 'constant', mean: 0, stdev: 0 } },
  };
}

function dataUsage(partials: AcceleratorPartial[]): WarmupRecord['data'] {
  const requests: RequestTotals = {};
  let bytesRetrieved = 0;
  for (const p of partials) {
    for (const e of p.epochs) {
      for (const [op, c] of Object.entries(e.requests)) {
        if (!c) continue;
        requests[op] = (requests[op] ?? 0) + c.count;
        if (op === 'GET' || op === 'HEAD') bytesRetrieved += c.bytes;
      }
    }
  }
  return { requests, bytesUploaded: 0, bytesRetrieved };
}

export async function warmupStep(e: ReadEvent, ctx: StepContext): Promise<ReadOutput> {
  const b = e.BatchInput;
  const { facts, control, controlRequests } = ctx;
  const accelerators = e.Items.map((i) => i.accelerator);
  const { plan } = await loadRun(control, b, { randomSeed: b.randomSeed });
  const { partials } = await runHost(warmupPlan(plan), accelerators, { host: facts.host });
  const record: WarmupRecord = {
    accelerators,
    lambda: { ...facts, ...invocationCost(facts, controlRequests, { PUT: 1 }) },
    data: dataUsage(partials),
  };
  await writeJson(control, runKeys(b.runId).warmupRecord(accelerators[0] as number), record);
  return {
    done: true,
    accelerators,
    segment: 0,
    epochsDone: 0,
    samples: partials.reduce((n, p) => n + p.epochs.reduce((m, x) => m + x.samples, 0), 0),
    next: null,
  };
}

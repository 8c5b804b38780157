/**
 * Generate step: one Distributed Map child = one generate shard ("files
 * a..b"), the same `generateShard` a local worker thread runs. Every request
 * to the dataset is counted (the generation part of the run's cost). The full
 * result goes to the bucket; the state gets a pointer and two numbers.
 */
import { type GenerateShardResult, generateShard } from '../../generate/shard.ts';
import { openStorage } from '../../storage/open.ts';
import type { GenerateEvent } from '../events.ts';
import type { StepContext } from '../handler.ts';
import { runKeys } from '../keys.ts';
import type { GeneratePartialFile } from '../records.ts';
import { invocationCost, loadRun, RequestTally, writeJson } from '../runtime.ts';

export interface GenerateOutput {
  shard: number;
  partialKey: string;
  filesWritten: number;
  bytesWritten: number;
}

export async function generateStep(
  e: GenerateEvent,
  { facts, control, controlRequests }: StepContext,
): Promise<GenerateOutput> {
  const { plan } = await loadRun(control, e);
  const tally = new RequestTally();
  const data = tally.wrap(openStorage(plan.storage));
  let result: GenerateShardResult;
  try {
    result = await generateShard(plan, e.shard, data, { force: e.force });
  } finally {
    await data.close();
  }
  const partialKey = runKeys(e.runId).generatePartial(e.shard.index);
  const file: GeneratePartialFile = {
    result,
    data: {
      requests: { ...tally.requests },
      bytesUploaded: tally.bytesUploaded,
      bytesRetrieved: tally.bytesRetrieved,
    },
    lambda: { ...facts, ...invocationCost(facts, controlRequests, { PUT: 1 }) },
  };
  await writeJson(control, partialKey, file);
  return {
    shard: e.shard.index,
    partialKey,
    filesWritten: result.filesWritten,
    bytesWritten: result.bytesWritten,
  };
}

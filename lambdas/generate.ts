/**
 * Generate Lambda: one Distributed Map child = one generate shard ("files
 * a..b"), the same `generateShard` a local worker thread runs. The full result
 * goes to the bucket; the state gets a pointer and two numbers.
 */
import { runKeys } from '../src/exec/cloud-plan.ts';
import { generateShard } from '../src/generate/shard.ts';
import { openStorage } from '../src/storage/open.ts';
import { generateEventSchema, parseEvent } from './events.ts';
import { beginInvocation, controlStorage, invocationCost, loadRunWorkload, writeJson } from './runtime.ts';

const moduleLoadedAt = Date.now();

export interface GenerateOutput {
  shard: number;
  partialKey: string;
  filesWritten: number;
  bytesWritten: number;
}

export async function handler(event: unknown): Promise<GenerateOutput> {
  const facts = beginInvocation(moduleLoadedAt);
  const e = parseEvent(generateEventSchema, event, 'generate');
  const control = controlStorage();
  const w = await loadRunWorkload(control, e.configKey);
  const data = openStorage(w.storage);
  let result: Awaited<ReturnType<typeof generateShard>>;
  try {
    result = await generateShard(w, e.shard, data, { force: e.force });
  } finally {
    await data.close();
  }
  const partialKey = runKeys(e.runId).generatePartial(e.shard.index);
  await writeJson(control, partialKey, { result, lambda: { ...facts, ...invocationCost(facts) } });
  return {
    shard: e.shard.index,
    partialKey,
    filesWritten: result.filesWritten,
    bytesWritten: result.bytesWritten,
  };
}

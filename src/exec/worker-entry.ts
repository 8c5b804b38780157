/**
 * The script every worker thread starts with. It imports the module named in
 * workerData and runs its exported task function:
 * - `pool` mode (exec/pool.ts): tasks arrive as messages, one at a time;
 * - `once` mode (exec/threads.ts): one task whose args came with workerData
 *   (so MessagePorts and SharedArrayBuffers can travel at start).
 * Results, progress and typed errors go back as messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './worker-errors.ts';

export interface WorkerEntryData {
  moduleUrl: string;
  exportName: string;
  mode: 'pool' | 'once';
  /** `once` mode: the task's args. */
  args?: unknown;
}

type TaskFunction = (
  args: unknown,
  ctx: { taskIndex: number; signal: AbortSignal; progress(p: unknown): void },
) => Promise<unknown>;

const data = workerData as WorkerEntryData;
const port = parentPort;
if (!port) throw new Error('exec/worker-entry runs only as a worker thread');
// A TypeScript task module (tests' fixtures, or running from source): compile it in this thread.
if (data.moduleUrl.endsWith('.ts')) (await import('tsx/esm/api')).register();
const mod = (await import(data.moduleUrl)) as Record<string, unknown>;
const fn = mod[data.exportName];
if (typeof fn !== 'function')
  throw new Error(`${data.moduleUrl} has no exported function ${data.exportName}`);
const task = fn as TaskFunction;
const running = new Map<number, AbortController>();

async function run(id: number, args: unknown): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  const ctx = {
    taskIndex: id,
    signal: controller.signal,
    progress: (payload: unknown) => port?.postMessage({ type: 'progress', id, payload }),
  };
  try {
    const result = await task(args, ctx);
    port?.postMessage({ type: 'done', id, result });
  } catch (error) {
    port?.postMessage({ type: 'error', id, error: serializeError(error) });
  } finally {
    running.delete(id);
  }
}

port.on('message', (msg: { type: string; id: number; args?: unknown }) => {
  if (msg.type === 'abort') running.get(msg.id)?.abort(new Error('aborted: another shard failed'));
  else if (msg.type === 'run') void run(msg.id, msg.args);
});
if (data.mode === 'once') void run(0, data.args);
else port.postMessage({ type: 'ready' });

// Worker-thread entry for src/exec/pool.ts. Plain JS so Node can start it
// without a loader; it registers tsx so the shard modules can be TypeScript.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// `--import tsx` in the parent's execArgv does not reach worker threads on
// Node 20 (measured), so every worker registers tsx itself.
register();

const { serializeError } = await import('./worker-errors.ts');
const mod = await import(workerData.moduleUrl);
const fn = mod[workerData.exportName];
if (typeof fn !== 'function') {
  throw new Error(`${workerData.moduleUrl} has no exported function ${workerData.exportName}`);
}

const running = new Map();

parentPort.on('message', async (msg) => {
  if (msg.type === 'abort') {
    running.get(msg.id)?.abort(new Error('aborted: another shard failed'));
    return;
  }
  if (msg.type !== 'run') return;
  const controller = new AbortController();
  running.set(msg.id, controller);
  const ctx = {
    taskIndex: msg.id,
    signal: controller.signal,
    progress: (payload) => parentPort.postMessage({ type: 'progress', id: msg.id, payload }),
  };
  try {
    const result = await fn(msg.args, ctx);
    parentPort.postMessage({ type: 'done', id: msg.id, result });
  } catch (error) {
    parentPort.postMessage({ type: 'error', id: msg.id, error: serializeError(error) });
  } finally {
    running.delete(msg.id);
  }
});
parentPort.postMessage({ type: 'ready' });

/**
 * A loader worker thread (PyTorch DataLoader worker): loads its run of each
 * epoch's batches, at most `prefetch_size` ahead of its accelerator, and hands
 * each over through its message port, transferring the buffers (which come
 * back through the same port once the step is done). It reads and
 * decodes; its event loop never has GETs in flight while it decodes (a chunk
 * is fetched, then decoded), so the latency it records is not decode's.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { RunPlan } from '../dataset/types.ts';
import type { WorkerTaskContext } from '../exec/pool.ts';
import { lowerThreadPriority } from '../exec/priority.ts';
import type { IoPart } from '../metrics/partial.ts';
import type { EpochRange } from './accelerator.ts';
import { batchTransferList } from './batch.ts';
import { Control, type ControlBuffers } from './control.ts';
import { openLoader } from './loader-runtime.ts';

export interface LoaderTaskArgs {
  plan: RunPlan;
  accelerator: number;
  worker: number;
  workers: number;
  control: ControlBuffers;
  port: MessagePort;
  requestsCsvPath?: string;
  collectIds: boolean;
  /** Only these epochs (default: all). */
  epochs?: EpochRange;
}

export async function loaderTask(args: LoaderTaskArgs, ctx: WorkerTaskContext): Promise<IoPart> {
  lowerThreadPriority();
  const control = new Control(args.control);
  const loader = openLoader({ ...args, onBytes: (n) => control.addBytes(n), signal: ctx.signal });
  const ahead = Math.max(1, args.plan.loader.prefetchSize);
  try {
    await loader.prepare();
    ctx.progress({ ready: true });
    const end = args.epochs?.end ?? args.plan.training.epochs;
    for (let epoch = args.epochs?.first ?? 0; epoch < end; epoch++) {
      await control.epochStarted(epoch);
      const batches = loader.epoch(epoch);
      for (;;) {
        // Wait for room before loading: never more than `ahead` batches loaded and not taken.
        await control.credit(args.worker, ahead);
        // Batch buffers the accelerator handed back (it does so before taking the next batch).
        for (let m = receiveMessageOnPort(args.port); m; m = receiveMessageOnPort(args.port))
          loader.recycle(m.message as ArrayBuffer[]);
        const next = await batches.next();
        if (next.done) break;
        args.port.postMessage(next.value, batchTransferList(next.value));
        control.posted1(args.worker);
      }
    }
    return loader.io.toPart();
  } finally {
    await loader.close();
    args.port.close();
  }
}

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
import { ThreadCpuMeter } from '../exec/cpu.ts';
import type { WorkerTaskContext } from '../exec/pool.ts';
import { lowerThreadPriority } from '../exec/priority.ts';
import type { IoPart } from '../metrics/partial.ts';
import type { EpochRange } from './accelerator.ts';
import { batchTransferList } from './batch.ts';
import { AbortedError, Control, type ControlBuffers } from './control.ts';
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

/**
 * What a loader thread returns: its IoPart; or, stopped by SIGINT/SIGTERM,
 * what it recorded for the epoch counts its accelerator may have completed
 * (the host picks the one it did).
 */
export type LoaderThreadResult = IoPart | { stopped: true; parts: Record<number, IoPart> };

export async function loaderTask(args: LoaderTaskArgs, ctx: WorkerTaskContext): Promise<LoaderThreadResult> {
  lowerThreadPriority();
  const control = new Control(args.control);
  const loader = openLoader({
    ...args,
    onBytes: (n) => control.addBytes(n),
    signal: ctx.signal,
    interrupted: () => control.aborted,
  });
  const first = args.epochs?.first ?? 0;
  let epoch = first;
  const cpu = new ThreadCpuMeter();
  try {
    await loader.prepare();
    ctx.progress({ ready: true });
    cpu.start();
    const end = args.epochs?.end ?? args.plan.training.epochs;
    for (; epoch < end; epoch++) {
      await loadEpoch(args, control, loader, epoch);
      loader.io.markEpochsDone(epoch + 1);
    }
    return { ...loader.io.toPart(), threadCpu: cpu.finish() };
  } catch (error) {
    if (!(error instanceof AbortedError && control.stopped)) throw error;
    // Waiting for or loading `epoch`: its accelerator completed epoch - 1, epoch or epoch + 1 epochs.
    const parts: Record<number, IoPart> = {};
    const threadCpu = cpu.finish();
    for (let n = Math.max(first, epoch - 1); n <= epoch + 1; n++)
      parts[n] = { ...loader.io.completedPart(n), threadCpu };
    return { stopped: true, parts };
  } finally {
    await loader.close();
    args.port.close();
  }
}

async function loadEpoch(
  args: LoaderTaskArgs,
  control: Control,
  loader: ReturnType<typeof openLoader>,
  epoch: number,
): Promise<void> {
  const ahead = Math.max(1, args.plan.loader.prefetchSize);
  await control.epochStarted(epoch);
  const batches = loader.epoch(epoch);
  for (;;) {
    // Wait for room before loading: never more than `ahead` batches loaded and not taken.
    await control.credit(args.worker, ahead);
    // Batch buffers the accelerator handed back (it does so before taking the next batch).
    for (let m = receiveMessageOnPort(args.port); m; m = receiveMessageOnPort(args.port))
      loader.recycle(m.message as ArrayBuffer[]);
    const next = await batches.next();
    if (next.done) return;
    args.port.postMessage(next.value, batchTransferList(next.value));
    control.posted1(args.worker);
  }
}

/**
 * A simulated accelerator's thread: nothing runs here but its training loop.
 * It takes each batch from the loader worker whose turn it is (blocking on
 * shared memory, then receiving the transferred batch synchronously), sleeps
 * its compute precisely, and waits at the host's barrier. With read_threads 0
 * it loads each batch itself, in its own loop, as PyTorch does with
 * num_workers=0.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { RunPlan } from '../dataset/types.ts';
import { ThreadCpuMeter } from '../exec/cpu.ts';
import type { WorkerTaskContext } from '../exec/pool.ts';
import { type IoPart, StepRecorder, type StepsPart } from '../metrics/partial.ts';
import type { StepRecord } from '../metrics/step.ts';
import { now } from '../storage/operations.ts';
import { type AcceleratorIo, type EpochRange, runAccelerator } from './accelerator.ts';
import { type Batch, recyclableBuffers } from './batch.ts';
import { computeFor } from './compute.ts';
import { AbortedError, Control, type ControlBuffers, HostBarrier } from './control.ts';
import type { LoaderRuntime } from './loader-runtime.ts';
import { type RankEpoch, rankEpoch, stepSource } from './schedule.ts';

export interface AcceleratorTaskArgs {
  plan: RunPlan;
  accelerator: number;
  /** Loader worker threads (0: load in this thread). */
  workers: number;
  control: ControlBuffers;
  barrier: SharedArrayBuffer;
  /** Accelerators of this host, all at the barrier each step. */
  parties: number;
  /** One port per loader worker, in worker order. */
  ports: MessagePort[];
  /** read_threads 0: where this thread's requests go. */
  requestsCsvPath?: string;
  collectIds: boolean;
  collectSteps: boolean;
  /** Only these epochs (default: all). */
  epochs?: EpochRange;
}

export interface AcceleratorResult {
  /** Stopped by SIGINT/SIGTERM: the epochs it completed (steps and io hold those only). */
  stoppedAfter?: number;
  steps: StepsPart;
  /** read_threads 0: this thread's own requests. */
  io?: IoPart;
  /** Sample ids delivered, as (unit, row) pairs in step order, when collected. */
  ids?: Int32Array;
  /** Every step record, when collected. */
  trace?: StepRecord[];
}

/** Collects the sample ids of every batch taken. */
class IdLog {
  private readonly parts: Int32Array[] = [];
  add(batch: Batch): void {
    if (batch.ids) this.parts.push(batch.ids);
  }
  all(): Int32Array {
    const out = new Int32Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Batches from loader threads: whose turn it is, then its next message, synchronously. */
function threadedIo(
  args: AcceleratorTaskArgs,
  control: Control,
  ids: IdLog,
): Pick<AcceleratorIo, 'takeBatch' | 'epochStarted'> {
  const taken = new Array<number>(args.workers).fill(0);
  let rank: RankEpoch | undefined;
  // The previous step's batch: done with once the next is asked for, so its buffers go back to its loader.
  let previous: { batch: Batch; worker: number } | undefined;
  return {
    epochStarted: (epoch) => {
      rank = rankEpoch(args.plan, epoch, args.accelerator);
      control.startEpoch(epoch);
    },
    takeBatch(_epoch, step) {
      if (previous) {
        const buffers = recyclableBuffers(previous.batch);
        args.ports[previous.worker]?.postMessage(buffers, buffers);
        previous = undefined;
      }
      const { worker } = stepSource(rank as RankEpoch, step, args.workers);
      control.waitBatch(worker, taken[worker] as number);
      const message = receiveMessageOnPort(args.ports[worker] as MessagePort);
      if (!message) throw new Error(`loader ${worker} signalled a batch that is not in its port`);
      taken[worker] = (taken[worker] as number) + 1;
      control.consumed1(worker);
      const batch = message.message as Batch;
      ids.add(batch);
      previous = { batch, worker };
      return batch.samples;
    },
  };
}

/** read_threads 0: each batch loaded here, when the step asks for it. */
function inlineIo(
  loader: LoaderRuntime,
  ids: IdLog,
): Pick<AcceleratorIo, 'takeBatch' | 'epochStarted' | 'epochEnded'> {
  let batches: AsyncGenerator<Batch> | undefined;
  let previous: Batch | undefined;
  return {
    epochStarted: (epoch) => {
      batches = loader.epoch(epoch);
    },
    epochEnded: (epoch) => loader.io.markEpochsDone(epoch + 1),
    async takeBatch(epoch, step) {
      if (previous) loader.recycle(recyclableBuffers(previous));
      const next = await batches?.next();
      if (!next || next.done) throw new Error(`epoch ${epoch}: no batch for step ${step}`);
      ids.add(next.value);
      previous = next.value;
      return next.value.samples;
    },
  };
}

export async function acceleratorTask(
  args: AcceleratorTaskArgs,
  ctx: WorkerTaskContext,
): Promise<AcceleratorResult> {
  const { plan } = args;
  const control = new Control(args.control);
  const barrier = new HostBarrier(args.barrier, args.parties);
  const recorder = new StepRecorder({
    start: plan.training.metric.excludeStartSteps,
    end: plan.training.metric.excludeEndSteps,
  });
  const ids = new IdLog();
  const trace: StepRecord[] = [];
  const cpu = new ThreadCpuMeter();
  // Only read_threads 0 loads here: the loader code (Parquet, storage backends) is not even imported otherwise.
  const inline =
    args.workers === 0
      ? (await import('./loader-runtime.ts')).openLoader({
          ...args,
          worker: 0,
          workers: 1,
          onBytes: (n) => control.addBytes(n),
          signal: ctx.signal,
          interrupted: () => control.aborted,
        })
      : undefined;
  try {
    await inline?.prepare();
    ctx.progress({ ready: true });
    const startAt = control.waitGo();
    computeFor(startAt - Date.now(), Date.now, control.wakeCell);
    control.throwIfAborted();
    cpu.start();
    const io: AcceleratorIo = {
      now,
      // A stop wakes a step's compute at once (an hour-long computation_time must not hold a Ctrl-C).
      compute: (ms) => {
        if (!computeFor(ms, undefined, control.wakeCell)) control.throwIfAborted();
      },
      barrier: () => barrier.wait(),
      bytesReceived: () => control.bytesReceived,
      stepDone: (step) => {
        control.progress(step.step + 1, step.samples);
        if (args.collectSteps) trace.push(step);
      },
      ...(inline ? inlineIo(inline, ids) : threadedIo(args, control, ids)),
    };
    try {
      await runAccelerator(plan, args.accelerator, io, recorder, args.epochs);
    } catch (error) {
      if (!(error instanceof AbortedError && control.stopped)) throw error;
      const completed = { ...recorder.completedPart(), threadCpu: cpu.finish() };
      const epochs = (args.epochs?.first ?? 0) + completed.epochs.length;
      return { stoppedAfter: epochs, steps: completed, io: inline?.io.completedPart(epochs) };
    }
    return {
      steps: { ...recorder.toPart(), threadCpu: cpu.finish() },
      io: inline?.io.toPart(),
      ids: args.collectIds ? ids.all() : undefined,
      trace: args.collectSteps ? trace : undefined,
    };
  } finally {
    await inline?.close();
    for (const port of args.ports) port.close();
  }
}

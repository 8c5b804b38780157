/**
 * One simulated accelerator's training loop (SPEC §5), timed the way DLIO's
 * main loop is (main.py DLIOBenchmark._train): per epoch, a barrier, then a
 * block of steps; per step: ask for the batch (start_loading), take it
 * (batch_loaded), compute, (batch_processed), wait at the barrier with the
 * other accelerators. The loop itself does no I/O and no decode: batches come
 * from `io`, which on a worker thread is shared memory and message ports.
 * Written against an interface so tests can drive it with a fake clock.
 */
import type { RunPlan } from '../dataset/types.ts';
import type { StepRecorder } from '../metrics/partial.ts';
import type { StepRecord } from '../metrics/step.ts';
import { computeTimeSampler } from './compute.ts';
import { rankEpoch } from './schedule.ts';

export interface AcceleratorIo {
  /** ms, epoch-based, sub-ms precision. */
  now(): number;
  /** The batch of `step` of `epoch`: waits for it, returns its sample count. */
  takeBatch(epoch: number, step: number): number | Promise<number>;
  /** Simulated compute of `ms`: blocks, precisely. */
  compute(ms: number): void;
  /** Waits for the other accelerators of the host. */
  barrier(): void;
  /** Bytes the loaders have received so far. */
  bytesReceived(): number;
  /** The epoch begins: loaders may start loading it. */
  epochStarted(epoch: number): void;
  /** After each step (progress). */
  stepDone?(step: StepRecord): void;
  /** After an epoch's block has ended (outside any measured block). */
  epochEnded?(epoch: number): void;
}

/**
 * Keeps the run's total compute equal to the configured total. A sleep ends
 * microseconds late, but now and then the host deschedules the thread for
 * 1–8 ms (a preempted vCPU, measured in bench/emulation.ts); that overshoot is
 * repaid by shortening the following steps, each by at most half its time, so
 * the mean compute per step — and AU — stay exact while each step's record
 * still shows what really happened.
 */
export class ComputeLedger {
  private owed = 0;

  /** How long to sleep for a step whose configured compute is `target` ms. */
  sleepFor(target: number): number {
    return target - Math.min(this.owed, target / 2);
  }

  /** The step configured for `target` ms computed `actual` ms. */
  settle(target: number, actual: number): void {
    this.owed = Math.max(0, this.owed + actual - target);
  }
}

async function runStep(
  io: AcceleratorIo,
  epoch: number,
  step: number,
  computeMs: number,
  ledger: ComputeLedger,
): Promise<StepRecord> {
  const loadStart = io.now();
  const bytesAtStart = io.bytesReceived();
  const samples = await io.takeBatch(epoch, step);
  const batchReady = io.now();
  const computeStart = io.now();
  io.compute(ledger.sleepFor(computeMs));
  const computeEnd = io.now();
  ledger.settle(computeMs, computeEnd - computeStart);
  io.barrier();
  return {
    epoch,
    step,
    loadStart,
    batchReady,
    computeStart,
    computeEnd,
    computeTarget: computeMs,
    end: io.now(),
    samples,
    bytesAtStart,
    bytesAtEnd: io.bytesReceived(),
  };
}

/** Epochs `first` ≤ epoch < `end` of a run (a cloud reader continues a long accelerator across invocations). */
export interface EpochRange {
  first: number;
  end: number;
}

/** Every epoch of accelerator `accelerator` (or those of `epochs`), recorded into `recorder`. */
export async function runAccelerator(
  plan: RunPlan,
  accelerator: number,
  io: AcceleratorIo,
  recorder: StepRecorder,
  epochs?: EpochRange,
): Promise<void> {
  const { training } = plan;
  const nextComputeMs = computeTimeSampler(training.computation, training.seed, accelerator);
  const ledger = new ComputeLedger();
  for (let epoch = 0; epoch < (epochs?.end ?? training.epochs); epoch++) {
    const rank = rankEpoch(plan, epoch, accelerator);
    if (epoch < (epochs?.first ?? 0)) {
      // Ran elsewhere: draw its compute times, so later epochs get the draws one whole run gets.
      for (let step = 0; step < rank.steps; step++) nextComputeMs();
      continue;
    }
    io.barrier();
    const blockStart = io.now();
    recorder.beginEpoch(epoch, blockStart, rank.steps, rank.droppedSamples);
    io.epochStarted(epoch);
    for (let step = 0; step < rank.steps; step++) {
      const record = await runStep(io, epoch, step, nextComputeMs(), ledger);
      recorder.recordStep(record);
      io.stepDone?.(record);
    }
    recorder.endEpoch(io.now());
    io.epochEnded?.(epoch);
  }
}

/**
 * AU and throughput of one accelerator's epoch, exactly as the MLCommons
 * DLIO fork computes them (dlio_benchmark/utils/statscounter.py,
 * StatsCounter.compute_metrics_train, with the metric window of __init__):
 *
 *   window     = steps [exclude_start, steps − 1 − exclude_end] (steps = the
 *                epoch's expected steps)
 *   total_time = block wall time − Σ proc of the excluded steps, where the
 *                block runs from the epoch's start to past its last barrier
 *                and proc = load + compute (the barrier wait is not proc, so
 *                it stays in the window's time)
 *   AU         = Σ compute over the window ÷ total_time (0 if the window is
 *                empty or total_time ≤ 0)
 *   throughput = window steps × batch ÷ total_time (0 likewise)
 *
 * Streaming: O(1) memory whatever the number of steps, since the expected
 * step count is known when the epoch starts.
 */
import { computeMs, loadWaitMs, procMs, type StepRecord } from './step.ts';

export interface WindowStats {
  /** Steps inside the window; 0 when the epoch was too short for it. */
  steps: number;
  samples: number;
  computeMs: number;
  loadWaitMs: number;
  /** DLIO's total_time of the window (ms). */
  wallMs: number;
  /** Bytes the loaders received between the window's first step start and last step end. */
  bytes: number;
  /** The compute the window's steps were configured for (their draws), ms. */
  computeTargetMs?: number;
  /** When the window's first step began and its last ended (ms, epoch-based clock); absent when it is empty. */
  startMs?: number;
  endMs?: number;
}

export interface EpochStepStats {
  steps: number;
  samples: number;
  computeMs: number;
  loadWaitMs: number;
  window: WindowStats;
}

export class EpochStepAccumulator {
  private steps = 0;
  private samples = 0;
  private computeMs = 0;
  private loadWaitMs = 0;
  private excludedProcMs = 0;
  private readonly window: WindowStats = {
    steps: 0,
    samples: 0,
    computeMs: 0,
    loadWaitMs: 0,
    wallMs: 0,
    bytes: 0,
  };
  private windowBytesStart = 0;
  private windowBytesEnd = 0;
  /** Step indexes [first, last] of the window. */
  private readonly first: number;
  private readonly last: number;

  constructor(excludeStart: number, excludeEnd: number, expectedSteps: number) {
    this.first = excludeStart;
    this.last = expectedSteps - 1 - excludeEnd;
  }

  add(step: StepRecord): void {
    const index = this.steps++;
    this.samples += step.samples;
    this.computeMs += computeMs(step);
    this.loadWaitMs += loadWaitMs(step);
    if (index < this.first || index > this.last) {
      this.excludedProcMs += procMs(step);
      return;
    }
    if (index === this.first) {
      this.windowBytesStart = step.bytesAtStart;
      this.window.startMs = step.loadStart;
    }
    this.windowBytesEnd = step.bytesAtEnd;
    this.window.endMs = step.end;
    this.window.computeTargetMs = (this.window.computeTargetMs ?? 0) + step.computeTarget;
    this.window.steps++;
    this.window.samples += step.samples;
    this.window.computeMs += computeMs(step);
    this.window.loadWaitMs += loadWaitMs(step);
  }

  /** The epoch's figures; `blockStart`/`blockEnd` bound the epoch's block (DLIO start_block/end_block). */
  finish(blockStart: number, blockEnd: number): EpochStepStats {
    const window = { ...this.window };
    if (window.steps > 0) {
      window.wallMs = blockEnd - blockStart - this.excludedProcMs;
      window.bytes = this.windowBytesEnd - this.windowBytesStart;
    }
    return {
      steps: this.steps,
      samples: this.samples,
      computeMs: this.computeMs,
      loadWaitMs: this.loadWaitMs,
      window,
    };
  }
}

const measurable = (w: WindowStats) => w.steps > 0 && w.wallMs > 0;

/** AU in percent; 0 for an empty window (DLIO counts it as 0; the summary says why). */
export function auPercentage(window: WindowStats): number {
  return measurable(window) && window.computeMs > 0 ? (window.computeMs / window.wallMs) * 100 : 0;
}

/** Samples per second over the window; 0 when it is empty. */
export function windowThroughput(window: WindowStats): number {
  return measurable(window) ? (window.samples / window.wallMs) * 1000 : 0;
}

/** Bytes per second received over the window; 0 when it is empty. */
export function windowByteRate(window: WindowStats): number {
  return measurable(window) ? (window.bytes / window.wallMs) * 1000 : 0;
}

export function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Population standard deviation (numpy's np.std, as DLIO reports). */
export function stdev(values: number[]): number | null {
  const m = mean(values);
  if (m === null) return null;
  return Math.sqrt(values.reduce((acc, v) => acc + (v - m) ** 2, 0) / values.length);
}

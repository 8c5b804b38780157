/**
 * Accelerator utilisation from per-step facts (DLIO's definition): over the
 * metric window [exclude_start_steps, steps − exclude_end_steps) of one epoch,
 * AU = Σ compute time ÷ window wall time. The window's wall time runs from the
 * start of its first step (the moment the accelerator began waiting for that
 * batch) to the end of its last step's compute.
 *
 * Streaming: the step count is unknown until the epoch ends, so the last
 * `exclude_end_steps` steps are held in a ring and removed at the end —
 * O(exclude_end_steps) memory, whatever the number of steps.
 */
import type { StepRecord } from './step.ts';

export interface WindowStats {
  /** Steps inside the window; 0 when the epoch was too short for it. */
  steps: number;
  samples: number;
  computeMs: number;
  loadWaitMs: number;
  wallMs: number;
}

export interface EpochStepStats {
  steps: number;
  samples: number;
  computeMs: number;
  loadWaitMs: number;
  window: WindowStats;
}

interface RingEntry {
  start: number;
  end: number;
  computeMs: number;
  loadWaitMs: number;
  samples: number;
}

export class EpochStepAccumulator {
  private steps = 0;
  private samples = 0;
  private computeMs = 0;
  private loadWaitMs = 0;
  private windowStart: number | null = null;
  /** Sums over steps ≥ exclude_start, including those that will turn out to be in the excluded tail. */
  private tailSteps = 0;
  private tailSamples = 0;
  private tailComputeMs = 0;
  private tailLoadWaitMs = 0;
  private readonly ring: RingEntry[] = [];

  constructor(
    private readonly excludeStart: number,
    private readonly excludeEnd: number,
  ) {}

  add(step: StepRecord): void {
    this.steps++;
    this.samples += step.samples;
    this.computeMs += step.computeMs;
    this.loadWaitMs += step.loadWaitMs;
    if (this.steps <= this.excludeStart) return;
    if (this.windowStart === null) this.windowStart = step.start;
    this.tailSteps++;
    this.tailSamples += step.samples;
    this.tailComputeMs += step.computeMs;
    this.tailLoadWaitMs += step.loadWaitMs;
    this.ring.push({
      start: step.start,
      end: step.end,
      computeMs: step.computeMs,
      loadWaitMs: step.loadWaitMs,
      samples: step.samples,
    });
    // Keep the last excludeEnd + 1 entries: the excluded tail plus the window's last step.
    if (this.ring.length > this.excludeEnd + 1) this.ring.shift();
  }

  finish(): EpochStepStats {
    const base = {
      steps: this.steps,
      samples: this.samples,
      computeMs: this.computeMs,
      loadWaitMs: this.loadWaitMs,
    };
    const emptyWindow: WindowStats = { steps: 0, samples: 0, computeMs: 0, loadWaitMs: 0, wallMs: 0 };
    const windowSteps = this.tailSteps - this.excludeEnd;
    if (this.windowStart === null || windowSteps <= 0) return { ...base, window: emptyWindow };
    const excluded = this.ring.slice(this.ring.length - this.excludeEnd);
    const last = this.ring[this.ring.length - this.excludeEnd - 1];
    const sum = (pick: (e: RingEntry) => number) => excluded.reduce((acc, e) => acc + pick(e), 0);
    return {
      ...base,
      window: {
        steps: windowSteps,
        samples: this.tailSamples - sum((e) => e.samples),
        computeMs: this.tailComputeMs - sum((e) => e.computeMs),
        loadWaitMs: this.tailLoadWaitMs - sum((e) => e.loadWaitMs),
        wallMs: last.end - this.windowStart,
      },
    };
  }
}

/** AU in percent, or null when the window is empty (too few steps). */
export function auPercentage(window: WindowStats): number | null {
  if (window.steps <= 0 || window.wallMs <= 0) return null;
  return (window.computeMs / window.wallMs) * 100;
}

/** Samples per second over the window, or null when it is empty. */
export function windowThroughput(window: WindowStats): number | null {
  if (window.steps <= 0 || window.wallMs <= 0) return null;
  return (window.samples / window.wallMs) * 1000;
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

/**
 * What one training step leaves behind: the raw fact every step metric (AU,
 * throughput, load wait) is derived from. Recorded by the accelerator's loop,
 * aggregated by the partial recorder.
 */

/** One step of one accelerator. */
export interface StepRecord {
  epoch: number;
  step: number;
  /** ms timestamps (performance.timeOrigin based): step start (= previous step's end), batch ready, compute end. */
  start: number;
  batchReady: number;
  end: number;
  loadWaitMs: number;
  computeMs: number;
  samples: number;
}

/**
 * What one training step leaves behind: the raw facts every step metric (AU,
 * throughput, load wait, the I/O rate over the metric window) is derived
 * from. Timestamps are ms on the accelerator thread's clock
 * (performance.timeOrigin + performance.now()), so differences are exact to
 * the microsecond whatever thread recorded them.
 *
 * One step, as DLIO's main loop times it: start_loading → batch_loaded →
 * start_compute → batch_processed → comm.barrier().
 */
export interface StepRecord {
  epoch: number;
  step: number;
  /** The accelerator asked for the batch (DLIO start_loading). */
  loadStart: number;
  /** The batch was in hand (batch_loaded). */
  batchReady: number;
  computeStart: number;
  /** Compute done (batch_processed): proc time = computeEnd − loadStart. */
  computeEnd: number;
  /** The compute this step was configured for (its draw of computation_time), ms. */
  computeTarget: number;
  /** Past the per-step barrier: the next step starts here. */
  end: number;
  samples: number;
  /** Bytes the accelerator's loaders had received when the step started and when it ended. */
  bytesAtStart: number;
  bytesAtEnd: number;
}

export const loadWaitMs = (s: StepRecord) => s.batchReady - s.loadStart;
export const computeMs = (s: StepRecord) => s.computeEnd - s.computeStart;
/** DLIO's per-step `proc` time: loading plus compute, not the barrier. */
export const procMs = (s: StepRecord) => s.computeEnd - s.loadStart;

/**
 * Step traces of accelerators that meet at a per-step barrier, timed the way
 * DLIO's main loop times them (main.py DLIOBenchmark._train): each step loads
 * for `load` ms, computes for `compute` ms, then waits until the slowest
 * accelerator of the step has computed too.
 */
import type { StepRecord } from '../../../src/metrics/step.ts';

export interface RankSpec {
  /** Load wait of step i, ms. */
  load: number | ((step: number) => number);
  compute: number | ((step: number) => number);
  /** Bytes the loaders receive during step i. */
  bytes?: number;
}

export interface Trace {
  blockStart: number;
  blockEnd: number;
  steps: StepRecord[][];
}

const at = (v: number | ((i: number) => number), i: number) => (typeof v === 'number' ? v : v(i));

export function barrierTrace(
  ranks: RankSpec[],
  steps: number,
  batch: number,
  t0 = 1_000_000,
  epoch = 0,
): Trace {
  const records: StepRecord[][] = ranks.map(() => []);
  const bytes = ranks.map(() => 0);
  let t = t0;
  for (let i = 0; i < steps; i++) {
    const computeEnds = ranks.map((r) => t + at(r.load, i) + at(r.compute, i));
    const end = Math.max(...computeEnds);
    ranks.forEach((r, k) => {
      const batchReady = t + at(r.load, i);
      const bytesAtStart = bytes[k] as number;
      bytes[k] = bytesAtStart + (r.bytes ?? 0);
      records[k]?.push({
        epoch,
        step: i,
        loadStart: t,
        batchReady,
        computeStart: batchReady,
        computeEnd: computeEnds[k] as number,
        computeTarget: at(r.compute, i),
        end,
        samples: batch,
        bytesAtStart,
        bytesAtEnd: bytes[k] as number,
      });
    });
    t = end;
  }
  return { blockStart: t0, blockEnd: t, steps: records };
}

/**
 * AU and throughput against values computed by hand from the MLCommons DLIO
 * fork's code: dlio_benchmark/utils/statscounter.py, StatsCounter.__init__
 * (the metric window: metric_start_step = exclude_start_steps,
 * metric_end_step = steps − 1 − exclude_end_steps), compute_metrics_train
 * (AU = Σ compute[window] ÷ (block time − Σ proc[excluded]); throughput =
 * window steps ÷ that time × batch_size), end_train and end_run (per epoch:
 * mean of AU over ranks, sum of throughput; then np.mean / np.std over
 * epochs). The step timing follows main.py DLIOBenchmark._train: proc = load
 * + compute, the per-step comm.barrier() after batch_processed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { mergePartials } from '../../src/metrics/merge.ts';
import { assemblePartial, IoRecorder, StepRecorder } from '../../src/metrics/partial.ts';
import type { StepRecord } from '../../src/metrics/step.ts';
import { type AcceleratorIo, runAccelerator } from '../../src/train/accelerator.ts';
import { barrierTrace, type RankSpec } from './helpers/trace.ts';

const BATCH = 64;

/** The summary of a run whose accelerators' epochs follow `ranks` (one trace per epoch). */
function summaryOf(ranks: RankSpec[][], steps: number, exclude: [number, number]) {
  const epochs = ranks.length;
  const w = defaultWorkload([
    `run.accelerators=${ranks[0]?.length ?? 1}`,
    `train.epochs=${epochs}`,
    `reader.batch_size=${BATCH}`,
    `metric.exclude_start_steps=${exclude[0]}`,
    `metric.exclude_end_steps=${exclude[1]}`,
  ]);
  const recorders = (ranks[0] ?? []).map(() => new StepRecorder({ start: exclude[0], end: exclude[1] }));
  let t = 1_000_000;
  ranks.forEach((epochRanks, epoch) => {
    const trace = barrierTrace(epochRanks, steps, BATCH, t, epoch);
    recorders.forEach((rec, k) => {
      rec.beginEpoch(epoch, trace.blockStart, steps, 0);
      for (const step of trace.steps[k] ?? []) rec.recordStep(step);
      rec.endEpoch(trace.blockEnd);
    });
    t = trace.blockEnd + 5;
  });
  const partials = recorders.map((rec, k) =>
    assemblePartial({ accelerator: k, host: 'h', randomSeed: null }, rec.toPart(), [
      new IoRecorder().toPart(),
    ]),
  );
  return mergePartials(resolveRun(w), partials, { runId: 'r', configHash: 'h' });
}

const near = (actual: number | null, expected: number, digits = 4) =>
  assert.equal(Number(actual?.toFixed(digits)), Number(expected.toFixed(digits)));

describe("DLIO's formulas", () => {
  it('the worked example: two accelerators, batch 64, 10 ms compute, loads of 0 and 20 ms', () => {
    // 10 steps of 30 ms each (the barrier holds the fast one): block 300 ms.
    // rank 0: 9 × 10 ms ÷ (300 − proc[0] = 10) = 31.0345 %, 9 × 64 ÷ 0.290 s = 1986.2069 /s
    // rank 1: 9 × 10 ms ÷ (300 − proc[0] = 30) = 33.3333 %, 9 × 64 ÷ 0.270 s = 2133.3333 /s
    const { summary, perEpoch } = summaryOf(
      [
        [
          { load: 0, compute: 10 },
          { load: 20, compute: 10 },
        ],
      ],
      10,
      [1, 0],
    );
    near(perEpoch[0]?.au_percentage_per_accelerator[0] ?? null, (90 / 290) * 100);
    near(perEpoch[0]?.au_percentage_per_accelerator[1] ?? null, (90 / 270) * 100);
    near(summary.metric.train_au_mean_percentage, 32.1839);
    near(summary.metric.train_throughput_mean_samples_per_second, 4119.5402);
    assert.equal(summary.metric.train_au_meet_expectation, 'fail');
  });

  it('excludes end steps: their proc time leaves the window, their barrier wait does not', () => {
    // exclude 1 start, 2 end: window steps 1..7; rank 0: 70 ÷ (300 − 10 − 2 × 10) = 25.9259 %
    // rank 1: 70 ÷ (300 − 30 − 2 × 30) = 33.3333 %
    const { perEpoch } = summaryOf(
      [
        [
          { load: 0, compute: 10 },
          { load: 20, compute: 10 },
        ],
      ],
      10,
      [1, 2],
    );
    near(perEpoch[0]?.au_percentage_per_accelerator[0] ?? null, (70 / 270) * 100);
    near(perEpoch[0]?.au_percentage_per_accelerator[1] ?? null, (70 / 210) * 100);
    near(perEpoch[0]?.throughput_samples_per_second ?? null, (7 * 64) / 0.27 + (7 * 64) / 0.21);
  });

  it('averages AU over ranks per epoch, then np.mean / np.std (population) over epochs', () => {
    const epochs: RankSpec[][] = [
      [{ load: 0, compute: 10 }], // AU 100 %
      [{ load: 10, compute: 10 }], // 50 %
      [{ load: 30, compute: 10 }], // 25 %
    ];
    const { summary } = summaryOf(epochs, 5, [0, 0]);
    assert.deepEqual(summary.metric.train_au_percentage, [100, 50, 25]);
    near(summary.metric.train_au_mean_percentage, 175 / 3);
    const m = 175 / 3;
    near(
      summary.metric.train_au_stdev_percentage,
      Math.sqrt(((100 - m) ** 2 + (50 - m) ** 2 + (25 - m) ** 2) / 3),
    );
    assert.deepEqual(summary.metric.train_throughput_samples_per_second, [
      (5 * 64) / 0.05,
      (5 * 64) / 0.1,
      (5 * 64) / 0.2,
    ]);
  });
});

describe('the accelerator loop', () => {
  it('times each step as DLIO does and does nothing but take, compute and wait', async () => {
    const w = defaultWorkload([
      'dataset.num_files_train=2',
      'dataset.num_samples_per_file=128',
      'reader.batch_size=64',
      'train.epochs=2',
      'train.computation_time=0.005',
    ]);
    let clock = 0;
    const calls: string[] = [];
    const io: AcceleratorIo = {
      now: () => clock,
      takeBatch: (epoch, step) => {
        calls.push(`take ${epoch}/${step}`);
        clock += 3;
        return 64;
      },
      compute: (ms) => {
        calls.push(`compute ${ms}`);
        clock += ms;
      },
      barrier: () => {
        calls.push('barrier');
        clock += 1;
      },
      bytesReceived: () => clock * 10,
      epochStarted: (epoch) => calls.push(`epoch ${epoch}`),
    };
    const recorder = new StepRecorder({ start: 0, end: 0 });
    await runAccelerator(resolveRun(w), 0, io, recorder);
    assert.deepEqual(calls.slice(0, 6), [
      'barrier',
      'epoch 0',
      'take 0/0',
      'compute 5',
      'barrier',
      'take 0/1',
    ]);
    assert.equal(calls.filter((c) => c.startsWith('take')).length, 8);
    const part = recorder.toPart();
    assert.equal(part.epochs.length, 2);
    assert.deepEqual(
      part.epochs.map((e) => [e.steps, e.samples, e.window.steps]),
      [
        [4, 256, 4],
        [4, 256, 4],
      ],
    );
    // Each step: 3 ms load, 5 ms compute, 1 ms barrier; the block starts after the epoch barrier.
    const first = part.epochs[0];
    assert.equal(first?.window.wallMs, 4 * 9);
    assert.equal(first?.window.computeMs, 20);
    assert.equal(first?.window.bytes, 4 * 9 * 10);
  });

  it('records a step from DLIO’s five timestamps', () => {
    const step: StepRecord = {
      epoch: 0,
      step: 0,
      loadStart: 0,
      batchReady: 3,
      computeStart: 3,
      computeEnd: 8,
      computeTarget: 5,
      end: 9,
      samples: 64,
      bytesAtStart: 0,
      bytesAtEnd: 90,
    };
    const rec = new StepRecorder({ start: 0, end: 0 });
    rec.beginEpoch(0, 0, 1, 0);
    rec.recordStep(step);
    rec.endEpoch(9);
    const e = rec.toPart().epochs[0];
    assert.deepEqual([e?.loadWaitMs, e?.computeMs, e?.window.wallMs], [3, 5, 9]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload, workloadToYaml } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { mergePartials } from '../../src/metrics/merge.ts';
import {
  type AcceleratorPartial,
  assemblePartial,
  IoRecorder,
  StepRecorder,
} from '../../src/metrics/partial.ts';
import { renderRunResults } from '../../src/metrics/results.ts';
import { renderSummaryTable } from '../../src/metrics/table.ts';
import type { Operation } from '../../src/storage/operations.ts';
import { barrierTrace } from './helpers/trace.ts';

const T0 = Date.UTC(2025, 0, 1);

/**
 * An accelerator that, per epoch, runs `steps` steps of (load, compute) ms on
 * its own (no other accelerator at its barrier), receiving one GET of `bytes`
 * per step with latency `latency(i)`.
 */
function fakeAccelerator(
  w: Workload,
  accelerator: number,
  spec: { steps: number; load: number; compute: number; bytes: number; latency: (i: number) => number },
  record: (op: Operation) => void = () => {},
): AcceleratorPartial {
  const steps = new StepRecorder({ start: 1, end: 0 });
  const io = new IoRecorder();
  let t = T0;
  for (let epoch = 0; epoch < w.train.epochs; epoch++) {
    const trace = barrierTrace(
      [{ load: spec.load, compute: spec.compute, bytes: spec.bytes }],
      spec.steps,
      8,
      t,
      epoch,
    );
    steps.beginEpoch(epoch, trace.blockStart, spec.steps, 0);
    io.beginEpoch(epoch);
    for (const [i, step] of (trace.steps[0] ?? []).entries()) {
      const op: Operation = {
        op: 'GET',
        key: `k${i}`,
        bytes: spec.bytes,
        start: step.loadStart,
        firstByte: step.loadStart + spec.latency(i) / 2,
        end: step.loadStart + spec.latency(i),
        status: 206,
        retries: i % 10 === 0 ? 1 : 0,
        thread: accelerator,
      };
      io.record(op);
      record(op);
      io.recordChunk(spec.bytes / 2, true);
      steps.recordStep(step);
    }
    steps.endEpoch(trace.blockEnd);
    t = trace.blockEnd;
  }
  return assemblePartial({ accelerator, host: `host${accelerator % 2}`, randomSeed: null }, steps.toPart(), [
    io.toPart(),
  ]);
}

describe('mergePartials', () => {
  const w = defaultWorkload(['train.epochs=2', 'run.accelerators=2', 'metric.au=0.7']);
  const latency = (i: number) => 1 + (i % 17) * 3.3;
  const p0 = fakeAccelerator(w, 0, { steps: 11, load: 10, compute: 90, bytes: 1_000_000, latency });
  const p1 = fakeAccelerator(w, 1, { steps: 11, load: 60, compute: 40, bytes: 1_000_000, latency });
  const ctx = { runId: 'r1', configHash: 'sha256:x' };

  it('computes DLIO AU / throughput and pqbench I/O figures from the partials', () => {
    const { summary, perEpoch } = mergePartials(resolveRun(w), [p1, p0], ctx);
    const m = summary.metric;
    // Window = steps 1..10: AU 90% and 40%, averaged per epoch; each accelerator 8 samples / 100 ms.
    assert.deepEqual(m.train_au_percentage, [65, 65]);
    assert.equal(m.train_au_mean_percentage, 65);
    assert.equal(m.train_au_stdev_percentage, 0);
    assert.equal(m.train_au_meet_expectation, 'fail');
    assert.equal(m.train_au_expectation_percentage, 70);
    assert.deepEqual(m.train_throughput_samples_per_second, [160, 160]);
    assert.equal(m.train_throughput_mean_samples_per_second, 160);
    // DLIO's figure: samples/s × its record size (record_length_bytes 65536) in MiB.
    assert.equal(summary.io.dlio_record_bytes, 65536);
    assert.equal(m.train_io_mean_MB_per_second, (160 * 65536) / 2 ** 20);
    // Measured: 10 MB received over each accelerator's 1 s window, summed.
    assert.equal(summary.io.mean_MB_per_second, 20);
    assert.equal(summary.io.mean_MiB_per_second, Number(((20 * 1e6) / 2 ** 20).toFixed(6)));
    assert.deepEqual(perEpoch[0].au_percentage_per_accelerator, [90, 40]);
    assert.equal(perEpoch[0].au_stdev_percentage_across_accelerators, 25);
    assert.equal(summary.io.bytes_transferred, 44e6);
    assert.equal(summary.io.read_amplification, 2);
    assert.equal(summary.requests.GET?.count, 44);
    assert.equal(summary.requests.retries, 8);
    assert.equal(summary.requests.total, 44);
    assert.equal(summary.num_accelerators, 2);
    assert.equal(summary.num_hosts, 2);
    assert.equal(summary.epochs, 2);
    assert.equal(summary.cost.requests_usd, (44 / 1000) * 0.0004);
    assert.deepEqual(summary.cost.per_epoch_usd, [(22 / 1000) * 0.0004, (22 / 1000) * 0.0004]);
    assert.equal(summary.cost.per_TB_read_usd, summary.cost.total_usd / 44e-6);
    assert.equal(summary.start, new Date(T0).toISOString());
    assert.deepEqual(summary.notices, []);
  });

  it('is exact: merging JSON round-tripped partials equals recording all requests in one histogram', () => {
    const direct = mergePartials(resolveRun(w), [p0, p1], ctx);
    const viaJson = mergePartials(resolveRun(w), JSON.parse(JSON.stringify([p0, p1])), ctx);
    assert.deepEqual(viaJson, direct);
    const everything: Operation[] = [];
    fakeAccelerator(w, 0, { steps: 11, load: 10, compute: 90, bytes: 1, latency }, (op) =>
      everything.push(op),
    );
    fakeAccelerator(w, 1, { steps: 11, load: 60, compute: 40, bytes: 1, latency }, (op) =>
      everything.push(op),
    );
    const steps = new StepRecorder({ start: 1, end: 0 });
    steps.beginEpoch(0, T0, 0, 0);
    steps.endEpoch(T0 + 1);
    const io = new IoRecorder();
    io.beginEpoch(0);
    for (const op of everything) io.record(op);
    const one = assemblePartial({ accelerator: 0, host: 'h', randomSeed: null }, steps.toPart(), [
      io.toPart(),
    ]);
    const single = mergePartials(resolveRun(defaultWorkload()), [one], ctx);
    assert.deepEqual(direct.summary.latency.request, single.summary.latency.request);
    assert.deepEqual(direct.summary.latency.time_to_first_byte, single.summary.latency.time_to_first_byte);
  });

  it('counts an empty metric window as 0 (as DLIO does), says so, and fails the expectation', () => {
    const short = fakeAccelerator(w, 0, { steps: 1, load: 1, compute: 1, bytes: 10, latency });
    const { summary } = mergePartials(resolveRun(defaultWorkload(['train.epochs=2'])), [short], ctx);
    assert.deepEqual(summary.metric.train_au_percentage, [0, 0]);
    assert.equal(summary.metric.train_au_mean_percentage, 0);
    assert.equal(summary.metric.train_throughput_mean_samples_per_second, 0);
    assert.equal(summary.metric.train_au_meet_expectation, 'fail');
    assert.ok(
      summary.notices.some((n) => /only 1 step\(s\).*count as 0/.test(n)),
      summary.notices.join('\n'),
    );
    assert.ok(renderSummaryTable(summary).some((l) => l.includes('AU] (%): 0.0000')));
  });

  it('notes when fewer partials than accelerators were merged', () => {
    const { summary } = mergePartials(resolveRun(w), [p0], ctx);
    assert.ok(
      summary.notices.some((n) => /merged 1 accelerator partial\(s\) of the 2/.test(n)),
      summary.notices.join(),
    );
  });

  it('rejects duplicate accelerators and an empty list', () => {
    assert.throws(() => mergePartials(resolveRun(w), [p0, p0], ctx), /two partials for accelerator 0/);
    assert.throws(() => mergePartials(resolveRun(w), [], ctx), /no partials/);
  });

  it('renders summary.json with the DLIO keys, per_epoch_stats.json (DLIO), epoch_stats.json and config.yaml', () => {
    const files = renderRunResults(mergePartials(resolveRun(w), [p0, p1], ctx), workloadToYaml(w));
    assert.deepEqual(
      files.map((f) => f.name),
      ['summary.json', 'per_epoch_stats.json', 'epoch_stats.json', 'config.yaml', 'timeseries.json'],
    );
    const summary = JSON.parse(files[0].body);
    for (const key of [
      'train_au_percentage',
      'train_au_mean_percentage',
      'train_au_stdev_percentage',
      'train_au_meet_expectation',
      'train_throughput_samples_per_second',
      'train_throughput_mean_samples_per_second',
      'train_io_mean_MB_per_second',
    ]) {
      assert.ok(key in summary.metric, key);
    }
    for (const key of [
      'schema_version',
      'run_id',
      'workload',
      'config_hash',
      'num_accelerators',
      'num_hosts',
      'epochs',
      'start',
      'end',
    ]) {
      assert.ok(key in summary, key);
    }
    assert.deepEqual(Object.keys(JSON.parse(files[1].body)), ['1', '2']);
    assert.equal(JSON.parse(files[2].body).length, 2);
    assert.match(files[3].body, /batch_size: /);
  });
});

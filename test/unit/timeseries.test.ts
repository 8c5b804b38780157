/**
 * Per-interval time series (issue 14): the bucket scheme, exact merges
 * (merging parts equals recording everything in one recorder, in any order
 * and grouping, through JSON), and the sums over intervals equal the run's
 * totals in summary.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { mergePartials } from '../../src/metrics/merge.ts';
import {
  type AcceleratorPartial,
  assemblePartial,
  IoRecorder,
  StepRecorder,
} from '../../src/metrics/partial.ts';
import type { StepRecord } from '../../src/metrics/step.ts';
import {
  bucketBounds,
  bucketOf,
  bucketPercentile,
  mergeSeries,
  type SeriesPart,
  SeriesRecorder,
} from '../../src/metrics/timeseries.ts';
import { timeSeriesJson } from '../../src/metrics/timeseries-file.ts';
import type { Operation, OperationType } from '../../src/storage/operations.ts';

/** A deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Not on a second boundary, with sub-ms fractions as performance.now() gives. */
const T0 = Date.UTC(2025, 0, 1) + 437.123456;

function fakeSteps(rand: () => number, count: number, epoch: number, t0: number): StepRecord[] {
  const steps: StepRecord[] = [];
  let t = t0;
  for (let step = 0; step < count; step++) {
    const loadStart = t;
    const batchReady = loadStart + rand() * 300;
    const computeStart = batchReady + rand() * 0.01;
    const computeEnd = computeStart + rand() * 1500;
    const end = computeEnd + rand() * 5;
    steps.push({
      epoch,
      step,
      loadStart,
      batchReady,
      computeStart,
      computeEnd,
      computeTarget: computeEnd - computeStart,
      end,
      samples: 32,
      bytesAtStart: 0,
      bytesAtEnd: 0,
    });
    t = end;
  }
  return steps;
}

const OPS: OperationType[] = ['GET', 'GET', 'GET', 'HEAD', 'LIST'];

function fakeOps(rand: () => number, count: number, t0: number, thread: number): Operation[] {
  return Array.from({ length: count }, (_, i) => {
    const start = t0 + rand() * 6000;
    const latency = rand() < 0.05 ? 900 + rand() * 2500 : rand() * 40;
    const failed = rand() < 0.05;
    return {
      op: OPS[i % OPS.length] as OperationType,
      key: `k${i}`,
      bytes: failed ? 0 : Math.floor(rand() * 16 * 2 ** 20),
      start,
      firstByte: rand() < 0.9 ? start + latency * rand() : undefined,
      end: start + latency,
      status: failed ? 503 : 206,
      retries: rand() < 0.1 ? 2 : 0,
      thread,
      ...(failed ? { error: 'SlowDown' } : {}),
    };
  });
}

const failedOp = (op: Operation) => op.error !== undefined || op.status === 0 || op.status >= 400;

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

describe('time series buckets', () => {
  it('every value lies in its bucket, buckets are ordered and at most 1/16 wide', () => {
    const rand = random(1);
    let previous = -1;
    for (let v = 0; v < 5000; v++) {
      const b = bucketOf(v);
      assert.ok(b >= previous, `bucket order at ${v}`);
      previous = b;
    }
    for (let i = 0; i < 20_000; i++) {
      const v = Math.floor(2 ** (rand() * 50));
      const { low, high } = bucketBounds(bucketOf(v));
      assert.ok(low <= v && v < high, `${v} in [${low}, ${high})`);
      if (v >= 16) assert.ok((high - low) / low <= 1 / 16, `width at ${v}`);
    }
  });

  it('percentiles come from the bucket upper bounds, null when empty', () => {
    assert.equal(bucketPercentile([], 50), null);
    const buckets: [number, number][] = [
      [bucketOf(100), 50],
      [bucketOf(1000), 49],
      [bucketOf(100_000), 1],
    ];
    assert.equal(bucketPercentile(buckets, 50), bucketBounds(bucketOf(100)).high - 1);
    assert.equal(bucketPercentile(buckets, 99), bucketBounds(bucketOf(1000)).high - 1);
    const max = bucketPercentile(buckets, 100) as number;
    assert.ok(max >= 100_000 && max < 100_000 * (1 + 1 / 16));
  });
});

describe('time series merge', () => {
  const rand = random(42);
  const steps = [0, 1, 2].map((a) => fakeSteps(rand, 20, 0, T0 + a * 7.5));
  const ops = [0, 1, 2].map((a) => fakeOps(rand, 400, T0, a));

  function recordInto(recorder: SeriesRecorder, s: StepRecord[], o: Operation[]): void {
    for (const step of s) recorder.recordStep(step);
    for (const op of o) recorder.recordOperation(op, failedOp(op));
  }

  it('merging parts equals recording everything in one recorder, in any order and grouping', () => {
    const one = new SeriesRecorder();
    for (let a = 0; a < 3; a++) recordInto(one, steps[a] ?? [], ops[a] ?? []);
    const parts = [0, 1, 2].map((a) => {
      const r = new SeriesRecorder();
      recordInto(r, steps[a] ?? [], ops[a] ?? []);
      return JSON.parse(JSON.stringify(r.toPart())) as SeriesPart;
    });
    const [p0, p1, p2] = parts as [SeriesPart, SeriesPart, SeriesPart];
    const expected = one.toPart();
    assert.ok(expected.steps.length >= 8, 'the data spans several intervals');
    assert.deepEqual(mergeSeries([p0, p1, p2]), expected);
    assert.deepEqual(mergeSeries([p2, p0, p1]), expected);
    assert.deepEqual(mergeSeries([mergeSeries([p1, p2]), p0]), expected);
    assert.deepEqual(mergeSeries([mergeSeries([p0]), mergeSeries([]), p1, p2]), expected);
  });

  it('splits a step and a GET over the intervals they span, in whole microseconds', () => {
    const r = new SeriesRecorder(1000);
    const base = Date.UTC(2025, 0, 1);
    r.recordOperation(
      {
        op: 'GET',
        key: 'k',
        bytes: 10,
        start: base + 500,
        end: base + 2250,
        status: 200,
        retries: 0,
        thread: 0,
      },
      false,
    );
    const part = r.toPart();
    assert.equal(part.first, base / 1000);
    assert.deepEqual(part.getInFlightUs, [500_000, 1_000_000, 250_000]);
    assert.deepEqual(part.requests, [0, 0, 1]);
    assert.deepEqual(part.bytes, [0, 0, 10]);
  });

  it('refuses to merge different intervals', () => {
    const a = new SeriesRecorder(1000).toPart();
    const b = new SeriesRecorder(500).toPart();
    assert.throws(() => mergeSeries([a, b]), /different intervals/);
  });
});

describe('time series of a run', () => {
  const w = defaultWorkload(['train.epochs=2', 'run.accelerators=2']);
  const rand = random(7);

  function accelerator(k: number): AcceleratorPartial {
    const stepRecorder = new StepRecorder({ start: 1, end: 0 });
    const loaders = [new IoRecorder(), new IoRecorder()];
    let t = T0 + k * 3.3;
    for (let epoch = 0; epoch < 2; epoch++) {
      const steps = fakeSteps(rand, 12, epoch, t);
      stepRecorder.beginEpoch(epoch, t, steps.length, 0);
      for (const [i, loader] of loaders.entries()) {
        loader.beginEpoch(epoch);
        for (const op of fakeOps(rand, 150, t, k * 10 + i)) loader.record(op);
      }
      for (const step of steps) stepRecorder.recordStep(step);
      t = (steps[steps.length - 1] as StepRecord).end;
      stepRecorder.endEpoch(t);
    }
    return assemblePartial(
      { accelerator: k, host: 'h', randomSeed: null },
      stepRecorder.toPart(),
      loaders.map((l) => l.toPart()),
    );
  }

  it('sums over the intervals equal the totals of summary.json', () => {
    const partials = JSON.parse(JSON.stringify([accelerator(0), accelerator(1)])) as AcceleratorPartial[];
    const run = mergePartials(resolveRun(w), partials, { runId: 'r', configHash: 'h' });
    const ts = run.timeseries;
    assert.ok(ts, 'the run has a time series');
    const c = ts.columns;
    const s = run.summary;
    assert.equal(sum(c.steps), s.steps.total);
    assert.equal(sum(c.samples), s.steps.samples);
    assert.equal(sum(c.requests), s.requests.total);
    assert.equal(sum(c.errors), s.requests.errors);
    assert.equal(sum(c.retries), s.requests.retries);
    assert.equal(sum(c.bytes), s.io.bytes_transferred);
    const bucketed = (lists: [number, number][][]) => sum(lists.flat().map(([, n]) => n));
    assert.equal(bucketed(c.request_latency_buckets), s.latency.request.count);
    assert.equal(bucketed(c.ttfb_buckets), s.latency.time_to_first_byte.count);
    // Durations are split in whole µs: within 1 µs per step of the exact sums (and the summary's 6 decimals).
    const tolerance = (s.steps.total + 1) / 1e6;
    assert.ok(Math.abs(sum(c.load_wait_us) / 1e6 - s.steps.load_wait_s) <= tolerance);
    assert.ok(Math.abs(sum(c.compute_us) / 1e6 - s.steps.compute_s) <= tolerance);
    // Rates over an interval times its covered seconds give its count back.
    c.samples_per_second.forEach((rate, i) => {
      if (rate !== null)
        assert.ok(Math.abs(rate * (c.covered_s[i] as number) - (c.samples[i] as number)) < 1e-3 * (rate + 1));
    });
    const gets = s.requests.GET ?? { count: 0, errors: 0 };
    assert.equal(sum(ts.get_size_buckets.map(([, n]) => n)), gets.count - gets.errors, 'successful GETs');
    assert.equal(c.t_s.length, c.start_ms.length);
    assert.ok((c.start_ms[0] as number) % 1000 === 0, 'intervals sit on the Unix-epoch grid');
  });

  it('merging two partials equals merging their series', () => {
    const a = accelerator(0);
    const b = accelerator(1);
    const run = mergePartials(resolveRun(w), [a, b], { runId: 'r', configHash: 'h' });
    const direct = mergeSeries([a.series as SeriesPart, b.series as SeriesPart]);
    assert.deepEqual(run.timeseries?.columns.requests, direct.requests);
    assert.deepEqual(run.timeseries?.columns.request_latency_buckets, direct.requestLatency);
    const text = timeSeriesJson(run.timeseries as NonNullable<typeof run.timeseries>);
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(run.timeseries)));
  });

  it('a partial without a series (written before they existed) gives a run without one', () => {
    const { series: _series, ...old } = accelerator(0);
    const run = mergePartials(resolveRun(defaultWorkload(['train.epochs=2'])), [old], {
      runId: 'r',
      configHash: 'h',
    });
    assert.equal(run.timeseries, null);
  });
});

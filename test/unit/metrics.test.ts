import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  auPercentage,
  EpochStepAccumulator,
  mean,
  stdev,
  windowByteRate,
  windowThroughput,
} from '../../src/metrics/au.ts';
import {
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
  newHistogram,
  recordMs,
  summarizeHistogram,
} from '../../src/metrics/histogram.ts';
import { pageCacheWarning } from '../../src/metrics/pagecache.ts';
import { barrierTrace, type Trace } from './helpers/trace.ts';

function accumulate(trace: Trace, excludeStart: number, excludeEnd: number) {
  const steps = trace.steps[0] ?? [];
  const acc = new EpochStepAccumulator(excludeStart, excludeEnd, steps.length);
  for (const r of steps) acc.add(r);
  return acc.finish(trace.blockStart, trace.blockEnd);
}

const one = (specs: { load: number; compute: number; samples?: number }[]) =>
  barrierTrace(
    [{ load: (i) => specs[i]?.load ?? 0, compute: (i) => specs[i]?.compute ?? 0, bytes: 100 }],
    specs.length,
    10,
  );

describe('AU over the metric window (DLIO statscounter.compute_metrics_train)', () => {
  it('is Σ compute over the window ÷ (block time − proc of the excluded steps)', () => {
    const trace = one([
      { load: 500, compute: 10 }, // warm-up, excluded
      { load: 10, compute: 30 },
      { load: 10, compute: 30 },
      { load: 20, compute: 20 },
      { load: 1000, compute: 5 }, // excluded tail
    ]);
    const stats = accumulate(trace, 1, 1);
    assert.equal(stats.steps, 5);
    assert.equal(stats.samples, 50);
    // block 1635 ms − proc(510) − proc(1005) = 120 ms
    assert.deepEqual(stats.window, {
      steps: 3,
      samples: 30,
      computeMs: 80,
      loadWaitMs: 40,
      wallMs: 120,
      bytes: 300,
      // The window's draws of computation_time, and when it began and ended.
      computeTargetMs: 80,
      startMs: 1_000_510,
      endMs: 1_000_630,
    });
    assert.equal(auPercentage(stats.window), (80 / 120) * 100);
    assert.equal(windowThroughput(stats.window), (30 / 120) * 1000);
    assert.equal(windowByteRate(stats.window), (300 / 120) * 1000);
  });

  it('counts barrier waits against AU: they are in the block but in no step’s proc time', () => {
    const trace = barrierTrace(
      [
        { load: 0, compute: 10 },
        { load: 20, compute: 10 },
      ],
      4,
      64,
    );
    const fast = new EpochStepAccumulator(0, 0, 4);
    for (const r of trace.steps[0] ?? []) fast.add(r);
    const stats = fast.finish(trace.blockStart, trace.blockEnd);
    assert.equal(stats.window.wallMs, 120);
    assert.equal(auPercentage(stats.window), (40 / 120) * 100);
  });

  it('covers every step when nothing is excluded, and is 100% with no load wait', () => {
    const stats = accumulate(
      one([
        { load: 0, compute: 50 },
        { load: 0, compute: 50 },
      ]),
      0,
      0,
    );
    assert.equal(stats.window.steps, 2);
    assert.equal(auPercentage(stats.window), 100);
  });

  it('gives 0 (as DLIO counts it), never a made-up figure, when there are too few steps for the window', () => {
    for (const [n, start, end] of [
      [1, 1, 0],
      [3, 1, 2],
      [0, 0, 0],
    ]) {
      const stats = accumulate(one(Array.from({ length: n }, () => ({ load: 1, compute: 1 }))), start, end);
      assert.equal(stats.window.steps, 0);
      assert.equal(auPercentage(stats.window), 0);
      assert.equal(windowThroughput(stats.window), 0);
      assert.equal(windowByteRate(stats.window), 0);
    }
  });

  it('streams: a long epoch gives the same window as a direct sum', () => {
    const specs = Array.from({ length: 10_000 }, (_, i) => ({ load: i % 7, compute: 3 + (i % 5) }));
    const trace = one(specs);
    const stats = accumulate(trace, 5, 4);
    const all = trace.steps[0] ?? [];
    const inWindow = all.slice(5, all.length - 4);
    const excluded = [...all.slice(0, 5), ...all.slice(all.length - 4)];
    assert.equal(stats.window.steps, inWindow.length);
    assert.equal(
      stats.window.computeMs,
      inWindow.reduce((n, r) => n + (r.computeEnd - r.computeStart), 0),
    );
    const excludedProc = excluded.reduce((n, r) => n + (r.computeEnd - r.loadStart), 0);
    assert.equal(stats.window.wallMs, trace.blockEnd - trace.blockStart - excludedProc);
  });

  it('mean / population stdev (numpy semantics) and empty inputs', () => {
    assert.equal(mean([1, 2, 3]), 2);
    assert.equal(stdev([2, 4, 4, 4, 5, 5, 7, 9]), 2);
    assert.equal(mean([]), null);
    assert.equal(stdev([]), null);
  });
});

describe('HDR histograms', () => {
  it('survive encode/decode exactly and merge exactly', () => {
    const all = newHistogram();
    const parts = [newHistogram(), newHistogram(), newHistogram()];
    for (let i = 0; i < 30_000; i++) {
      const ms = ((i * 7919) % 100_000) / 37 + 0.001;
      recordMs(all, ms);
      recordMs(parts[i % 3], ms);
    }
    const merged = mergeEncoded(parts.map(encodeHistogram));
    assert.deepEqual(summarizeHistogram(merged), summarizeHistogram(all));
    assert.equal(merged.totalCount, 30_000);
    assert.deepEqual(summarizeHistogram(decodeHistogram(encodeHistogram(all))), summarizeHistogram(all));
  });

  it('records at microsecond resolution and reports milliseconds', () => {
    const h = newHistogram();
    recordMs(h, 1.234);
    const s = summarizeHistogram(h);
    assert.equal(s.count, 1);
    assert.equal(s.p50_ms, 1.234);
    assert.equal(s.max_ms, 1.234);
  });

  it('summarises an empty histogram with nulls', () => {
    const s = summarizeHistogram(mergeEncoded([encodeHistogram(newHistogram())]));
    assert.equal(s.count, 0);
    assert.equal(s.p99_ms, null);
  });
});

describe('pageCacheWarning', () => {
  it('warns for a local dataset smaller than free RAM only', () => {
    assert.match(pageCacheWarning('local_fs', 1e9, 4e9, 2) ?? '', /page cache/);
    assert.equal(pageCacheWarning('local_fs', 8e9, 4e9, 2), null);
    assert.equal(pageCacheWarning('s3', 1e9, 4e9, 2), null);
  });
});

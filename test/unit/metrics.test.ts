import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auPercentage, EpochStepAccumulator, mean, stdev, windowThroughput } from '../../src/metrics/au.ts';
import {
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
  newHistogram,
  recordMs,
  summarizeHistogram,
} from '../../src/metrics/histogram.ts';
import { pageCacheWarning } from '../../src/metrics/pagecache.ts';
import type { StepRecord } from '../../src/train/loop.ts';

/** Steps back to back from t0: each waits `load` ms for its batch, then computes `compute` ms. */
function steps(specs: { load: number; compute: number; samples?: number }[], t0 = 1_000_000): StepRecord[] {
  let t = t0;
  return specs.map((s, step) => {
    const rec: StepRecord = {
      epoch: 0,
      step,
      start: t,
      batchReady: t + s.load,
      end: t + s.load + s.compute,
      loadWaitMs: s.load,
      computeMs: s.compute,
      samples: s.samples ?? 10,
    };
    t = rec.end;
    return rec;
  });
}

function accumulate(records: StepRecord[], excludeStart: number, excludeEnd: number) {
  const acc = new EpochStepAccumulator(excludeStart, excludeEnd);
  for (const r of records) acc.add(r);
  return acc.finish();
}

describe('AU over the metric window', () => {
  it('is Σ compute ÷ window wall time, excluding start and end steps', () => {
    const records = steps([
      { load: 500, compute: 10 }, // warm-up, excluded
      { load: 10, compute: 30 },
      { load: 10, compute: 30 },
      { load: 20, compute: 20 },
      { load: 1000, compute: 5, samples: 3 }, // excluded tail
    ]);
    const stats = accumulate(records, 1, 1);
    assert.equal(stats.steps, 5);
    assert.equal(stats.samples, 43);
    assert.deepEqual(stats.window, { steps: 3, samples: 30, computeMs: 80, loadWaitMs: 40, wallMs: 120 });
    assert.equal(auPercentage(stats.window), (80 / 120) * 100);
    assert.equal(windowThroughput(stats.window), (30 / 120) * 1000);
  });

  it('covers every step when nothing is excluded, and is 100% with no load wait', () => {
    const stats = accumulate(
      steps([
        { load: 0, compute: 50 },
        { load: 0, compute: 50 },
      ]),
      0,
      0,
    );
    assert.equal(stats.window.steps, 2);
    assert.equal(auPercentage(stats.window), 100);
  });

  it('reports an empty window (null AU, never 0) when there are too few steps', () => {
    for (const [n, start, end] of [
      [1, 1, 0],
      [3, 1, 2],
      [0, 0, 0],
    ]) {
      const stats = accumulate(steps(Array.from({ length: n }, () => ({ load: 1, compute: 1 }))), start, end);
      assert.equal(stats.window.steps, 0);
      assert.equal(auPercentage(stats.window), null);
      assert.equal(windowThroughput(stats.window), null);
    }
  });

  it('uses O(exclude_end) memory: a long epoch gives the same window as a direct sum', () => {
    const specs = Array.from({ length: 10_000 }, (_, i) => ({ load: i % 7, compute: 3 + (i % 5) }));
    const records = steps(specs);
    const stats = accumulate(records, 5, 4);
    const inWindow = records.slice(5, records.length - 4);
    assert.equal(stats.window.steps, inWindow.length);
    assert.equal(
      stats.window.computeMs,
      inWindow.reduce((n, r) => n + r.computeMs, 0),
    );
    assert.equal(stats.window.wallMs, inWindow[inWindow.length - 1].end - inWindow[0].start);
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

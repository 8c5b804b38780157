/**
 * Long accelerators across invocations (issue 13): how many epochs each
 * invocation runs, the deadline, joining the segments into one run's
 * partial, and the readers' progress series behind the all-readers window.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { READ_WRITE_RESERVE_MS } from '../../src/cloud/capacity.ts';
import {
  invocationDeadline,
  joinSegments,
  longestEpochMs,
  nextSegmentEpochs,
} from '../../src/cloud/continuation.ts';
import { joinSeries, overlapReport, ProgressTrack, progressAt } from '../../src/cloud/overlap.ts';
import { decodeHistogram, encodeHistogram, newHistogram, recordMs } from '../../src/metrics/histogram.ts';
import type { AcceleratorPartial, EpochPartial } from '../../src/metrics/partial.ts';

function histogram(values: number[]): string {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  return encodeHistogram(h);
}

function partial(epochs: number[], latencies: number[]): AcceleratorPartial {
  return {
    version: 2,
    accelerator: 3,
    host: 'h',
    start: epochs[0] !== undefined ? 1000 * epochs[0] : 0,
    end: 1000 * ((epochs[epochs.length - 1] ?? 0) + 1),
    epochs: epochs.map(
      (epoch) => ({ epoch, start: 1000 * epoch, end: 1000 * epoch + 900, samples: 8 }) as EpochPartial,
    ),
    histograms: {
      requestUs: histogram(latencies),
      ttfbUs: histogram(latencies),
      stepLoadWaitUs: histogram([1]),
    },
    randomSeed: null,
  };
}

describe('segments of a continued reader', () => {
  it('runs everything at once without a deadline, one epoch to measure, then what fits', () => {
    const inf = Number.POSITIVE_INFINITY;
    assert.equal(
      nextSegmentEpochs({ next: 0, end: 5, epochMs: null, msLeft: inf, ranThisInvocation: false }),
      5,
    );
    assert.equal(
      nextSegmentEpochs({ next: 0, end: 5, epochMs: null, msLeft: 60_000, ranThisInvocation: false }),
      1,
    );
    // 10 s epochs with 25 % headroom: 3 fit in 40 s.
    assert.equal(
      nextSegmentEpochs({ next: 1, end: 5, epochMs: 10_000, msLeft: 40_000, ranThisInvocation: true }),
      3,
    );
    assert.equal(
      nextSegmentEpochs({ next: 4, end: 5, epochMs: 10_000, msLeft: 5_000, ranThisInvocation: true }),
      0,
    );
    // A new invocation always runs at least one epoch, even past its budget: progress is guaranteed.
    assert.equal(
      nextSegmentEpochs({ next: 4, end: 5, epochMs: 10_000, msLeft: -1, ranThisInvocation: false }),
      1,
    );
    assert.equal(
      nextSegmentEpochs({ next: 5, end: 5, epochMs: 10_000, msLeft: inf, ranThisInvocation: false }),
      0,
    );
  });

  it('stops at the invocation budget or before Lambda’s own timeout, whichever is first', () => {
    assert.equal(invocationDeadline(1000, null, null, 5000), Number.POSITIVE_INFINITY);
    assert.equal(invocationDeadline(1000, 60_000, null, 5000), 61_000);
    assert.equal(invocationDeadline(1000, null, 900_000, 5000), 905_000 - READ_WRITE_RESERVE_MS);
    assert.equal(invocationDeadline(1000, 1, 900_000, 5000), 1001);
  });

  it('joins segments into the partial of one run: epochs in order, histograms merged', () => {
    const a = partial([0], [1, 2]);
    const b = partial([1, 2], [3]);
    const joined = joinSegments([b, a]);
    assert.deepEqual(
      joined.epochs.map((e) => e.epoch),
      [0, 1, 2],
    );
    assert.equal(joined.start, 0);
    assert.equal(joined.end, 3000);
    assert.equal(decodeHistogram(joined.histograms.requestUs).totalCount, 3);
    assert.equal(decodeHistogram(joined.histograms.stepLoadWaitUs).totalCount, 2);
    assert.equal(longestEpochMs([a, b], null), 900);
    assert.equal(joinSegments([a]), a);
    assert.throws(() => joinSegments([a, a]), /epoch 0 measured twice/);
  });
});

describe('progress series and the all-readers window', () => {
  it('anchors each segment at its start and end and counts on across segments', () => {
    const track = new ProgressTrack(1000);
    track.point(900, 0, 0); // before the start: replaced by the start anchor
    track.point(2000, 10, 100);
    track.point(2100, 11, 110); // too close to the last point
    track.endSegment(1000, 3000, 40, 400);
    track.point(5000, 5, 50);
    track.endSegment(4000, 6000, 20, 200);
    assert.deepEqual(track.series, {
      t: [1000, 2000, 3000, 4000, 5000, 6000],
      samples: [0, 10, 40, 40, 45, 60],
      bytes: [0, 100, 400, 400, 450, 600],
    });
    assert.deepEqual(progressAt(track.series, 2250), { samples: 17.5, bytes: 175 });
    assert.deepEqual(progressAt(track.series, 3500), { samples: 40, bytes: 400 }, 'flat between invocations');
    const joined = joinSeries([
      { t: [0, 10], samples: [0, 5], bytes: [0, 50] },
      { t: [20, 30], samples: [0, 7], bytes: [0, 70] },
    ]);
    assert.deepEqual(joined, { t: [0, 10, 20, 30], samples: [0, 5, 5, 12], bytes: [0, 50, 50, 120] });
  });

  it('measures throughput only while every reader ran, and names late readers', () => {
    const host = (accelerators: number[], start: number, end: number, samples: number) => ({
      accelerators,
      start,
      end,
      series: { t: [start, end], samples: [0, samples], bytes: [0, samples * 1e6] },
    });
    const r = overlapReport([host([0, 1], 0, 10_000, 1000), host([2], 5000, 15_000, 1000)], 0, 100);
    assert.equal(r.duration_s, 5);
    assert.equal(r.samples_per_second, (500 + 500) / 5);
    assert.equal(r.MB_per_second, 200);
    assert.equal(r.share_of_samples, 0.5);
    assert.equal(r.late_readers, 1);
    assert.deepEqual(r.late_accelerators, [2]);
    const apart = overlapReport([host([0], 0, 1000, 10), host([1], 2000, 3000, 10)], 0, 100);
    assert.equal(apart.start, null);
    assert.equal(apart.samples_per_second, null);
  });
});

/**
 * The write phase's record (metrics/phase.ts) and its figures
 * (phase-figures.ts): operations named as the requests are, a 404 a miss
 * and not an error, bytes spread over the intervals a request covers
 * (integers that add up), exact merges, rates over the phase, and the
 * fastest/median/slowest whole second.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writePhaseFigures } from '../../src/metrics/generate-results.ts';
import { decodeHistogram, summarizeHistogram } from '../../src/metrics/histogram.ts';
import { mergePhaseParts, type PhasePart, PhaseRecorder } from '../../src/metrics/phase.ts';
import { operationFigures, phaseSegments } from '../../src/metrics/phase-figures.ts';
import { renderPhaseTable } from '../../src/metrics/phase-table.ts';
import type { Operation, UploadRequest } from '../../src/storage/operations.ts';

const T0 = 1_800_000_000_000; // a whole second on the Unix-epoch grid

function op(o: Partial<Operation> & Pick<Operation, 'op' | 'start' | 'end'>): Operation {
  return { key: 'k', bytes: 0, status: 200, retries: 0, thread: 0, ...o };
}

function upload(o: Partial<UploadRequest> & Pick<UploadRequest, 'op' | 'start' | 'end'>): UploadRequest {
  return { bytes: 0, status: 200, retries: 0, ...o };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('PhaseRecorder', () => {
  it('names operations as the requests are: PUT, the multipart requests, WRITE for local files', () => {
    const s3 = new PhaseRecorder(false);
    s3.record(op({ op: 'PUT', start: T0, end: T0 + 10, bytes: 1000 }));
    s3.recordUploadRequest(upload({ op: 'CreateMultipartUpload', start: T0, end: T0 + 2 }));
    s3.recordUploadRequest(upload({ op: 'UploadPart', start: T0 + 2, end: T0 + 40, bytes: 8e6, retries: 1 }));
    s3.recordUploadRequest(upload({ op: 'CompleteMultipartUpload', start: T0 + 40, end: T0 + 45 }));
    s3.record(op({ op: 'MULTIPART', start: T0, end: T0 + 45, bytes: 8e6, parts: 1 }));
    const part = s3.toPart();
    assert.deepEqual(Object.keys(part.operations), [
      'CompleteMultipartUpload',
      'CreateMultipartUpload',
      'MULTIPART',
      'PUT',
      'UploadPart',
    ]);
    assert.equal(part.operations.UploadPart?.retries, 1);
    // Objects: the PUT and the multipart upload; requests: every request but the MULTIPART aggregate.
    assert.equal(sum(part.series.objects), 2);
    assert.equal(sum(part.series.requests), 4);
    // Bytes moved: the PUT's and the part's, not the MULTIPART aggregate's again.
    assert.equal(sum(part.series.bytes), 1000 + 8e6);

    const local = new PhaseRecorder(true);
    local.record(op({ op: 'PUT', start: T0, end: T0 + 5, bytes: 10 }));
    assert.deepEqual(Object.keys(local.toPart().operations), ['WRITE']);
  });

  it("counts an existence check's 404 as a miss, a 503 after retries as an error", () => {
    const r = new PhaseRecorder(false);
    r.record(op({ op: 'GET', start: T0, end: T0 + 1, status: 404, error: 'not_found' }));
    r.record(op({ op: 'PUT', start: T0, end: T0 + 1, status: 503, error: 'throttled', retries: 4 }));
    const part = r.toPart();
    assert.equal(part.operations.GET?.errors, 0);
    assert.equal(part.operations.PUT?.errors, 1);
    assert.equal(sum(part.series.errors), 1);
    assert.equal(sum(part.series.retries), 4);
    assert.equal(sum(part.series.objects), 0, 'a failed PUT finishes no object');
  });

  it('spreads a request’s bytes over the seconds it covers, in proportion, summing exactly', () => {
    const r = new PhaseRecorder(false);
    // 2.5 s from T0 + 0.5 s: 0.5 s in the first second, 1 s in the next, 1 s in the third.
    r.record(op({ op: 'PUT', start: T0 + 500, end: T0 + 3000, bytes: 1001 }));
    const s = r.toPart().series;
    assert.equal(s.first * 1000, T0);
    assert.deepEqual(s.bytes, [200, 400, 400, 1]);
    assert.equal(sum(s.bytes), 1001);
  });

  it('merges exactly: the parts of one phase add up to recording it in one place', () => {
    const ops = Array.from({ length: 40 }, (_, i) =>
      op({
        op: i % 3 === 0 ? 'GET' : 'PUT',
        start: T0 + i * 97,
        end: T0 + i * 97 + 50 + (i % 7) * 300,
        bytes: 1000 + i,
      }),
    );
    const whole = new PhaseRecorder(false);
    const a = new PhaseRecorder(false);
    const b = new PhaseRecorder(false);
    ops.forEach((o, i) => {
      whole.record(o);
      (i % 2 === 0 ? a : b).record(o);
    });
    // Histograms compared by what they hold (their encodings may differ in layout).
    const decoded = (p: PhasePart) => ({
      ...p,
      operations: Object.fromEntries(
        Object.entries(p.operations).map(([name, o]) => [
          name,
          {
            ...o,
            latencyUs: summarizeHistogram(decodeHistogram(o.latencyUs)),
            ttfbUs: summarizeHistogram(decodeHistogram(o.ttfbUs)),
          },
        ]),
      ),
    });
    assert.deepEqual(decoded(mergePhaseParts([a.toPart(), b.toPart()])), decoded(whole.toPart()));
    assert.deepEqual(decoded(mergePhaseParts([b.toPart(), a.toPart()])), decoded(whole.toPart()));
  });
});

describe('phase figures', () => {
  it('rates per operation over the phase, latency from the histograms', () => {
    const r = new PhaseRecorder(false);
    for (let i = 0; i < 10; i++)
      r.record(op({ op: 'PUT', start: T0 + i * 200, end: T0 + i * 200 + 20, bytes: 2e6 }));
    const figures = writePhaseFigures(r.toPart());
    // First start T0, last end T0 + 1820 ms.
    assert.equal(figures.seconds, 1.82);
    const put = figures.operations.PUT;
    assert.equal(put?.count, 10);
    assert.equal(put?.per_second, Number((10 / 1.82).toFixed(6)));
    assert.equal(put?.MB_per_second, Number((20 / 1.82).toFixed(6)));
    assert.ok(Math.abs((put?.latency.p50_ms ?? 0) - 20) < 0.05, `p50 ${put?.latency.p50_ms}`);
    assert.equal(put?.time_to_first_byte.count, 0, 'no first byte recorded: none reported');
  });

  it('fastest, median and slowest whole second; partly covered seconds left out', () => {
    const intervals = [5, 30, 10, 20, 7].map((mb, i) => ({
      startMs: T0 + i * 1000,
      bytes: mb * 1e6,
      requests: mb,
      objects: 1,
    }));
    // The phase from T0 + 0.4 s to T0 + 4.6 s: the first and last seconds are partial.
    const s = phaseSegments(intervals, 1000, T0 + 400, T0 + 4600);
    assert.equal(s?.count, 3);
    assert.deepEqual(
      [s?.fastest.MB_per_second, s?.median.MB_per_second, s?.slowest.MB_per_second],
      [30, 20, 10],
    );
    assert.equal(s?.fastest.start_s, 0.6);
    assert.equal(phaseSegments(intervals, 1000, T0 + 400, T0 + 1200), null, 'no whole second');
  });

  it("renders warp's table: one row per operation, PUT before its parts, then the segments", () => {
    const r = new PhaseRecorder(false);
    r.recordUploadRequest(upload({ op: 'UploadPart', start: T0, end: T0 + 30, bytes: 8e6 }));
    r.record(op({ op: 'PUT', start: T0, end: T0 + 10, bytes: 10 }));
    const lines = renderPhaseTable('WRITE', writePhaseFigures(r.toPart()));
    assert.match(
      lines[0] ?? '',
      /^\[WRITE\] operation\s+count\s+ops\/s\s+MB\/s\s+avg ms\s+p50\s+p90\s+p99\s+max\s+errors\s+retries$/,
    );
    assert.match(lines[1] ?? '', /^\[WRITE\] PUT\s+1\s/);
    assert.match(lines[2] ?? '', /^\[WRITE\] UploadPart\s+1\s/);
    assert.match(lines.at(-1) ?? '', /segments: none/);
    assert.deepEqual(operationFigures({}, 1), {});
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseContentRange, rangeHeader, rangeProblem, resolveRange } from '../../src/storage/range.ts';

describe('byte ranges', () => {
  it('writes HTTP Range headers with inclusive ends', () => {
    assert.equal(rangeHeader({ start: 0, end: 1 }), 'bytes=0-0');
    assert.equal(rangeHeader({ start: 100, end: 200 }), 'bytes=100-199');
    assert.equal(rangeHeader({ suffix: 65536 }), 'bytes=-65536');
  });

  it('rejects ranges no object could satisfy', () => {
    assert.equal(rangeProblem({ start: 0, end: 1 }), undefined);
    assert.equal(rangeProblem({ suffix: 1 }), undefined);
    for (const r of [
      { start: 5, end: 5 },
      { start: 6, end: 5 },
      { start: -1, end: 5 },
      { start: 0.5, end: 2 },
      { suffix: 0 },
    ]) {
      assert.ok(rangeProblem(r), JSON.stringify(r));
    }
  });

  it('clips like S3 and returns undefined where S3 answers 416', () => {
    assert.deepEqual(resolveRange({ start: 900, end: 5000 }, 1000), { start: 900, end: 1000 });
    assert.deepEqual(resolveRange({ start: 999, end: 1000 }, 1000), { start: 999, end: 1000 });
    assert.deepEqual(resolveRange({ suffix: 10 }, 1000), { start: 990, end: 1000 });
    assert.deepEqual(resolveRange({ suffix: 5000 }, 1000), { start: 0, end: 1000 });
    assert.equal(resolveRange({ start: 1000, end: 1001 }, 1000), undefined);
    assert.equal(resolveRange({ start: 0, end: 4 }, 0), undefined);
    assert.equal(resolveRange({ suffix: 4 }, 0), undefined);
  });

  it('parses Content-Range', () => {
    assert.deepEqual(parseContentRange('bytes 0-9/10'), { start: 0, end: 10, size: 10 });
    assert.deepEqual(parseContentRange('bytes 5-9/*'), { start: 5, end: 10, size: undefined });
    assert.equal(parseContentRange('items 0-1/2'), undefined);
  });
});

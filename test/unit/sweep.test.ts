/**
 * The sweep's logic without running anything (the CLI on real runs:
 * test/integration/sweep.test.ts): the --find-max search (grow, then
 * bisect; stop at a saturated or invalid point), its replay from sweep.json
 * (resume), a grid's answer over one key, a point's outcome from its
 * repeats' verdicts and AU, the mean ± sample stdev, and the answer's words.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanAndSpread } from '../../src/metrics/spread.ts';
import {
  type PointOutcome,
  pointOutcome,
  type RepeatResult,
  repeatDirName,
  type SweepJson,
  type SweepPoint,
  summarizePoint,
} from '../../src/metrics/sweep.ts';
import { gridStep, nextSearchValue, searchStep, sweepAnswer } from '../../src/metrics/sweep-search.ts';

/** Runs the search against an oracle; returns the values it visited and where it stopped. */
function search(oracle: (v: number) => PointOutcome, from = 1, max = 1024) {
  const outcomes = new Map<number, PointOutcome>();
  const visited: number[] = [];
  for (let i = 0; i < 100; i++) {
    const step = searchStep(outcomes, { from, max });
    if (!('next' in step)) return { visited, step };
    visited.push(step.next);
    outcomes.set(step.next, oracle(step.next));
  }
  throw new Error('the search did not end');
}

function repeat(
  au: number | null,
  status: 'valid' | 'warn' | 'invalid' = 'valid',
  codes: string[] = [],
): RepeatResult {
  return {
    repeat: 1,
    run_id: 'r',
    dir: 'runs/r',
    au_mean_percentage: au,
    throughput_samples_per_second: 100,
    io_MB_per_second: 1,
    read_phase_MB_per_second: 1,
    request_p50_ms: 1,
    request_p99_ms: 2,
    client_cpu_percentage: 10,
    verdict: { status, codes },
  };
}

function sweepOf(points: [number, RepeatResult[]][], repeats = 3): SweepJson {
  return {
    schema_version: 1,
    tool: 'pqbench',
    tool_version: '0',
    sweep_id: 's',
    workload: 'w',
    workload_file: 'w.yaml',
    overrides: [],
    base_config_hash: 'sha256:x',
    mode: 'find_max',
    vary: [],
    find_max: { key: 'run.accelerators', from: 1, max: 1024 },
    au_min_percentage: 90,
    repeats,
    started_utc: '',
    updated_utc: '',
    status: 'running',
    points: points.map(([v, rs]) =>
      summarizePoint(
        { label: `run.accelerators=${v}`, settings: { 'run.accelerators': v }, repeats: rs },
        repeats,
        90,
      ),
    ),
    answer: null,
  };
}

describe('--find-max search', () => {
  it('grows by doubling, then bisects to the largest passing value', () => {
    const { visited, step } = search((v) => (v <= 12 ? 'pass' : 'fail'));
    assert.deepEqual(visited, [1, 2, 4, 8, 16, 12, 14, 13]);
    assert.deepEqual(step, { done: 'max', passed: 12, stopped: 13 });
  });

  it('a maximum of a power of two, and of 1', () => {
    assert.deepEqual(search((v) => (v <= 8 ? 'pass' : 'fail')).step, { done: 'max', passed: 8, stopped: 9 });
    assert.deepEqual(search((v) => (v <= 1 ? 'pass' : 'fail')).step, { done: 'max', passed: 1, stopped: 2 });
  });

  it('nothing passes: none, found without trying values below the start twice', () => {
    const { visited, step } = search(() => 'fail');
    assert.deepEqual(visited, [1]);
    assert.deepEqual(step, { done: 'none', passed: null, stopped: 1 });
    // From 4: the values below it are searched too.
    const from4 = search((v) => (v <= 2 ? 'pass' : 'fail'), 4);
    assert.deepEqual(from4.visited, [4, 2, 3]);
    assert.deepEqual(from4.step, { done: 'max', passed: 2, stopped: 3 });
  });

  it('stops at a client-saturated or invalid point: neither is an answer', () => {
    const saturated = search((v) => (v <= 4 ? 'pass' : v <= 6 ? 'fail' : 'client_saturated'));
    assert.deepEqual(saturated.visited, [1, 2, 4, 8]);
    assert.deepEqual(saturated.step, { done: 'client_saturated', passed: 4, stopped: 8 });
    const invalid = search((v) => (v <= 4 ? 'pass' : v === 6 ? 'invalid' : 'fail'));
    assert.deepEqual(invalid.visited, [1, 2, 4, 8, 6]);
    assert.deepEqual(invalid.step, { done: 'invalid', passed: 4, stopped: 6 });
  });

  it('still passing at --max: the limit', () => {
    assert.deepEqual(search(() => 'pass', 1, 5).visited, [1, 2, 4, 5]);
    assert.deepEqual(search(() => 'pass', 1, 5).step, { done: 'limit', passed: 5, stopped: null });
  });

  it('resumes: from the outcomes in sweep.json it runs what is missing, a half-run point first', () => {
    const pass = [repeat(95), repeat(96), repeat(94)];
    const fail = [repeat(70), repeat(71), repeat(72)];
    // 1, 2 passed; 4 has one repeat of three.
    const resumed = sweepOf([
      [1, pass],
      [2, pass],
      [4, [repeat(70)]],
    ]);
    assert.equal(nextSearchValue(resumed), 4);
    assert.equal(
      nextSearchValue(
        sweepOf([
          [1, pass],
          [2, pass],
          [4, fail],
        ]),
      ),
      3,
    );
    assert.equal(
      nextSearchValue(
        sweepOf([
          [1, pass],
          [2, pass],
          [4, fail],
          [3, fail],
        ]),
      ),
      undefined,
    );
  });
});

describe('outcomes and answers', () => {
  it('a point passes on its mean AU; any client-saturated repeat saturates it; any invalid one voids it', () => {
    assert.equal(pointOutcome([repeat(91), repeat(89.5)], 90), 'pass');
    assert.equal(pointOutcome([repeat(89), repeat(90.5)], 90), 'fail');
    assert.equal(pointOutcome([repeat(99, 'warn', ['page_cache'])], 90), 'pass');
    assert.equal(
      pointOutcome([repeat(99), repeat(99, 'invalid', ['client_saturated'])], 90),
      'client_saturated',
    );
    assert.equal(pointOutcome([repeat(99), repeat(99, 'invalid', ['not_overlapping'])], 90), 'invalid');
    assert.equal(pointOutcome([repeat(null)], 90), 'fail');
  });

  it('mean ± the sample standard deviation (n − 1)', () => {
    assert.deepEqual(meanAndSpread([2, 4, 4, 4, 5, 5, 7, 9]), {
      mean: 5,
      stdev: Math.sqrt(32 / 7),
      count: 8,
    });
    assert.deepEqual(meanAndSpread([3, null]), { mean: 3, stdev: null, count: 1 });
    assert.deepEqual(meanAndSpread([]), { mean: null, stdev: null, count: 0 });
  });

  it("says the answer in the issue's words", () => {
    const at = (...aus: number[]) => aus.map((a) => repeat(a));
    const sweep = sweepOf([
      [1, at(99, 99, 99)],
      [2, at(98, 98, 98)],
      [4, at(95, 96, 97)],
      [8, at(93, 93, 93)],
      [16, at(50, 50, 50)],
      [12, at(90.4, 91.2, 92)],
      [14, at(80, 80, 80)],
      [13, at(85.3, 86.4, 87.5)],
    ]);
    assert.equal(
      sweepAnswer(sweep)?.text,
      'max accelerators at AU ≥ 90 %: 12 (3 repeats, AU 91.2 ± 0.8); 13 fails (AU 86.4 ± 1.1)',
    );
    const saturated = sweepOf([
      [1, at(99, 99, 99)],
      [2, [repeat(99), repeat(60, 'invalid', ['client_saturated']), repeat(99)]],
    ]);
    assert.equal(
      sweepAnswer(saturated)?.text,
      'client saturated at 2 accelerators before the storage: add hosts (max accelerators at AU ≥ 90 %: at least 1 (3 repeats, AU 99.0 ± 0.0))',
    );
    const invalid = sweepOf([[1, [repeat(99, 'invalid', ['not_overlapping']), repeat(99), repeat(99)]]]);
    assert.equal(
      sweepAnswer(invalid)?.text,
      'no answer: run.accelerators=1 is invalid (not_overlapping): its figures do not measure the storage',
    );
    assert.equal(sweepAnswer(sweepOf([[1, at(99, 99)]])), null, 'no answer while a point is incomplete');
  });

  it('a grid over one numeric key is answered the same way, in ascending order', () => {
    const o = (entries: [number, PointOutcome][]) => new Map(entries);
    assert.deepEqual(
      gridStep(
        o([
          [4, 'fail'],
          [1, 'pass'],
          [2, 'pass'],
        ]),
      ),
      { done: 'max', passed: 2, stopped: 4 },
    );
    assert.deepEqual(
      gridStep(
        o([
          [1, 'pass'],
          [2, 'pass'],
        ]),
      ),
      { done: 'limit', passed: 2, stopped: null },
    );
    assert.deepEqual(gridStep(o([[1, 'client_saturated']])), {
      done: 'client_saturated',
      passed: null,
      stopped: 1,
    });
  });

  it('names repeat folders with the characters a run id may hold', () => {
    assert.equal(
      repeatDirName(2, { 'run.accelerators': 4, 'storage.storage_root': 'a b/c' }, 1),
      'p03-run.accelerators-4_storage.storage_root-a_b_c-r1',
    );
    const point: SweepPoint = summarizePoint({ label: 'x', settings: {}, repeats: [repeat(95)] }, 2, 90);
    assert.equal(point.outcome, null, 'no outcome before every repeat ran');
    assert.equal(point.mean?.au_mean_percentage, 95);
  });
});

/**
 * The verdict: each reason computed from what was measured, at its documented
 * threshold, through the same merge a run's results come from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWorkload } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { combineClient, type HostCpu } from '../../src/metrics/client.ts';
import { mergePartials } from '../../src/metrics/merge.ts';
import {
  type AcceleratorPartial,
  assemblePartial,
  IoRecorder,
  StepRecorder,
} from '../../src/metrics/partial.ts';
import { renderVerdict } from '../../src/metrics/table.ts';
import { judgeRun, VERDICT_LIMITS, type VerdictFacts } from '../../src/metrics/verdict.ts';
import { barrierTrace, type RankSpec } from './helpers/trace.ts';

const T0 = Date.UTC(2026, 0, 1);

const host = (over: Partial<HostCpu> = {}): HostCpu => ({
  id: 'h:1:0',
  host: 'h',
  cores: 2,
  wallUs: 1_000_000,
  usrUs: 200_000,
  sysUs: 100_000,
  series: null,
  ...over,
});

/**
 * Accelerators at one barrier for `steps` steps per epoch, configured for
 * `target` ms of compute and measured at `spec.compute`; one GET of
 * `spec.bytes` per step, issued at step `getsAtStep` (or every step).
 */
function run(
  specs: (RankSpec & { target: number; offsetMs?: number })[],
  steps: number,
  options: { gets?: 'every step' | 'first step'; hostCpu?: HostCpu } = {},
): AcceleratorPartial[] {
  const trace = barrierTrace(specs, steps, 8, T0);
  return specs.map((spec, k) => {
    const recorder = new StepRecorder({ start: 1, end: 0 });
    const io = new IoRecorder();
    const shift = spec.offsetMs ?? 0;
    recorder.beginEpoch(0, trace.blockStart + shift, steps, 0);
    io.beginEpoch(0);
    for (const [i, raw] of (trace.steps[k] ?? []).entries()) {
      const step = {
        ...raw,
        loadStart: raw.loadStart + shift,
        batchReady: raw.batchReady + shift,
        computeStart: raw.computeStart + shift,
        computeEnd: raw.computeEnd + shift,
        end: raw.end + shift,
        computeTarget: spec.target,
      };
      if (options.gets === 'first step') {
        // The loaders received everything during step 0.
        const total = (spec.bytes ?? 0) * steps;
        step.bytesAtStart = i === 0 ? 0 : total;
        step.bytesAtEnd = total;
      }
      if (options.gets !== 'first step' || i === 0) {
        const bytes = options.gets === 'first step' ? (spec.bytes ?? 0) * steps : (spec.bytes ?? 0);
        io.record({
          op: 'GET',
          key: `k${i}`,
          bytes,
          start: step.loadStart,
          end: step.batchReady,
          status: 206,
          retries: 0,
          thread: k,
        });
      }
      recorder.recordStep(step);
    }
    recorder.endEpoch(trace.blockEnd + shift);
    return assemblePartial(
      { accelerator: k, host: 'h', randomSeed: null },
      recorder.toPart(),
      [io.toPart()],
      options.hostCpu,
    );
  });
}

const plan = (accelerators: number) => resolveRun(defaultWorkload([`run.accelerators=${accelerators}`]));
const ctx = { runId: 'r', configHash: 'sha256:x' };
const codes = (partials: AcceleratorPartial[], accelerators = partials.length, extra = {}) =>
  mergePartials(plan(accelerators), partials, { ...ctx, ...extra }).summary.verdict;

describe('verdict', () => {
  it('a run that measured the storage is valid', () => {
    const v = codes(run([{ load: 2, compute: 5, target: 5, bytes: 1000 }], 40, { hostCpu: host() }));
    assert.deepEqual(v, { status: 'valid', reasons: [] });
  });

  it('client_saturated: compute per step over its draws by more than 5 % (and 25 µs)', () => {
    // 5 ms configured: 5 % is 250 µs. 5.2 ms is within, 5.3 ms over.
    const within = codes(run([{ load: 1, compute: 5.2, target: 5, bytes: 1 }], 40));
    assert.equal(within.status, 'valid', JSON.stringify(within));
    const over = codes(run([{ load: 1, compute: 5.3, target: 5, bytes: 1 }], 40));
    assert.equal(over.status, 'invalid');
    assert.deepEqual(
      over.reasons.map((r) => r.code),
      ['client_saturated'],
    );
    assert.match(over.reasons[0]?.detail ?? '', /300 µs per step over the configured 5000 µs/);
    // 0.3 ms configured: 5 % is 15 µs, so 25 µs is the limit.
    assert.equal(codes(run([{ load: 1, compute: 0.32, target: 0.3, bytes: 1 }], 40)).status, 'valid');
    assert.equal(codes(run([{ load: 1, compute: 0.33, target: 0.3, bytes: 1 }], 40)).status, 'invalid');
  });

  it('client_saturated: the busiest host at ≥ 90 % of its cores, or threads waiting for a CPU', () => {
    const busy = host({ usrUs: 1_700_000, sysUs: 100_000 });
    const v = codes(run([{ load: 1, compute: 5, target: 5, bytes: 1 }], 40, { hostCpu: busy }));
    assert.equal(v.status, 'invalid');
    assert.match(v.reasons[0]?.detail ?? '', /client CPU 90\.0 % of 2 core\(s\) on h/);
    const facts: VerdictFacts = {
      compute: null,
      cpu: {
        busiestHost: null,
        acceleratorWaitShare: 0.01,
        loaderWaitShare: VERDICT_LIMITS.runQueueWaitShare,
      },
      coverage: { fewest: null, byteShare: null, windowMBps: null, readPhaseMBps: null },
      overlap: null,
      late: null,
      missing: null,
      pageCache: null,
    };
    const waiting = judgeRun(facts);
    assert.equal(waiting.status, 'invalid');
    assert.match(
      waiting.reasons[0]?.detail ?? '',
      /^loader threads were ready to run but waited for a CPU 10\.0 % of their time/,
    );
    assert.equal(judgeRun({ ...facts, cpu: { ...facts.cpu!, loaderWaitShare: 0.09 } }).status, 'valid');
  });

  it('window_coverage: fewer than 10 window steps, or most bytes read outside the window', () => {
    const short = codes(run([{ load: 1, compute: 5, target: 5, bytes: 1 }], 10));
    assert.equal(short.status, 'warn');
    assert.match(
      short.reasons[0]?.detail ?? '',
      /accelerator 0 had 9 step\(s\) in the metric window of epoch 1/,
    );
    // Every byte arrives in step 0, which the metric window excludes.
    const early = mergePartials(
      plan(1),
      run([{ load: 1, compute: 5, target: 5, bytes: 1000 }], 40, { gets: 'first step' }),
      ctx,
    ).summary;
    assert.equal(early.io.window_bytes, 0);
    assert.equal(early.verdict.status, 'warn');
    assert.deepEqual(
      early.verdict.reasons.map((r) => r.code),
      ['window_coverage'],
    );
    assert.ok((early.io.read_phase_MB_per_second ?? 0) > 0);
    assert.match(
      early.verdict.reasons[0]?.detail ?? '',
      /only 0\.0 % of the bytes .* over the read phase \(first request to last byte\) it was [0-9.]+ MB\/s/,
    );
  });

  it('not_overlapping: accelerators whose windows overlap less than 90 % of the span', () => {
    const together = codes(
      run(
        [
          { load: 1, compute: 5, target: 5 },
          { load: 1, compute: 5, target: 5 },
        ],
        40,
      ),
    );
    assert.equal(together.status, 'valid');
    // The second accelerator's steps run 150 ms later: its window overlaps the first's by about half.
    const apart = codes(
      run(
        [
          { load: 1, compute: 5, target: 5 },
          { load: 1, compute: 5, target: 5, offsetMs: 150 },
        ],
        40,
      ),
    );
    assert.equal(apart.status, 'invalid');
    assert.match(
      apart.reasons[0]?.detail ?? '',
      /the 2 accelerators all ran together for \d+\.\d % of the measured span/,
    );
  });

  it('late_start: names the rank and tells late-to-ready from late-to-first-step', () => {
    const base: VerdictFacts = {
      compute: null,
      cpu: null,
      coverage: { fewest: null, byteShare: null, windowMBps: null, readPhaseMBps: null },
      overlap: null,
      missing: null,
      pageCache: null,
      late: {
        of: 'ranks',
        spanMs: 60_000,
        late: [
          { id: 0, host: 'a', lateMs: 3, readyBeforeStartMs: 2000 },
          { id: 2, host: 'c', lateMs: 20_000, readyBeforeStartMs: 1500 },
        ],
      },
    };
    const busy = judgeRun(base);
    assert.equal(busy.status, 'invalid');
    assert.match(
      busy.reasons[0]?.detail ?? '',
      /^1 ranks began after the common start: rank 2 \(c\) 20\.0 s;/,
    );
    assert.match(busy.reasons[0]?.detail ?? '', /not a start-margin problem/);
    const margin = judgeRun({
      ...base,
      late: { ...base.late!, late: [{ id: 1, host: 'b', lateMs: 500, readyBeforeStartMs: -400 }] },
    });
    assert.equal(margin.status, 'warn');
    assert.match(margin.reasons[0]?.detail ?? '', /raise the start margin/);
  });

  it('missing_ranks / failed_readers with counts, and page_cache as a warning', () => {
    const facts: VerdictFacts = {
      compute: null,
      cpu: null,
      coverage: { fewest: null, byteShare: null, windowMBps: null, readPhaseMBps: null },
      overlap: null,
      late: null,
      missing: { of: 'readers', expected: 50, missing: 2, examples: ['accelerator 7', 'accelerator 9'] },
      pageCache: 'the local dataset is smaller than free RAM',
    };
    const v = judgeRun(facts);
    assert.equal(v.status, 'invalid');
    assert.deepEqual(
      v.reasons.map((r) => [r.code, r.severity]),
      [
        ['failed_readers', 'invalid'],
        ['page_cache', 'warn'],
      ],
    );
    assert.match(v.reasons[0]?.detail ?? '', /^2 of 50 reader\(s\) failed \(accelerator 7; accelerator 9\)/);
    assert.equal(judgeRun({ ...facts, missing: null }).status, 'warn');
    const lines = renderVerdict(v);
    assert.equal(
      lines.at(-1),
      '[VERDICT] invalid: failed_readers, page_cache — these figures do not measure the storage',
    );
  });

  it('the client CPU of a host counts once however many accelerators it ran', () => {
    const partials = run(
      [
        { load: 1, compute: 5, target: 5 },
        { load: 1, compute: 5, target: 5 },
      ],
      20,
      { hostCpu: host() },
    );
    const merged = combineClient(partials.map((p) => p.client));
    assert.equal(merged?.hosts.length, 1);
    const { summary } = mergePartials(plan(2), partials, ctx);
    assert.equal(summary.client?.hosts_count, 1);
    assert.equal(summary.client?.cpu_usr_s, 0.2);
    assert.equal(summary.client?.cpu_utilisation_percentage, 15);
    assert.equal(summary.client?.compute?.steps, 38);
  });
});

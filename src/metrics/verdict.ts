/**
 * Whether a run measured the storage (SPEC §6): a verdict computed from what
 * was measured, never from what was configured alone. A benchmark client
 * that ran out of CPU, a metric window that held almost none of the reads,
 * readers that never ran together or a page cache in front of the disk each
 * give a number that is not the storage's; the verdict names which, with
 * the figures, and says what to change.
 *
 * Every threshold is in VERDICT_LIMITS (documented in docs/results.md); the
 * facts come from derive.ts (the run's own figures) and from the place the
 * run ran (multi-host ranks, cloud readers), given as plain data.
 */

export type VerdictStatus = 'valid' | 'warn' | 'invalid';

export type VerdictCode =
  | 'client_saturated'
  | 'window_coverage'
  | 'not_overlapping'
  | 'late_start'
  | 'missing_ranks'
  | 'failed_readers'
  | 'page_cache';

export interface VerdictReason {
  code: VerdictCode;
  /** What this reason alone makes of the run. */
  severity: Exclude<VerdictStatus, 'valid'>;
  detail: string;
}

export interface Verdict {
  status: VerdictStatus;
  reasons: VerdictReason[];
}

export const VERDICT_LIMITS = {
  /** Mean compute per step may exceed the configured mean by this share or by computeOverUs, whichever is larger. */
  computeOverShare: 0.05,
  computeOverUs: 25,
  /** Process CPU (usr + sys) over the measured phase ÷ (its wall time × the cores it may use). */
  cpuUtilisation: 0.9,
  /**
   * Run-queue wait ÷ wall time of the accelerator or loader threads: the
   * share of their time they were ready to run but had no CPU (measured on a
   * shared 2-core host: 2–3 % for 1 accelerator × 1 loader, 16–21 % and
   * 48 % for 8 accelerators × 2 loaders pinned to one core).
   */
  runQueueWaitShare: 0.1,
  /** Steps in the metric window, per accelerator and epoch. */
  minWindowSteps: 10,
  /** Bytes read inside the metric windows ÷ all bytes read. */
  minWindowByteShare: 0.5,
  /** Time all accelerators / ranks / readers ran together ÷ the span from the first one's window start to the last one's end. */
  minOverlapShare: 0.9,
  /** A rank or reader whose first step began this long after the common start is late. */
  lateMs: 100,
  /** Lateness beyond this share of the run's measured span makes the run invalid (below, a warning). */
  lateInvalidShare: 0.1,
  /** Failed or missing readers / ranks the run may lose and stay a warning (share of all); beyond: invalid. */
  maxMissingShare: 0,
} as const;

/** Mean compute per step as configured (the draws) and as measured, over the metric windows. */
export interface ComputeFacts {
  steps: number;
  configuredMs: number;
  measuredMs: number;
}

/** The busiest client host and how its threads waited for a CPU. */
export interface CpuFacts {
  busiestHost: { host: string; cores: number; utilisation: number } | null;
  /** Run-queue wait shares (0–1); null where the platform has no per-thread scheduler statistics. */
  acceleratorWaitShare: number | null;
  loaderWaitShare: number | null;
}

export interface CoverageFacts {
  /** The fewest window steps of any accelerator in any epoch, and where. */
  fewest: { steps: number; accelerator: number; epoch: number } | null;
  /** Bytes inside the windows ÷ all bytes read; null when nothing was read. */
  byteShare: number | null;
  /** The window's rate and the read phase's (first request to last byte), MB/s; for the detail. */
  windowMBps: number | null;
  readPhaseMBps: number | null;
}

/** How long everything that should run together did. */
export interface OverlapFacts {
  /** accelerators (one host), ranks (multi-host) or readers (cloud). */
  of: 'accelerators' | 'ranks' | 'readers';
  count: number;
  /** Together ÷ span (0–1); null when they never all ran at once. */
  share: number | null;
}

export interface LateFacts {
  of: 'ranks' | 'readers';
  /** Measured span of the run (ms), the scale lateness is judged against. */
  spanMs: number;
  late: {
    id: number;
    host: string;
    /** ms after the common start that its first step began. */
    lateMs: number;
    /** ms it became ready before the common start (negative: after it); null if unknown. */
    readyBeforeStartMs: number | null;
  }[];
}

export interface MissingFacts {
  of: 'ranks' | 'readers';
  expected: number;
  missing: number;
  /** The first few ids and (readers) their first error. */
  examples: string[];
}

export interface VerdictFacts {
  compute: ComputeFacts | null;
  cpu: CpuFacts | null;
  coverage: CoverageFacts;
  overlap: OverlapFacts | null;
  late: LateFacts | null;
  missing: MissingFacts | null;
  /** The page-cache notice, when the dataset may be served from RAM. */
  pageCache: string | null;
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
const us = (ms: number) => `${Math.round(ms * 1000)} µs`;
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);

function computeReason(c: ComputeFacts | null): VerdictReason[] {
  if (!c || c.steps === 0) return [];
  const configured = c.configuredMs / c.steps;
  const over = (c.measuredMs - c.configuredMs) / c.steps;
  const tolerance = Math.max(
    configured * VERDICT_LIMITS.computeOverShare,
    VERDICT_LIMITS.computeOverUs / 1000,
  );
  if (over <= tolerance) return [];
  return [
    {
      code: 'client_saturated',
      severity: 'invalid',
      detail:
        `simulated compute ran ${us(over)} per step over the configured ${us(configured)} ` +
        `(mean of ${c.steps} window steps; limit ${us(tolerance)}): the accelerator threads did not get a CPU on time, ` +
        'so AU and throughput measure the client. Use fewer accelerators or read_threads per host, or more hosts',
    },
  ];
}

function cpuReasons(c: CpuFacts | null): VerdictReason[] {
  if (!c) return [];
  const reasons: VerdictReason[] = [];
  const busiest = c.busiestHost;
  if (busiest && busiest.utilisation >= VERDICT_LIMITS.cpuUtilisation) {
    reasons.push({
      code: 'client_saturated',
      severity: 'invalid',
      detail:
        `client CPU ${pct(busiest.utilisation)} of ${busiest.cores} core(s) on ${busiest.host} over the run ` +
        `(limit ${pct(VERDICT_LIMITS.cpuUtilisation)}): the client, not the storage, may be the bottleneck. ` +
        'Use fewer accelerators or read_threads per host, decode: false, or more hosts',
    });
  }
  const waits: [string, number | null][] = [
    ['accelerator', c.acceleratorWaitShare],
    ['loader', c.loaderWaitShare],
  ];
  for (const [role, share] of waits) {
    if (share === null || share < VERDICT_LIMITS.runQueueWaitShare) continue;
    reasons.push({
      code: 'client_saturated',
      severity: 'invalid',
      detail:
        `${role} threads were ready to run but waited for a CPU ${pct(share)} of their time ` +
        `(run-queue wait from /proc schedstat; limit ${pct(VERDICT_LIMITS.runQueueWaitShare)}): ` +
        'request latency and step times include CPU queueing. Use fewer threads per core',
    });
  }
  return reasons;
}

const rate = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)} MB/s`);

function coverageReasons(c: CoverageFacts): VerdictReason[] {
  const reasons: VerdictReason[] = [];
  if (c.fewest && c.fewest.steps < VERDICT_LIMITS.minWindowSteps) {
    reasons.push({
      code: 'window_coverage',
      severity: 'warn',
      detail:
        `accelerator ${c.fewest.accelerator} had ${c.fewest.steps} step(s) in the metric window of epoch ${c.fewest.epoch + 1} ` +
        `(at least ${VERDICT_LIMITS.minWindowSteps} wanted): AU and throughput rest on too few steps. ` +
        'Use more files or samples per accelerator, a smaller batch_size, or fewer excluded steps',
    });
  }
  if (c.byteShare !== null && c.byteShare < VERDICT_LIMITS.minWindowByteShare) {
    reasons.push({
      code: 'window_coverage',
      severity: 'warn',
      detail:
        `only ${pct(c.byteShare)} of the bytes were read inside the metric window (at least ` +
        `${pct(VERDICT_LIMITS.minWindowByteShare)} wanted): the window's rate ${rate(c.windowMBps)} ` +
        `does not describe the reads; over the read phase (first request to last byte) it was ${rate(c.readPhaseMBps)}`,
    });
  }
  return reasons;
}

function overlapReason(o: OverlapFacts | null): VerdictReason[] {
  if (!o || o.count <= 1) return [];
  if (o.share !== null && o.share >= VERDICT_LIMITS.minOverlapShare) return [];
  const how =
    o.share === null
      ? `the ${o.count} ${o.of} never all ran at once`
      : `the ${o.count} ${o.of} all ran together for ${pct(o.share)} of the measured span`;
  return [
    {
      code: 'not_overlapping',
      severity: 'invalid',
      detail:
        `${how} (at least ${pct(VERDICT_LIMITS.minOverlapShare)} wanted): the storage never carried the full load, ` +
        'and summed per-accelerator rates overstate what it sustained',
    },
  ];
}

function lateReason(l: LateFacts | null): VerdictReason[] {
  if (!l) return [];
  const late = l.late.filter((x) => x.lateMs > VERDICT_LIMITS.lateMs).sort((a, b) => b.lateMs - a.lateMs);
  if (late.length === 0) return [];
  const worst = late[0] as LateFacts['late'][number];
  const one = l.of === 'ranks' ? 'rank' : 'reader';
  const names = late
    .slice(0, 5)
    .map((x) => `${one} ${x.id} (${x.host}) ${ms(x.lateMs)}`)
    .join(', ');
  const readyLate = late.filter((x) => x.readyBeforeStartMs !== null && x.readyBeforeStartMs < 0);
  const diagnosis =
    readyLate.length > 0
      ? `${readyLate.length} became ready only after the common start: raise the start margin (--start-margin)`
      : worst.readyBeforeStartMs !== null
        ? `they were ready before the common start (${worst.host} ${ms(worst.readyBeforeStartMs)} ahead) but began their first step late: ` +
          'not a start-margin problem — their host was busy, paused or swapping; check it'
        : 'check what held them between the go and their first step';
  return [
    {
      code: 'late_start',
      severity: worst.lateMs > l.spanMs * VERDICT_LIMITS.lateInvalidShare ? 'invalid' : 'warn',
      detail: `${late.length} ${l.of} began after the common start: ${names}${late.length > 5 ? ', …' : ''}; ${diagnosis}`,
    },
  ];
}

function missingReason(m: MissingFacts | null): VerdictReason[] {
  if (!m || m.missing === 0) return [];
  const share = m.missing / Math.max(1, m.expected);
  const code: VerdictCode = m.of === 'ranks' ? 'missing_ranks' : 'failed_readers';
  const what = m.of === 'ranks' ? 'rank(s) left no partial' : 'reader(s) failed';
  return [
    {
      code,
      severity: share > VERDICT_LIMITS.maxMissingShare ? 'invalid' : 'warn',
      detail:
        `${m.missing} of ${m.expected} ${what}${m.examples.length > 0 ? ` (${m.examples.join('; ')})` : ''}: ` +
        'their accelerators are not in the figures, and the load the storage carried was smaller than configured',
    },
  ];
}

export function judgeRun(facts: VerdictFacts): Verdict {
  const reasons = [
    ...computeReason(facts.compute),
    ...cpuReasons(facts.cpu),
    ...coverageReasons(facts.coverage),
    ...overlapReason(facts.overlap),
    ...lateReason(facts.late),
    ...missingReason(facts.missing),
    ...(facts.pageCache ? [{ code: 'page_cache', severity: 'warn', detail: facts.pageCache } as const] : []),
  ];
  const status: VerdictStatus = reasons.some((r) => r.severity === 'invalid')
    ? 'invalid'
    : reasons.length > 0
      ? 'warn'
      : 'valid';
  return { status, reasons };
}

/** The verdict in one line for people: `valid`, or `invalid: client_saturated, window_coverage`. */
export function verdictLine(v: Verdict): string {
  if (v.status === 'valid') return 'valid';
  return `${v.status}: ${[...new Set(v.reasons.map((r) => r.code))].join(', ')}`;
}

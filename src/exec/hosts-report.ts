/**
 * hosts.json: the multi-host part of a run's results, beside summary.json and
 * outside the measured window — what cloud.json is to a Lambda run. How well
 * the ranks met the common start, who straggled, how far their clocks
 * differ, and each host's own figures (the same merge, over its accelerators).
 * Pure; rank-merge.ts does the I/O.
 */

import { distribution } from '../metrics/distribution.ts';
import type { HostFigures, HostsReport } from '../metrics/hosts-file.ts';
import { type MergePlan, mergePartials } from '../metrics/merge.ts';
import type { AcceleratorPartial } from '../metrics/partial.ts';

export type { HostFigures, HostsReport } from '../metrics/hosts-file.ts';

/** A rank whose first epoch began (or whose last ended) more than this after the others missed the start / straggled. */
export const LATE_TOLERANCE_MS = 100;

/** One rank's ready record as rank 0 received it. */
export interface ReadyFacts {
  rank: number;
  host: string;
  pid: number;
  /** The rank's clock just before it wrote the record, and when the storage stored it (storage clock). */
  sentAt: number;
  storedAt: number | undefined;
}

/** One rank's partial as rank 0 received it. */
export interface PartialFacts {
  rank: number;
  host: string;
  accelerators: number[];
  partials: AcceleratorPartial[];
  /** Ready → common start by the rank's clock (negative: it was ready after the start). */
  waitForStartMs: number;
  /** First epoch start − common start, by the rank's clock. */
  lateMs: number;
}

export interface HostsReportInput {
  runId: string;
  launcher: string;
  world: number;
  startAt: number;
  marginMs: number;
  readies: ReadyFacts[];
  partials: PartialFacts[];
  plan: MergePlan;
  configHash: string;
}

/** Clock of each rank minus rank 0's: (storedAt − sentAt) of rank 0 minus that of the rank (upload time cancels out to its jitter). */
function clockOffsets(readies: ReadyFacts[]): { offsets: Map<number, number>; resolution: number | null } {
  const zero = readies.find((r) => r.rank === 0);
  const offsets = new Map<number, number>();
  const stamped = readies.filter((r) => r.storedAt !== undefined);
  if (!zero || zero.storedAt === undefined) return { offsets, resolution: null };
  const base = zero.storedAt - zero.sentAt;
  for (const r of stamped) offsets.set(r.rank, base - ((r.storedAt as number) - r.sentAt));
  const resolution = stamped.every((r) => (r.storedAt as number) % 1000 === 0) ? 1000 : 1;
  return { offsets, resolution };
}

const finishOf = (p: PartialFacts) => Math.max(...p.partials.map((a) => a.end));
/** Milliseconds to the microsecond: the timers' precision, not their float noise. */
const ms = (x: number) => Number(x.toFixed(3));
const round = (x: number | null) => (x === null ? null : ms(x));

function hostFigures(
  p: PartialFacts,
  input: HostsReportInput,
  extra: Pick<HostFigures, 'pid' | 'clock_offset_ms' | 'finish_after_first_ms'>,
): HostFigures {
  const { summary: s } = mergePartials(input.plan, p.partials, {
    runId: input.runId,
    configHash: input.configHash,
    numHosts: 1,
  });
  return {
    rank: p.rank,
    host: p.host,
    accelerators: p.accelerators,
    ...extra,
    wait_for_start_ms: p.waitForStartMs,
    late_ms: p.lateMs,
    samples: s.steps.samples,
    steps: s.steps.total,
    bytes_transferred: s.io.bytes_transferred,
    requests: s.requests.total,
    get_requests: s.requests.GET?.count ?? 0,
    au_mean_percentage: s.metric.train_au_mean_percentage,
    throughput_mean_samples_per_second: s.metric.train_throughput_mean_samples_per_second,
    io_mean_MB_per_second: s.io.mean_MB_per_second,
    cpu_utilisation_percentage: s.client?.cpu_utilisation_percentage ?? null,
  };
}

export function hostsReport(input: HostsReportInput): HostsReport {
  const partials = [...input.partials]
    .sort((a, b) => a.rank - b.rank)
    .map((p) => ({ ...p, waitForStartMs: ms(p.waitForStartMs), lateMs: ms(p.lateMs) }));
  const reported = new Set(partials.map((p) => p.rank));
  const { offsets, resolution } = clockOffsets(input.readies);
  const firstFinish = Math.min(...partials.map(finishOf));
  const after = new Map(partials.map((p) => [p.rank, ms(finishOf(p) - firstFinish)]));
  const pids = new Map(input.readies.map((r) => [r.rank, r.pid]));
  const offsetValues = [...offsets.values()];
  return {
    schema_version: 1,
    run_id: input.runId,
    launcher: input.launcher,
    world: input.world,
    ranks_reported: partials.length,
    missing_ranks: Array.from({ length: input.world }, (_, r) => r).filter((r) => !reported.has(r)),
    start_at: new Date(input.startAt).toISOString(),
    start_margin_ms: input.marginMs,
    rank_wait_for_start_ms: distribution(partials.map((p) => p.waitForStartMs)),
    rank_late_ms: distribution(partials.map((p) => p.lateMs)),
    ranks_late: partials.filter((p) => p.lateMs > LATE_TOLERANCE_MS).length,
    rank_finish_after_first_ms: distribution([...after.values()]),
    stragglers: partials
      .map((p) => ({ rank: p.rank, host: p.host, finish_after_first_ms: after.get(p.rank) as number }))
      .filter((s) => s.finish_after_first_ms > LATE_TOLERANCE_MS)
      .sort((a, b) => b.finish_after_first_ms - a.finish_after_first_ms)
      .slice(0, 10),
    clock: {
      basis:
        "each rank's ready record: the storage's timestamp minus the rank's clock when it sent the record, compared with rank 0's; start, late and finish times are by each rank's own clock",
      resolution_ms: resolution,
      offset_vs_rank0_ms: distribution(offsetValues),
      skew_ms: offsetValues.length > 0 ? Math.max(...offsetValues) - Math.min(...offsetValues) : null,
    },
    hosts: partials.map((p) =>
      hostFigures(p, input, {
        pid: pids.get(p.rank) ?? null,
        clock_offset_ms: round(offsets.get(p.rank) ?? null),
        finish_after_first_ms: after.get(p.rank) as number,
      }),
    ),
  };
}

/** What summary.json must say about the hosts (the details are in hosts.json). */
export function hostsNotices(report: HostsReport): string[] {
  const notices = [
    `multi-host: ${report.ranks_reported} of ${report.world} ranks (${report.launcher}) merged; common start, stragglers and clock skew in hosts.json`,
  ];
  if (report.missing_ranks.length > 0) {
    const shown = report.missing_ranks.slice(0, 20).join(', ');
    notices.push(
      `${report.missing_ranks.length} rank(s) left no partial: ${shown}${report.missing_ranks.length > 20 ? ', …' : ''}; their accelerators are not in the figures`,
    );
  }
  if (report.ranks_late > 0) {
    const readyLate = report.hosts.filter((h) => h.late_ms > LATE_TOLERANCE_MS && h.wait_for_start_ms < 0);
    notices.push(
      `${report.ranks_late} rank(s) began their first step after the common start (max ${report.rank_late_ms.max} ms late): ` +
        (readyLate.length > 0
          ? `${readyLate.length} became ready only after it: raise --start-margin`
          : 'they were ready in time, so a larger --start-margin would not help: their hosts were busy or paused (see the verdict)'),
    );
  }
  const skew = report.clock.skew_ms;
  if (skew !== null && skew > Math.max(1000, report.start_margin_ms / 2)) {
    notices.push(
      `the ranks' clocks differ by up to ${Math.round(skew)} ms (resolution ${report.clock.resolution_ms} ms): the common start was that far apart in real time; synchronise the clocks (NTP)`,
    );
  }
  return notices;
}

/** The multi-host lines under the summary table, from a run's hosts.json. */
export function hostsLines(report: HostsReport): string[] {
  const ms = (v: number | null) => (v === null ? 'n/a' : String(Math.round(v)));
  const slowest = report.stragglers[0];
  return [
    `[HOSTS] Ranks: ${report.ranks_reported} of ${report.world} (${report.launcher}); common start margin ${report.start_margin_ms} ms, tightest rank had ${ms(report.rank_wait_for_start_ms.min)} ms to spare; ${report.ranks_late} rank(s) late`,
    `[HOSTS] Finish spread ${ms(report.rank_finish_after_first_ms.max)} ms${slowest ? ` (slowest: rank ${slowest.rank} on ${slowest.host})` : ''}; clock skew ${ms(report.clock.skew_ms)} ms (resolution ${ms(report.clock.resolution_ms)} ms)`,
  ];
}

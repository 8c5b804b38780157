/**
 * The facts a verdict is judged on (verdict.ts), taken from a combined run:
 * compute per step against its configured draws, the client's CPU, how much
 * of the run the metric window covered, and how long the accelerators ran
 * together. Facts only the place of the run knows (ranks, readers, the page
 * cache of a local disk) come in as `PlacementFacts`.
 */
import type { ClientAggregate } from './client.ts';
import { hostUtilisation, waitShare } from './client.ts';
import type { RunAggregate } from './combine.ts';
import {
  type ComputeFacts,
  type CoverageFacts,
  type CpuFacts,
  judgeRun,
  type LateFacts,
  type MissingFacts,
  type OverlapFacts,
  type Verdict,
} from './verdict.ts';

/** What the place a run ran in knows: filled by multi-host merges and the cloud aggregate. */
export interface PlacementFacts {
  /** Who must run together: accelerators of one host (default), ranks, or readers. */
  overlapOf?: OverlapFacts['of'];
  /** Replaces the overlap computed from the accelerators' windows (cloud: from the readers' progress). */
  overlap?: OverlapFacts;
  late?: LateFacts;
  missing?: MissingFacts;
}

export function computeFacts(run: RunAggregate): ComputeFacts | null {
  let steps = 0;
  let configuredMs = 0;
  let measuredMs = 0;
  for (const e of run.epochs) {
    for (const a of e.accelerators) {
      if (a.window.steps === 0 || a.window.computeTargetMs === undefined) continue;
      steps += a.window.steps;
      configuredMs += a.window.computeTargetMs;
      measuredMs += a.window.computeMs;
    }
  }
  return steps > 0 ? { steps, configuredMs, measuredMs } : null;
}

export function cpuFacts(client: ClientAggregate | null): CpuFacts | null {
  if (!client) return null;
  const busiest = client.hosts.reduce<ClientAggregate['hosts'][number] | null>(
    (top, h) => (top === null || hostUtilisation(h) > hostUtilisation(top) ? h : top),
    null,
  );
  return {
    busiestHost: busiest
      ? { host: busiest.host, cores: busiest.cores, utilisation: hostUtilisation(busiest) }
      : null,
    acceleratorWaitShare: waitShare(client.acceleratorThreads),
    loaderWaitShare: waitShare(client.loaderThreads),
  };
}

/** The fewest window steps of any accelerator in any epoch. */
function fewestWindowSteps(run: RunAggregate): CoverageFacts['fewest'] {
  let fewest: CoverageFacts['fewest'] = null;
  for (const e of run.epochs) {
    for (const a of e.accelerators) {
      if (fewest === null || a.window.steps < fewest.steps)
        fewest = { steps: a.window.steps, accelerator: a.accelerator, epoch: e.epoch };
    }
  }
  return fewest;
}

/** Bytes inside the metric windows, over all accelerators and epochs. */
export function windowBytes(run: RunAggregate): number {
  return run.epochs.reduce((n, e) => n + e.accelerators.reduce((m, a) => m + a.window.bytes, 0), 0);
}

export function coverageFacts(
  run: RunAggregate,
  io: { bytesRead: number; windowMBps: number | null; readPhaseMBps: number | null },
): CoverageFacts {
  return {
    fewest: fewestWindowSteps(run),
    byteShare: io.bytesRead > 0 ? windowBytes(run) / io.bytesRead : null,
    windowMBps: io.windowMBps,
    readPhaseMBps: io.readPhaseMBps,
  };
}

/**
 * How long all accelerators' metric windows overlapped: per epoch, from the
 * latest window start to the earliest window end, ÷ from the earliest start
 * to the latest end; summed over epochs. Null share: never all at once.
 */
export function windowOverlap(run: RunAggregate, of: OverlapFacts['of']): OverlapFacts | null {
  let together = 0;
  let span = 0;
  let count = 0;
  for (const e of run.epochs) {
    const windows = e.accelerators.map((a) => a.window).filter((w) => w.steps > 0);
    if (windows.some((w) => w.startMs === undefined || w.endMs === undefined)) return null;
    count = Math.max(count, windows.length);
    if (windows.length < 2) continue;
    const starts = windows.map((w) => w.startMs as number);
    const ends = windows.map((w) => w.endMs as number);
    together += Math.max(0, Math.min(...ends) - Math.max(...starts));
    span += Math.max(...ends) - Math.min(...starts);
  }
  if (count < 2 || span <= 0) return count < 2 ? null : { of, count, share: null };
  return { of, count, share: together > 0 ? together / span : null };
}

export function runVerdict(
  run: RunAggregate,
  io: { bytesRead: number; windowMBps: number | null; readPhaseMBps: number | null },
  placement: PlacementFacts,
  pageCache: string | null,
): Verdict {
  return judgeRun({
    compute: computeFacts(run),
    cpu: cpuFacts(run.client),
    coverage: coverageFacts(run, io),
    overlap: placement.overlap ?? windowOverlap(run, placement.overlapOf ?? 'accelerators'),
    late: placement.late ?? null,
    missing: placement.missing ?? null,
    pageCache,
  });
}

/**
 * The merge of a multi-host run, shared by rank 0 and `pqbench merge`: the
 * ranks' partials go through the same `mergePartials` as a local run and the
 * cloud aggregate step (num_hosts = the world size), and the same result files
 * are written under `<folder>/<run-id>/`, plus hosts.json with each host's
 * figures. Every file is one atomic put; complete.json comes last, so a
 * results folder without it was never finished.
 */

import type { PriceTable } from '../metrics/cost.ts';
import type { HostFacts } from '../metrics/dlio-summary.ts';
import type { MergePlan } from '../metrics/merge.ts';
import { mergePartials } from '../metrics/merge.ts';
import type { AcceleratorPartial } from '../metrics/partial.ts';
import { type ResultFile, renderRunResults, resultJson } from '../metrics/results.ts';
import type { RunSummary } from '../metrics/summary.ts';
import type { PlacementFacts } from '../metrics/verdict-facts.ts';
import { type HostsReport, hostsNotices, hostsReport } from './hosts-report.ts';
import type { RankSession, Received } from './rendezvous.ts';
import type { ResultsLocation } from './results-location.ts';

/** The phase prefix of a run's train session. */
export const trainSessionPrefix = (runId: string) => `${runId}/ranks/train/`;
export const generateSessionPrefix = (runId: string) => `${runId}/ranks/generate/`;

/** What a rank says when it is ready to train (ready/rank-N.json). */
export interface TrainReadyBody {
  host: string;
  pid: number;
  launcher: string;
  accelerators: number[];
  config_hash: string;
  /** Notices this rank's preflight found (page cache, foreign dataset). */
  notices: string[];
  /** This rank's page-cache warning, if its local dataset may be served from RAM. */
  page_cache?: string | null;
  /** The facts DLIO's summary.json host_* keys report, one entry per rank. */
  facts?: HostFacts;
}

/** Rank 0's go: the common start and everything the ranks must share (start.json `data`). */
export interface TrainGo {
  start_at: number;
  margin_ms: number;
  random_seed: number | null;
  world: number;
  launcher: string;
  config_hash: string;
}

/** A rank's results (partials/rank-N.json). */
export interface TrainPartialBody {
  host: string;
  pid: number;
  accelerators: number[];
  partials: AcceleratorPartial[];
  /** Ready → common start by this rank's clock; negative when it was ready late. */
  wait_for_start_ms: number;
  late_ms: number;
  threads: number;
}

export interface CompleteRecord {
  run_id: string;
  world: number;
  merged_ranks: number[];
  missing_ranks: number[];
  completed_at: string;
  files: string[];
}

export interface RankMergeInput {
  plan: MergePlan;
  runId: string;
  configHash: string;
  prices?: Partial<PriceTable>;
  notices: string[];
  go: TrainGo;
  readies: Received<TrainReadyBody>[];
  partials: Received<TrainPartialBody>[];
}

export interface MergedRanks {
  run: RunSummary;
  hosts: HostsReport;
  /** DLIO's host facts of the ranks that reported, in rank order. */
  facts: HostFacts[];
}

/** What the verdict needs of the ranks: who ran together, who was late, who is missing. */
function rankPlacement(hosts: HostsReport, partials: Received<TrainPartialBody>[]): PlacementFacts {
  const all = partials.flatMap((p) => p.body.partials);
  const spanMs =
    all.length > 0 ? Math.max(...all.map((a) => a.end)) - Math.min(...all.map((a) => a.start)) : 0;
  return {
    overlapOf: 'ranks',
    late: {
      of: 'ranks',
      spanMs,
      late: hosts.hosts.map((h) => ({
        id: h.rank,
        host: h.host,
        lateMs: h.late_ms,
        readyBeforeStartMs: h.wait_for_start_ms,
      })),
    },
    missing: {
      of: 'ranks',
      expected: hosts.world,
      missing: hosts.missing_ranks.length,
      examples: hosts.missing_ranks.slice(0, 10).map((r) => `rank ${r}`),
    },
  };
}

export function mergeRanks(input: RankMergeInput): MergedRanks {
  const { go } = input;
  const hosts = hostsReport({
    runId: input.runId,
    launcher: go.launcher,
    world: go.world,
    startAt: go.start_at,
    marginMs: go.margin_ms,
    plan: input.plan,
    configHash: input.configHash,
    readies: input.readies.map((r) => ({
      rank: r.rank,
      host: r.body.host,
      pid: r.body.pid,
      sentAt: r.body.sent_at,
      storedAt: r.storedAt,
    })),
    partials: input.partials.map((p) => ({
      rank: p.rank,
      host: p.body.host,
      accelerators: p.body.accelerators,
      partials: p.body.partials,
      waitForStartMs: p.body.wait_for_start_ms,
      lateMs: p.body.late_ms,
    })),
  });
  const rankNotices = input.readies.flatMap((r) => r.body.notices);
  const notices = [...new Set([...input.notices, ...rankNotices])];
  const pageCache = input.readies.find((r) => r.body.page_cache)?.body.page_cache ?? null;
  const run = mergePartials(
    input.plan,
    input.partials.flatMap((p) => p.body.partials),
    {
      runId: input.runId,
      configHash: input.configHash,
      prices: input.prices,
      numHosts: go.world,
      notices: [...notices, ...hostsNotices(hosts)],
      placement: rankPlacement(hosts, input.partials),
      pageCache,
    },
  );
  const reported = new Set(input.partials.map((p) => p.rank));
  const facts = input.readies.flatMap((r) => (reported.has(r.rank) && r.body.facts ? [r.body.facts] : []));
  return { run, hosts, facts };
}

/**
 * Writes the run's result files (results.ts), hosts.json and what `drawn`
 * makes of them (report.html: the report floor draws it), then the completion marker.
 */
export async function writeRankResults(
  location: ResultsLocation,
  session: RankSession,
  merged: MergedRanks,
  configYaml: string,
  drawn?: (files: readonly ResultFile[]) => Promise<ResultFile>,
): Promise<string[]> {
  const files = [
    ...renderRunResults(merged.run, configYaml, merged.facts),
    { name: 'hosts.json', body: resultJson(merged.hosts) },
  ];
  if (drawn) files.push(await drawn(files));
  for (const file of files) {
    await location.storage.put(`${location.prefix}${file.name}`, new TextEncoder().encode(file.body));
  }
  const complete: CompleteRecord = {
    run_id: location.runId,
    world: merged.hosts.world,
    merged_ranks: merged.hosts.hosts.map((h) => h.rank),
    missing_ranks: merged.hosts.missing_ranks,
    completed_at: new Date().toISOString(),
    files: files.map((f) => f.name),
  };
  await session.putJson('complete.json', complete);
  return files.map((f) => `${location.display}/${f.name}`);
}

/**
 * summary.json and per_epoch_stats.json as a DLIO user's tools read them
 * (MLCommons DLIO fork, utils/statscounter.py; mlpstorage's result parser
 * and submission checker). summary.json carries DLIO's top-level keys, in
 * DLIO's order and with DLIO's types, and then pqbench's own;
 * per_epoch_stats.json has the layout of DLIO's `<rank>_per_epoch_stats.json`.
 * Pure apart from readHostFacts, which reads this machine.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { EpochStats, RunSummaryJson, SummaryMetric } from './summary.ts';

const GiB = 1024 ** 3;

/** What DLIO's StatsCounter reads about a host (psutil, platform, /proc). */
export interface HostFacts {
  hostname: string;
  /** Logical CPUs (psutil.cpu_count()). */
  cpuCount: number;
  /** platform.processor(); on Linux the machine name, e.g. x86_64. */
  processorName: string;
  /** Total RAM in bytes (psutil.virtual_memory().total). */
  memoryBytes: number;
  /** /proc/cpuinfo and /proc/meminfo through DLIO's lines_to_dict, where they exist. */
  cpuinfo?: Record<string, string>;
  meminfo?: Record<string, string>;
}

/** DLIO's summary.json keys (statscounter.py), in its insertion order. */
export interface DlioSummaryKeys {
  /** utcnow(): local time, microseconds, no zone. */
  start: string;
  num_accelerators: number;
  num_hosts: number;
  hostname: string;
  metric: SummaryMetric;
  num_files_train: number;
  num_files_eval: number;
  num_samples_per_file: number;
  /** One entry per host. */
  host_cpu_count: number[];
  host_processor_name: string;
  /** Per host: 1 when the data each host reads fits its RAM (may be served from the page cache). */
  potential_caching: number[];
  host_cpuinfo?: Record<string, string>;
  host_meminfo?: Record<string, string>;
  /** Per host, GiB (DLIO's "GB" are 2^30 bytes). */
  host_memory_GB: number[];
  /** GiB of the dataset each host reads, by DLIO's formula. */
  data_size_per_host_GB: number;
  epochs: number;
  end: string;
}

/** summary.json as written: DLIO's keys, then pqbench's (its ISO instants as start_utc/end_utc). */
export type SummaryFileJson = DlioSummaryKeys & {
  start_utc: string;
  end_utc: string;
} & Omit<RunSummaryJson, keyof DlioSummaryKeys>;

/** One epoch of DLIO's per_epoch_stats: durations are strings with two decimals, as DLIO writes them. */
export interface DlioEpochEntry {
  start: string;
  block1: { start: string; end: string; duration: string };
  end: string;
  duration: string;
}

/** Keyed by epoch number from 1, as JSON turns DLIO's int keys into strings. */
export type DlioPerEpochStats = Record<string, DlioEpochEntry>;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** DLIO's utcnow() format, "%Y-%m-%dT%H:%M:%S.%f" of the local time (despite the name; no zone). */
export function dlioTimestamp(ms: number): string {
  const totalUs = Math.round(ms * 1000);
  const d = new Date(Math.floor(totalUs / 1000));
  const micro = ((totalUs % 1_000_000) + 1_000_000) % 1_000_000;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(micro, 6)}`
  );
}

/**
 * DLIO's lines_to_dict: `key: value` lines split on the only colon, both
 * stripped; a later line overwrites an earlier key (so /proc/cpuinfo gives
 * the last CPU), and `processor` is left out.
 */
export function linesToDict(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts.length !== 2) continue;
    const key = (parts[0] as string).trim();
    if (key !== 'processor') out[key] = (parts[1] as string).trim();
  }
  return out;
}

function procFile(path: string): Record<string, string> | undefined {
  try {
    return linesToDict(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** This machine, as DLIO's StatsCounter sees it. */
export function readHostFacts(): HostFacts {
  return {
    hostname: os.hostname(),
    cpuCount: os.cpus().length,
    processorName: os.machine(),
    memoryBytes: os.totalmem(),
    cpuinfo: procFile('/proc/cpuinfo'),
    meminfo: procFile('/proc/meminfo'),
  };
}

/**
 * DLIO's data_size_per_host_GB: npernode × samples per file × files ÷ ranks
 * (floor division, as Python's //), × the record size, in GiB. npernode is
 * the first host's share of the accelerators.
 */
export function dataSizePerHostGiB(s: RunSummaryJson): number {
  const ranks = Math.max(1, s.num_accelerators);
  const perNode = Math.ceil(ranks / Math.max(1, s.num_hosts));
  const samples = Math.floor((perNode * s.num_samples_per_file * s.num_files_train) / ranks);
  return (samples * s.io.dlio_record_bytes) / GiB;
}

/**
 * DLIO's top-level summary keys for a run; `hosts` are the hosts that ran
 * accelerators, in host order (empty where none can be read: a cloud run).
 */
export function dlioSummaryKeys(s: RunSummaryJson, hosts: HostFacts[]): DlioSummaryKeys {
  const memoryGiB = hosts.map((h) => h.memoryBytes / GiB);
  const dataGiB = dataSizePerHostGiB(s);
  const first = hosts[0];
  return {
    start: dlioTimestamp(Date.parse(s.start)),
    num_accelerators: s.num_accelerators,
    num_hosts: s.num_hosts,
    hostname: first?.hostname ?? '',
    metric: s.metric,
    num_files_train: s.num_files_train,
    num_files_eval: s.num_files_eval,
    num_samples_per_file: s.num_samples_per_file,
    host_cpu_count: hosts.map((h) => h.cpuCount),
    host_processor_name: first?.processorName ?? '',
    // statscounter.py: 0 when a host's memory is <= the data per host, else 1.
    potential_caching: memoryGiB.map((gib) => (gib <= dataGiB ? 0 : 1)),
    ...(first?.cpuinfo ? { host_cpuinfo: first.cpuinfo } : {}),
    ...(first?.meminfo ? { host_meminfo: first.meminfo } : {}),
    host_memory_GB: memoryGiB,
    data_size_per_host_GB: dataGiB,
    epochs: s.epochs,
    end: dlioTimestamp(Date.parse(s.end)),
  };
}

/** The body of summary.json. */
export function summaryFileJson(s: RunSummaryJson, hosts: HostFacts[]): SummaryFileJson {
  const dlio = dlioSummaryKeys(s, hosts);
  const own: Record<string, unknown> = { ...s };
  for (const key of Object.keys(dlio)) delete own[key];
  return {
    ...dlio,
    start_utc: s.start,
    end_utc: s.end,
    ...(own as Omit<RunSummaryJson, keyof DlioSummaryKeys>),
  };
}

/** per_epoch_stats.json in DLIO's per-rank layout: one block per epoch, spanning every accelerator's block. */
export function dlioPerEpochStats(perEpoch: EpochStats[]): DlioPerEpochStats {
  const out: DlioPerEpochStats = {};
  for (const e of perEpoch) {
    const start = dlioTimestamp(Date.parse(e.start));
    const end = dlioTimestamp(Date.parse(e.end));
    const duration = e.duration_s.toFixed(2);
    out[String(e.epoch)] = { start, block1: { start, end, duration }, end, duration };
  }
  return out;
}

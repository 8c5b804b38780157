/**
 * The short terminal summary. The first lines mirror DLIO's `[METRIC]` block
 * so its users find AU and throughput where they expect them; every other
 * line says what it counts (measured bytes, the read phase, what the cost
 * prices), and the verdict comes last: whether these numbers measure the
 * storage. Numbers are rounded for people (summary.json has them whole); the
 * run's notices are not here: the CLI prints them on stderr, each once.
 */
import { renderPhaseTable } from './phase-table.ts';
import type { RunSummaryJson } from './summary.ts';
import type { Verdict } from './verdict.ts';

const SHARDING_NAMES = {
  samples: "DLIO's map-style sampler",
  files: "the MLCommons fork's parquet path",
} as const;

const fmt = (x: number | null, digits = 4) => (x === null ? 'n/a' : x.toFixed(digits));
/** Dollars: cents from $1 up, three significant digits below (a small run costs $0.0000256, not $0.000026). */
function usd(x: number | null): string {
  if (x === null) return 'n/a';
  if (x === 0 || Math.abs(x) >= 1) return `$${x.toFixed(2)}`;
  const decimals = Math.min(20, 2 - Math.floor(Math.log10(Math.abs(x))));
  return `$${x.toFixed(decimals).replace(/0+$/, '')}`;
}

/** Bytes in decimal units, as storage is sold. */
function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

const count = (n: number) => n.toLocaleString('en-US');

function seconds(start: string, end: string): string {
  const s = (Date.parse(end) - Date.parse(start)) / 1000;
  return Number.isFinite(s) ? `${s.toFixed(s >= 100 ? 0 : 2)} s` : 'n/a';
}

/** "(stdev 1.2345 over 3 epochs)": the spread of the per-epoch figures, labelled. */
function spread(stdevValue: number | null, epochs: number): string {
  return `(stdev ${fmt(stdevValue)} over ${epochs} epoch${epochs === 1 ? '' : 's'})`;
}

function ioLine(s: RunSummaryJson): string {
  const io = s.io;
  const phase =
    io.read_phase_MB_per_second === null
      ? 'no reads'
      : `${fmt(io.read_phase_MB_per_second, 2)} MB/s over ${fmt(io.read_phase_s, 2)} s`;
  const windowed =
    io.window_bytes === 0
      ? 'n/a (no bytes were read inside the metric window)'
      : `${fmt(io.mean_MB_per_second)} MB/s ${spread(io.stdev_MB_per_second, s.epochs)}, ${fmt(io.mean_MiB_per_second)} MiB/s`;
  return `[METRIC] Measured I/O over the metric window: ${windowed}; over the read phase (first request to last byte): ${phase} (MB = 10^6 B, MiB = 2^20 B)`;
}

function clientLine(s: RunSummaryJson): string | null {
  const c = s.client;
  if (!c) return null;
  const host = c.hosts[0];
  const cpu = host
    ? `${fmt(c.cpu_utilisation_percentage, 1)} % of ${host.cores} core(s)${c.hosts_count > 1 ? ` on the busiest of ${c.hosts_count} hosts` : ''} (usr ${fmt(host.cpu_usr_s, 2)} s, sys ${fmt(host.cpu_sys_s, 2)} s)`
    : 'n/a';
  const wait = (t: typeof c.accelerator_threads) =>
    t?.runqueue_wait_percentage === null || !t ? 'n/a' : `${fmt(t.runqueue_wait_percentage, 1)} %`;
  const compute = c.compute
    ? `; compute ${c.compute.mean_over_configured_us >= 0 ? '+' : ''}${fmt(c.compute.mean_over_configured_us, 1)} µs per step over configured`
    : '';
  return `[METRIC] Client CPU: ${cpu}; waiting for a CPU: accelerator threads ${wait(c.accelerator_threads)}, loader threads ${wait(c.loader_threads)}${compute}`;
}

function costLine(s: RunSummaryJson): string {
  const c = s.cost;
  if (s.storage_type === 'local_fs') {
    return `[METRIC] Cost: none on local disk (the same requests would cost ${usd(c.requests_usd)} at ${c.basis})`;
  }
  return `[METRIC] Cost (${c.basis}; ${c.covers}): ${usd(c.total_usd)} total, ${usd(c.per_TB_read_usd)} per TB read`;
}

/** Summaries written before the reader section have none. */
function readerLine(r: RunSummaryJson['reader'] | undefined): string[] {
  if (!r) return [];
  const files = `${r.files_read} of ${r.files_read + r.files_unread} files read`;
  return [
    `[METRIC] Reader sharding: ${r.sharding} (${SHARDING_NAMES[r.sharding]}); ${r.steps_per_epoch_per_accelerator} steps per accelerator per epoch; ${files}`,
  ];
}

export function renderSummaryTable(s: RunSummaryJson, resultsDir?: string): string[] {
  const m = s.metric;
  const bar = '[METRIC] ==========================================================';
  const lat = s.latency.request;
  const ops = (['GET', 'HEAD', 'PUT', 'LIST'] as const)
    .filter((op) => s.requests[op])
    .map((op) => `${op} ${count(s.requests[op]?.count ?? 0)}`)
    .join(', ');
  const io = s.io;
  const lines = [
    bar,
    `[METRIC] Number of Simulated Accelerators: ${s.num_accelerators}${s.num_hosts > 1 ? ` on ${s.num_hosts} hosts` : ''}`,
    ...readerLine(s.reader),
    `[METRIC] Training Accelerator Utilization [AU] (%): ${fmt(m.train_au_mean_percentage)} ${spread(m.train_au_stdev_percentage, s.epochs)}`,
    `[METRIC] Training Throughput (samples/second): ${fmt(m.train_throughput_mean_samples_per_second)} ${spread(m.train_throughput_stdev_samples_per_second, s.epochs)}`,
    `[METRIC] Training I/O Throughput (MiB/second, DLIO's: samples/s × ${io.dlio_record_bytes} B): ${fmt(m.train_io_mean_MB_per_second)} ${spread(m.train_io_stdev_MB_per_second, s.epochs)}`,
    `[METRIC] train_au_meet_expectation: ${m.train_au_meet_expectation} (AU ≥ ${m.train_au_expectation_percentage}%)`,
    `[METRIC] Run: ${seconds(s.start, s.end)}, ${s.epochs} epoch(s), ${count(s.steps.total)} steps, ${count(s.steps.samples)} samples; ${count(io.objects_read)} objects read, ${bytes(io.bytes_transferred)} transferred (read amplification ${fmt(io.read_amplification, 3)})`,
    ioLine(s),
    `[METRIC] Requests: ${ops || 'none'} (errors ${s.requests.errors}, retries ${s.requests.retries})`,
    `[METRIC] Request latency (ms): p50 ${fmt(lat.p50_ms, 3)}  p90 ${fmt(lat.p90_ms, 3)}  p99 ${fmt(lat.p99_ms, 3)}  max ${fmt(lat.max_ms, 3)}`,
    ...[clientLine(s)].filter((l): l is string => l !== null),
    costLine(s),
    bar,
    ...(s.read_phase ? renderPhaseTable('READ', s.read_phase) : []),
  ];
  if (resultsDir) lines.push(`results: ${resultsDir}`);
  return lines;
}

/** The verdict for people: each reason on its line, then the status — the last line a run prints. */
export function renderVerdict(v: Verdict): string[] {
  const reasons = v.reasons.map((r) => `[VERDICT] ${r.severity} ${r.code}: ${r.detail}`);
  const status =
    v.status === 'valid'
      ? '[VERDICT] valid: nothing found that would make these figures measure something other than the storage'
      : `[VERDICT] ${v.status}: ${[...new Set(v.reasons.map((r) => r.code))].join(', ')}${v.status === 'invalid' ? ' — these figures do not measure the storage' : ''}`;
  return [...reasons, status];
}

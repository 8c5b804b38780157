/**
 * The short terminal summary. The first lines mirror DLIO's `[METRIC]` block
 * so its users find AU and throughput where they expect them; the I/O line is
 * labelled because pqbench's figure is measured bytes (DLIO's was derived).
 * Numbers are rounded for people (summary.json has them whole); the run's
 * notices are not here: the CLI prints them on stderr, each once.
 */
import type { RunSummaryJson } from './summary.ts';

const fmt = (x: number | null, digits = 4) => (x === null ? 'n/a' : x.toFixed(digits));
/** Dollars: cents from $1 up, three significant digits below (a small run costs $0.0000256, not $0.000026). */
function usd(x: number | null): string {
  if (x === null) return 'n/a';
  if (x === 0 || Math.abs(x) >= 1) return x.toFixed(2);
  const decimals = Math.min(20, 2 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(decimals).replace(/0+$/, '');
}

export function renderSummaryTable(s: RunSummaryJson, resultsDir?: string): string[] {
  const m = s.metric;
  const bar = '[METRIC] ==========================================================';
  const lat = s.latency.request;
  const ops = (['GET', 'HEAD', 'PUT', 'LIST'] as const)
    .filter((op) => s.requests[op])
    .map((op) => `${op} ${s.requests[op]?.count}`)
    .join(', ');
  const io = s.io;
  const lines = [
    bar,
    `[METRIC] Number of Simulated Accelerators: ${s.num_accelerators}`,
    `[METRIC] Training Accelerator Utilization [AU] (%): ${fmt(m.train_au_mean_percentage)} (${fmt(m.train_au_stdev_percentage)})`,
    `[METRIC] Training Throughput (samples/second): ${fmt(m.train_throughput_mean_samples_per_second)} (${fmt(m.train_throughput_stdev_samples_per_second)})`,
    `[METRIC] Training I/O Throughput (MiB/second, DLIO's: samples/s × ${io.dlio_record_bytes} B): ${fmt(m.train_io_mean_MB_per_second)} (${fmt(m.train_io_stdev_MB_per_second)})`,
    `[METRIC] train_au_meet_expectation: ${m.train_au_meet_expectation} (AU ≥ ${m.train_au_expectation_percentage}%)`,
    `[METRIC] Measured I/O over the metric window: ${fmt(io.mean_MB_per_second)} MB/s (${fmt(io.stdev_MB_per_second)}; MB = 10^6 B), ${fmt(io.mean_MiB_per_second)} MiB/s (2^20 B)`,
    `[METRIC] Requests: ${ops || 'none'} (errors ${s.requests.errors}, retries ${s.requests.retries}); read amplification ${fmt(io.read_amplification, 3)}`,
    `[METRIC] Request latency (ms): p50 ${fmt(lat.p50_ms, 3)}  p90 ${fmt(lat.p90_ms, 3)}  p99 ${fmt(lat.p99_ms, 3)}  max ${fmt(lat.max_ms, 3)}`,
    `[METRIC] Cost (USD): ${usd(s.cost.total_usd)} total, ${usd(s.cost.per_TB_read_usd)} per TB read`,
    bar,
  ];
  if (resultsDir) lines.push(`results: ${resultsDir}`);
  return lines;
}

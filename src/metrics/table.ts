/**
 * The short terminal summary. The first lines mirror DLIO's `[METRIC]` block
 * so its users find AU and throughput where they expect them; the I/O line is
 * labelled because pqbench's figure is measured bytes (DLIO's was derived).
 */
import type { RunSummaryJson } from './summary.ts';

const fmt = (x: number | null, digits = 4) => (x === null ? 'n/a' : x.toFixed(digits));

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
    `[METRIC] Cost (USD): ${s.cost.total_usd.toFixed(6)} total, ${fmt(s.cost.per_TB_read_usd, 4)} per TB read`,
    bar,
  ];
  for (const notice of s.notices) lines.push(`notice: ${notice}`);
  if (resultsDir) lines.push(`results: ${resultsDir}`);
  return lines;
}

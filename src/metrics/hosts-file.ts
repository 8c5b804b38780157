/**
 * hosts.json's shape (schema_version 1, docs/results.md §6): written by a
 * multi-host run's rank 0 (exec/hosts-report.ts), read back by report.html.
 */
import type { Distribution } from './distribution.ts';

export interface HostFigures {
  rank: number;
  host: string;
  pid: number | null;
  accelerators: number[];
  clock_offset_ms: number | null;
  wait_for_start_ms: number;
  late_ms: number;
  finish_after_first_ms: number;
  samples: number;
  steps: number;
  bytes_transferred: number;
  requests: number;
  get_requests: number;
  au_mean_percentage: number | null;
  throughput_mean_samples_per_second: number | null;
  io_mean_MB_per_second: number | null;
  /** The rank's process: CPU over its cores, % (null when not measured). */
  cpu_utilisation_percentage: number | null;
}

export interface HostsReport {
  schema_version: 1;
  run_id: string;
  launcher: string;
  world: number;
  ranks_reported: number;
  missing_ranks: number[];
  start_at: string;
  start_margin_ms: number;
  rank_wait_for_start_ms: Distribution;
  rank_late_ms: Distribution;
  /** Ranks whose first epoch began more than 100 ms after the common start. */
  ranks_late: number;
  /** A rank's last epoch end − the earliest rank's, by each rank's clock. */
  rank_finish_after_first_ms: Distribution;
  /** Ranks that finished more than 100 ms after the first, slowest first (at most 10). */
  stragglers: { rank: number; host: string; finish_after_first_ms: number }[];
  clock: {
    basis: string;
    /** The storage's timestamp resolution: the offsets are no finer than this. */
    resolution_ms: number | null;
    /** Per rank: its clock minus rank 0's. */
    offset_vs_rank0_ms: Distribution;
    /** Largest minus smallest offset; null when the storage gave no timestamps. */
    skew_ms: number | null;
  };
  hosts: HostFigures[];
}

/**
 * The headline figures `pqbench compare` and report.html put side by side:
 * key, label, unit, which way is better, and how each is read from a run's
 * summary.json.
 */
import type { RunSummaryJson } from './summary.ts';

/** Which way is better for a figure; null when neither is (e.g. a request count). */
export type Better = 'higher' | 'lower' | null;

export interface FigureDefinition {
  key: string;
  label: string;
  unit: string;
  better: Better;
  value: (s: RunSummaryJson) => number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const seconds = (s: RunSummaryJson) => {
  const ms = Date.parse(s.end) - Date.parse(s.start);
  return Number.isFinite(ms) ? ms / 1000 : null;
};

/** The headline figures, in the order they are shown. */
export const HEADLINE_FIGURES: FigureDefinition[] = [
  { key: 'wall_time_s', label: 'wall time', unit: 's', better: 'lower', value: seconds },
  {
    key: 'au_mean_percentage',
    label: 'AU mean',
    unit: '%',
    better: 'higher',
    value: (s) => num(s.metric.train_au_mean_percentage),
  },
  {
    key: 'throughput_samples_per_second',
    label: 'throughput',
    unit: 'samples/s',
    better: 'higher',
    value: (s) => num(s.metric.train_throughput_mean_samples_per_second),
  },
  {
    key: 'io_MB_per_second',
    label: 'measured read rate',
    unit: 'MB/s',
    better: 'higher',
    value: (s) => num(s.io.mean_MB_per_second),
  },
  {
    key: 'io_MiB_per_second',
    label: 'measured read rate',
    unit: 'MiB/s',
    better: 'higher',
    value: (s) => num(s.io.mean_MiB_per_second),
  },
  {
    key: 'read_phase_MB_per_second',
    label: 'read rate over the read phase',
    unit: 'MB/s',
    better: 'higher',
    value: (s) => num(s.io.read_phase_MB_per_second),
  },
  {
    key: 'client_cpu_percentage',
    label: 'client CPU (busiest host)',
    unit: '%',
    better: null,
    value: (s) => num(s.client?.cpu_utilisation_percentage),
  },
  {
    key: 'read_amplification',
    label: 'read amplification',
    unit: '×',
    better: 'lower',
    value: (s) => num(s.io.read_amplification),
  },
  {
    key: 'bytes_transferred_MB',
    label: 'bytes read',
    unit: 'MB',
    better: null,
    value: (s) => (num(s.io.bytes_transferred) === null ? null : s.io.bytes_transferred / 1e6),
  },
  { key: 'requests', label: 'requests', unit: '', better: null, value: (s) => num(s.requests.total) },
  { key: 'errors', label: 'request errors', unit: '', better: 'lower', value: (s) => num(s.requests.errors) },
  { key: 'retries', label: 'retries', unit: '', better: 'lower', value: (s) => num(s.requests.retries) },
  ...(['p50', 'p90', 'p99'] as const).map(
    (p): FigureDefinition => ({
      key: `request_${p}_ms`,
      label: `request latency ${p}`,
      unit: 'ms',
      better: 'lower',
      value: (s) => num(s.latency.request[`${p}_ms`]),
    }),
  ),
  ...(['p50', 'p99'] as const).map(
    (p): FigureDefinition => ({
      key: `ttfb_${p}_ms`,
      label: `time to first byte ${p}`,
      unit: 'ms',
      better: 'lower',
      value: (s) => num(s.latency.time_to_first_byte[`${p}_ms`]),
    }),
  ),
  {
    key: 'load_wait_s',
    label: 'load wait (all steps)',
    unit: 's',
    better: 'lower',
    value: (s) => num(s.steps.load_wait_s),
  },
  { key: 'cost_usd', label: 'cost', unit: 'USD', better: 'lower', value: (s) => num(s.cost.total_usd) },
  {
    key: 'cost_per_TB_usd',
    label: 'cost per TB read',
    unit: 'USD',
    better: 'lower',
    value: (s) => num(s.cost.per_TB_read_usd),
  },
];

/**
 * `pqbench compare`: runs side by side — the headline figures with their
 * deltas against the first run (the baseline), the configuration keys whose
 * values differ (from each run's config.yaml), and warnings when the runs are
 * not like for like (another dataset, another workload). Pure: the runs come
 * in loaded (run-results.ts); text and JSON renderings come out.
 */
import { parse } from 'yaml';
import { type LoadedRun, runLabel } from './run-results.ts';
import type { RunSummaryJson } from './summary.ts';
import type { VerdictStatus } from './verdict.ts';

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

export interface ComparedFigure {
  key: string;
  label: string;
  unit: string;
  better: Better;
  /** One per run, in run order. */
  values: (number | null)[];
  /** value − the first run's value (null for the first run or when either is unknown). */
  deltas: (number | null)[];
  /** delta ÷ the first run's value × 100 (null when that is 0 or unknown). */
  delta_percentages: (number | null)[];
}

export interface ComparedRun {
  label: string;
  dir: string;
  run_id: string;
  workload: string;
  start: string;
  tool_version: string;
  config_hash: string;
  au_meets_expectation: 'success' | 'fail';
  /** The run's verdict (`unknown` for results written before verdicts existed) and its reason codes. */
  verdict: VerdictStatus | 'unknown';
  verdict_reasons: string[];
}

export interface ConfigDifference {
  /** Dotted path of the key, e.g. `reader.read_threads`. */
  key: string;
  /** The value in each run as JSON text; null where the run's config has no such key or no config.yaml. */
  values: (string | null)[];
}

export interface RunComparison {
  runs: ComparedRun[];
  figures: ComparedFigure[];
  /** Keys of config.yaml whose values differ, the `output` section excepted (as config_hash). */
  config_differences: ConfigDifference[];
  warnings: string[];
}

/** Dotted leaf paths of a parsed YAML document (`a.b`, lists as `a[0].b`) → JSON text of the value. */
export function flattenConfig(
  value: unknown,
  prefix = '',
  out = new Map<string, string>(),
): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, '[]');
    value.forEach((v, i) => {
      flattenConfig(v, `${prefix}[${i}]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix !== '') out.set(prefix, '{}');
    for (const [k, v] of entries) flattenConfig(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') {
    out.set(prefix, JSON.stringify(value ?? null));
  }
  return out;
}

function configOf(run: LoadedRun): Map<string, string> | null {
  if (run.configYaml === null) return null;
  return flattenConfig(parse(run.configYaml) as unknown);
}

/** Not compared: where results went does not change what was measured (configHash leaves it out too). */
const IGNORED_PREFIXES = ['output.', 'output['];

export function configDifferences(runs: LoadedRun[]): ConfigDifference[] {
  const configs = runs.map(configOf);
  const keys = new Set<string>();
  for (const c of configs) for (const k of c?.keys() ?? []) keys.add(k);
  const differences: ConfigDifference[] = [];
  for (const key of [...keys].sort()) {
    if (IGNORED_PREFIXES.some((p) => key.startsWith(p))) continue;
    const values = configs.map((c) => c?.get(key) ?? null);
    // A run without config.yaml differs in nothing known (a warning says so).
    const known = values.filter((_, i) => configs[i] !== null);
    if (new Set(known).size > 1) differences.push({ key, values });
  }
  return differences;
}

function compareFigure(def: FigureDefinition, runs: LoadedRun[]): ComparedFigure {
  const values = runs.map((r) => def.value(r.summary));
  const base = values[0] ?? null;
  const deltas = values.map((v, i) => (i === 0 || v === null || base === null ? null : v - base));
  return {
    key: def.key,
    label: def.label,
    unit: def.unit,
    better: def.better,
    values,
    deltas,
    delta_percentages: deltas.map((d) =>
      d === null || base === null || base === 0 ? null : (d / Math.abs(base)) * 100,
    ),
  };
}

/** Keys under `dataset:` that say how the objects are read, not what they hold. */
const READ_SIDE_KEYS = [/^dataset\.parquet\.read_mode$/, /^dataset\.parquet\.columns\[\d+\]\.read$/];
const isDatasetKey = (key: string) => key.startsWith('dataset.') && !READ_SIDE_KEYS.some((k) => k.test(key));

/** Whether the runs read different bytes: by fingerprint when every run has one, else by dataset keys. */
function datasetWarning(runs: LoadedRun[], differences: ConfigDifference[]): string[] {
  const keys = differences.filter((d) => isDatasetKey(d.key)).map((d) => d.key);
  const prints = runs.map((r) => r.summary.dataset_fingerprint);
  const differ = prints.every((p) => p !== undefined) ? new Set(prints).size > 1 : keys.length > 0;
  if (!differ) return [];
  return [
    `the runs read different datasets${keys.length > 0 ? ` (${keys.join(', ')} differ)` : ' (their dataset fingerprints differ)'}: their figures are not like for like`,
  ];
}

/** Runs whose verdicts differ are not like for like; an invalid run's figures measure something else. */
function verdictWarnings(runs: LoadedRun[]): string[] {
  const labels = runs.map(runLabel);
  const statuses = runs.map((r) => r.summary.verdict?.status ?? 'unknown');
  const warnings = runs.flatMap((r, i) =>
    r.summary.verdict?.status === 'invalid'
      ? [
          `${labels[i]} is invalid (${[...new Set(r.summary.verdict.reasons.map((x) => x.code))].join(', ')}): its figures do not measure the storage`,
        ]
      : [],
  );
  if (new Set(statuses).size > 1) {
    warnings.unshift(
      `not like for like: the verdicts differ (${runs.map((_, i) => `${labels[i]} ${statuses[i]}`).join(', ')})`,
    );
  }
  return warnings;
}

function comparisonWarnings(runs: LoadedRun[], differences: ConfigDifference[]): string[] {
  const warnings: string[] = [...verdictWarnings(runs), ...datasetWarning(runs, differences)];
  const labels = runs.map(runLabel);
  const workloads = [...new Set(runs.map((r) => r.summary.workload))];
  if (workloads.length > 1) warnings.push(`the runs are of different workloads: ${workloads.join(', ')}`);
  runs.forEach((r, i) => {
    if (r.configYaml === null)
      warnings.push(`${labels[i]} has no config.yaml: its configuration cannot be compared`);
  });
  const versions = [...new Set(runs.map((r) => r.summary.tool_version))];
  if (versions.length > 1)
    warnings.push(`the runs were made by different pqbench versions: ${versions.join(', ')}`);
  return warnings;
}

export function compareRuns(runs: LoadedRun[]): RunComparison {
  const differences = configDifferences(runs);
  return {
    runs: runs.map((r) => ({
      label: runLabel(r),
      dir: r.dir,
      run_id: r.summary.run_id,
      workload: r.summary.workload,
      start: r.summary.start,
      tool_version: r.summary.tool_version,
      config_hash: r.summary.config_hash,
      au_meets_expectation: r.summary.metric.train_au_meet_expectation,
      verdict: r.summary.verdict?.status ?? 'unknown',
      verdict_reasons: [...new Set((r.summary.verdict?.reasons ?? []).map((x) => x.code))],
    })),
    figures: HEADLINE_FIGURES.map((def) => compareFigure(def, runs)),
    config_differences: differences,
    warnings: comparisonWarnings(runs, differences),
  };
}

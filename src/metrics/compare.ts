/**
 * `pqbench compare`: runs side by side — the headline figures with their
 * deltas against the first run (the baseline), the configuration keys whose
 * values differ (from each run's config.yaml), and warnings when the runs are
 * not like for like (another dataset, another workload). Pure: the runs come
 * in loaded (run-results.ts); text and JSON renderings come out.
 */
import { parse } from 'yaml';
import { type Better, type FigureDefinition, HEADLINE_FIGURES } from './compare-figures.ts';
import { type LoadedRun, runLabel } from './run-results.ts';
import { meanAndSpread } from './spread.ts';
import type { VerdictStatus } from './verdict.ts';

export { type Better, type FigureDefinition, HEADLINE_FIGURES } from './compare-figures.ts';

export interface ComparedFigure {
  key: string;
  label: string;
  unit: string;
  better: Better;
  /** One per column (a run, or the mean of a group's repeats), in order. */
  values: (number | null)[];
  /** Sample standard deviation (n − 1) over a column's repeats; null for a single run. */
  spreads: (number | null)[];
  /** Runs with a value, per column. */
  counts: number[];
  /**
   * Whether the delta against the first column is within the noise: the
   * intervals mean ± spread overlap (a column without repeats counts as its
   * value alone); null for the first column, for no difference, or when neither has a spread.
   */
  within_noise: (boolean | null)[];
  /** value − the first run's value (null for the first run or when either is unknown). */
  deltas: (number | null)[];
  /** delta ÷ the first run's value × 100 (null when that is 0 or unknown). */
  delta_percentages: (number | null)[];
}

export interface ComparedRun {
  label: string;
  dir: string;
  /** The first run's id; a group's every run id is in run_ids. */
  run_id: string;
  /** Runs in this column: 1, or a group's repeats. */
  repeats: number;
  run_ids: string[];
  workload: string;
  start: string;
  tool_version: string;
  config_hash: string;
  au_meets_expectation: 'success' | 'fail';
  /** The run's verdict — a group's worst — (`unknown` for results written before verdicts existed) and its reason codes. */
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

function compareFigure(def: FigureDefinition, groups: RunGroup[]): ComparedFigure {
  const stats = groups.map((g) => meanAndSpread(g.runs.map((r) => def.value(r.summary))));
  const values = stats.map((x) => x.mean);
  const spreads = stats.map((x) => x.stdev);
  const base = values[0] ?? null;
  const deltas = values.map((v, i) => (i === 0 || v === null || base === null ? null : v - base));
  return {
    key: def.key,
    label: def.label,
    unit: def.unit,
    better: def.better,
    values,
    spreads,
    counts: stats.map((x) => x.count),
    within_noise: deltas.map((d, i) => {
      const a = spreads[0] ?? null;
      const b = spreads[i] ?? null;
      if (d === null || d === 0 || (a === null && b === null)) return null;
      return Math.abs(d) <= (a ?? 0) + (b ?? 0);
    }),
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

/** One column of a comparison: a run, or repeats of one configuration (a folder of runs, a sweep's point). */
export interface RunGroup {
  label: string;
  dir: string;
  runs: LoadedRun[];
}

const SEVERITY: Record<VerdictStatus | 'unknown', number> = { valid: 0, unknown: 1, warn: 2, invalid: 3 };

/** A group's verdict: its worst run's status, every reason code of its runs. */
function groupVerdict(g: RunGroup): {
  status: VerdictStatus | 'unknown';
  codes: string[];
  invalidCodes: string[];
} {
  const statuses = g.runs.map((r) => r.summary.verdict?.status ?? 'unknown');
  const status = statuses.reduce((worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst), 'valid');
  const reasons = g.runs.flatMap((r) => r.summary.verdict?.reasons ?? []);
  const invalid = g.runs.flatMap((r) =>
    r.summary.verdict?.status === 'invalid' ? r.summary.verdict.reasons : [],
  );
  return {
    status,
    codes: [...new Set(reasons.map((x) => x.code))],
    invalidCodes: [...new Set(invalid.map((x) => x.code))],
  };
}

/** Columns whose verdicts differ are not like for like; an invalid run's figures measure something else. */
function verdictWarnings(groups: RunGroup[]): string[] {
  const verdicts = groups.map(groupVerdict);
  const warnings = groups.flatMap((g, i) => {
    const v = verdicts[i] as ReturnType<typeof groupVerdict>;
    if (v.status !== 'invalid') return [];
    const which = g.runs.length > 1 ? `${g.label} has invalid runs` : `${g.label} is invalid`;
    return [`${which} (${v.invalidCodes.join(', ')}): its figures do not measure the storage`];
  });
  if (new Set(verdicts.map((v) => v.status)).size > 1) {
    warnings.unshift(
      `not like for like: the verdicts differ (${groups.map((g, i) => `${g.label} ${verdicts[i]?.status}`).join(', ')})`,
    );
  }
  return warnings;
}

/** A group whose runs were made with different configurations is not repeats of one setup. */
function groupWarnings(groups: RunGroup[]): string[] {
  return groups.flatMap((g) =>
    new Set(g.runs.map((r) => r.summary.config_hash)).size > 1
      ? [
          `${g.label}: its ${g.runs.length} runs have different configurations (config_hash): their spread is not run-to-run noise`,
        ]
      : [],
  );
}

function comparisonWarnings(
  groups: RunGroup[],
  firsts: LoadedRun[],
  differences: ConfigDifference[],
): string[] {
  const warnings: string[] = [
    ...verdictWarnings(groups),
    ...groupWarnings(groups),
    ...datasetWarning(firsts, differences),
  ];
  const workloads = [...new Set(firsts.map((r) => r.summary.workload))];
  if (workloads.length > 1) warnings.push(`the runs are of different workloads: ${workloads.join(', ')}`);
  groups.forEach((g) => {
    if (g.runs.some((r) => r.configYaml === null))
      warnings.push(`${g.label} has no config.yaml: its configuration cannot be compared`);
  });
  const versions = [...new Set(groups.flatMap((g) => g.runs.map((r) => r.summary.tool_version)))];
  if (versions.length > 1)
    warnings.push(`the runs were made by different pqbench versions: ${versions.join(', ')}`);
  return warnings;
}

/** Runs side by side, each its own column. */
export function compareRuns(runs: LoadedRun[]): RunComparison {
  return compareGroups(runs.map((r) => ({ label: runLabel(r), dir: r.dir, runs: [r] })));
}

/** Columns of one run or of several repeats: their mean ± spread, deltas against the first, noise marked. */
export function compareGroups(groups: RunGroup[]): RunComparison {
  if (groups.some((g) => g.runs.length === 0)) throw new RangeError('compareGroups: a group without runs');
  const firsts = groups.map((g) => g.runs[0] as LoadedRun);
  const differences = configDifferences(firsts);
  return {
    runs: groups.map((g, i) => {
      const r = firsts[i] as LoadedRun;
      const v = groupVerdict(g);
      return {
        label: g.label,
        dir: g.dir,
        run_id: r.summary.run_id,
        repeats: g.runs.length,
        run_ids: g.runs.map((x) => x.summary.run_id),
        workload: r.summary.workload,
        start: r.summary.start,
        tool_version: r.summary.tool_version,
        config_hash: r.summary.config_hash,
        au_meets_expectation: r.summary.metric.train_au_meet_expectation,
        verdict: v.status,
        verdict_reasons: v.codes,
      };
    }),
    figures: HEADLINE_FIGURES.map((def) => compareFigure(def, groups)),
    config_differences: differences,
    warnings: comparisonWarnings(groups, firsts, differences),
  };
}

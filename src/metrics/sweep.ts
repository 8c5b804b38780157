/**
 * A sweep's results (sweep.json, docs/results.md): its points — each a
 * setting of the varied keys, run `repeats` times — with every repeat's
 * headline figures and verdict, their mean and spread, whether the point
 * meets the AU threshold, and the sweep's answer in one sentence ("max
 * accelerators at AU ≥ 90 %: 12 (3 repeats, AU 91.2 ± 0.8); 13 fails (AU
 * 86.4 ± 1.1)"). Pure: the CLI runs the points (cli/sweep-run.ts) and the
 * search picks them (sweep-search.ts).
 */
import { meanAndSpread } from './spread.ts';
import type { RunSummaryJson } from './summary.ts';
import type { VerdictStatus } from './verdict.ts';

export const SWEEP_FILE = 'sweep.json';
export const SWEEP_SCHEMA_VERSION = 1;

/** The headline figures kept per repeat, and averaged per point. */
export const SWEEP_FIGURES = [
  'au_mean_percentage',
  'throughput_samples_per_second',
  'io_MB_per_second',
  'read_phase_MB_per_second',
  'request_p50_ms',
  'request_p99_ms',
  'client_cpu_percentage',
] as const;
export type SweepFigure = (typeof SWEEP_FIGURES)[number];

export type RepeatFigures = Record<SweepFigure, number | null>;

export interface RepeatResult extends RepeatFigures {
  repeat: number;
  run_id: string;
  /** The run's results folder, relative to the sweep's folder. */
  dir: string;
  verdict: { status: VerdictStatus; codes: string[] };
}

/**
 * pass: mean AU ≥ the threshold and no repeat invalid; fail: below it;
 * client_saturated: some repeat's verdict says the client ran out first;
 * invalid: some repeat is invalid for another reason (not an answer either).
 */
export type PointOutcome = 'pass' | 'fail' | 'client_saturated' | 'invalid';

export interface SweepPoint {
  /** `run.accelerators=4, reader.read_threads=2` */
  label: string;
  settings: Record<string, unknown>;
  repeats: RepeatResult[];
  /** Over the repeats: mean, and sample standard deviation (n − 1; null below two repeats). */
  mean: RepeatFigures | null;
  stdev: RepeatFigures | null;
  /** Against au_min_percentage, once every repeat ran; null before. */
  outcome: PointOutcome | null;
}

export type SweepAnswerKind = 'max' | 'none' | 'limit' | 'client_saturated' | 'invalid' | 'table';

export interface SweepAnswer {
  kind: SweepAnswerKind;
  text: string;
  /** The largest passing value of the key (max, limit, and below a saturated or invalid point). */
  value: number | null;
  /** The smallest value that did not pass (fails, saturated or invalid). */
  stopped_at: number | null;
}

export interface SweepDefinition {
  workload_file: string;
  /** --set overrides every point shares. */
  overrides: string[];
  /** config_hash of the workload with those overrides: a resumed sweep must match it. */
  base_config_hash: string;
  mode: 'grid' | 'find_max';
  vary: { key: string; values: unknown[] }[];
  find_max: { key: string; from: number; max: number } | null;
  au_min_percentage: number;
  repeats: number;
}

export interface SweepJson extends SweepDefinition {
  schema_version: typeof SWEEP_SCHEMA_VERSION;
  tool: 'pqbench';
  tool_version: string;
  sweep_id: string;
  workload: string;
  started_utc: string;
  updated_utc: string;
  status: 'running' | 'complete' | 'interrupted';
  points: SweepPoint[];
  answer: SweepAnswer | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A repeat's headline figures, from its summary. */
export function repeatFigures(s: RunSummaryJson): RepeatFigures {
  return {
    au_mean_percentage: num(s.metric.train_au_mean_percentage),
    throughput_samples_per_second: num(s.metric.train_throughput_mean_samples_per_second),
    io_MB_per_second: num(s.io.mean_MB_per_second),
    read_phase_MB_per_second: num(s.io.read_phase_MB_per_second),
    request_p50_ms: num(s.latency.request.p50_ms),
    request_p99_ms: num(s.latency.request.p99_ms),
    client_cpu_percentage: num(s.client?.cpu_utilisation_percentage),
  };
}

function figuresOf(repeats: RepeatResult[], pick: 'mean' | 'stdev'): RepeatFigures {
  return Object.fromEntries(
    SWEEP_FIGURES.map((f) => [f, meanAndSpread(repeats.map((r) => r[f]))[pick]]),
  ) as RepeatFigures;
}

export function pointOutcome(repeats: RepeatResult[], auMin: number): PointOutcome {
  if (repeats.some((r) => r.verdict.codes.includes('client_saturated'))) return 'client_saturated';
  if (repeats.some((r) => r.verdict.status === 'invalid')) return 'invalid';
  const au = meanAndSpread(repeats.map((r) => r.au_mean_percentage)).mean;
  return au !== null && au >= auMin ? 'pass' : 'fail';
}

/** A point with its repeats so far: mean, spread, and its outcome once all `repeats` ran. */
export function summarizePoint(
  point: Pick<SweepPoint, 'label' | 'settings' | 'repeats'>,
  repeats: number,
  auMin: number,
): SweepPoint {
  const ran = point.repeats.length > 0;
  return {
    ...point,
    mean: ran ? figuresOf(point.repeats, 'mean') : null,
    stdev: ran ? figuresOf(point.repeats, 'stdev') : null,
    outcome: point.repeats.length >= repeats ? pointOutcome(point.repeats, auMin) : null,
  };
}

/** `run.accelerators=4, reader.read_threads=2` */
export function pointLabel(settings: Record<string, unknown>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** A folder name for a point's repeat: `p03-run.accelerators-4-r2` (characters a run id may hold). */
export function repeatDirName(index: number, settings: Record<string, unknown>, repeat: number): string {
  const slug = Object.entries(settings)
    .map(([k, v]) => `${k}-${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('_')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 100);
  return `p${String(index + 1).padStart(2, '0')}-${slug}-r${repeat}`;
}

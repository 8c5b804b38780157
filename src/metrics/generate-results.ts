/**
 * generate.json: the write phase as a result (docs/results.md §generate.json).
 * What `generate` wrote and how the storage took it — per operation (PUT,
 * the requests of multipart uploads, local writes, the existence checks'
 * GETs) count, rates, latency, errors and retries; the fastest, median and
 * slowest 1-s segments; and a per-second series for charts. Written beside
 * a run's results (`pqbench run`, `dlio`, a sweep's point) or into a
 * results folder of its own for a bare `pqbench generate`. Pure rendering;
 * the CLI writes the file.
 */
import { TOOL_NAME, TOOL_VERSION } from '../version.ts';
import type { PhasePart } from './phase.ts';
import { operationFigures, type PhaseFigures, phaseSegments } from './phase-figures.ts';

export const GENERATE_FILE = 'generate.json';
export const GENERATE_SCHEMA_VERSION = 1;

/** What a generate run (one process, or every rank's added) knows about itself. */
export interface GenerateFacts {
  files: number;
  filesWritten: number;
  filesSkipped: number;
  objectsWritten: number;
  objectsSkipped: number;
  bytesWritten: number;
  /** Wall time of the run (the slowest rank's for a multi-host run). */
  seconds: number;
  workers: number;
  phase: PhasePart;
}

export interface GenerateContext {
  runId: string;
  workload: string;
  configHash: string;
  datasetFingerprint: string;
  storageType: 'local_fs' | 's3';
  /** Where the dataset is (never credentials). */
  location: string;
  ranks: number;
  notices?: string[];
}

export interface GenerateTimeSeries {
  interval_ms: number;
  /** Start of each interval, ms since the Unix epoch (the grid timeseries.json uses). */
  start_ms: number[];
  /** Seconds since the phase's first request. */
  t_s: number[];
  /** Seconds of the interval inside the phase: the rates' denominator. */
  covered_s: number[];
  bytes: number[];
  objects: number[];
  requests: number[];
  errors: number[];
  retries: number[];
  MB_per_second: (number | null)[];
}

export interface GenerateJson {
  schema_version: typeof GENERATE_SCHEMA_VERSION;
  tool: typeof TOOL_NAME;
  tool_version: string;
  run_id: string;
  workload: string;
  config_hash: string;
  dataset_fingerprint: string;
  storage_type: 'local_fs' | 's3';
  location: string;
  /** The phase's first request and last request end; null when nothing was requested. */
  start_utc: string | null;
  end_utc: string | null;
  ranks: number;
  workers: number;
  files: { total: number; written: number; skipped: number };
  objects: { written: number; skipped: number };
  bytes_written: number;
  /** The run's wall time (checks, writes and the manifest) and bytes written over it. */
  seconds: number;
  MB_per_second: number | null;
  write_phase: PhaseFigures;
  timeseries: GenerateTimeSeries;
  notices: string[];
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function timeSeries(phase: PhasePart): GenerateTimeSeries {
  const s = phase.series;
  const starts = s.bytes.map((_, i) => (s.first + i) * s.intervalMs);
  const covered = starts.map((start) =>
    s.from === null || s.to === null
      ? 0
      : round(Math.max(0, Math.min(start + s.intervalMs, s.to) - Math.max(start, s.from)) / 1000),
  );
  return {
    interval_ms: s.intervalMs,
    start_ms: starts,
    t_s: starts.map((ms) => round((ms - (s.from ?? ms)) / 1000, 3)),
    covered_s: covered,
    bytes: [...s.bytes],
    objects: [...s.objects],
    requests: [...s.requests],
    errors: [...s.errors],
    retries: [...s.retries],
    MB_per_second: s.bytes.map((b, i) => {
      const c = covered[i] as number;
      return c > 0 ? round(b / 1e6 / c) : null;
    }),
  };
}

/** The write phase as figures: per operation over the phase's duration, and its 1-s segments. */
export function writePhaseFigures(phase: PhasePart): PhaseFigures {
  const { from, to, intervalMs, first } = phase.series;
  const seconds = from === null || to === null ? null : round(Math.max(0, to - from) / 1000);
  const intervals = phase.series.bytes.map((bytes, i) => ({
    startMs: (first + i) * intervalMs,
    bytes,
    requests: phase.series.requests[i] ?? 0,
    objects: phase.series.objects[i] ?? 0,
  }));
  return {
    seconds,
    operations: operationFigures(phase.operations, seconds),
    segments: phaseSegments(intervals, intervalMs, from, to),
  };
}

export function generateJson(facts: GenerateFacts, context: GenerateContext): GenerateJson {
  const { from, to } = facts.phase.series;
  return {
    schema_version: GENERATE_SCHEMA_VERSION,
    tool: TOOL_NAME,
    tool_version: TOOL_VERSION,
    run_id: context.runId,
    workload: context.workload,
    config_hash: context.configHash,
    dataset_fingerprint: context.datasetFingerprint,
    storage_type: context.storageType,
    location: context.location,
    start_utc: iso(from),
    end_utc: iso(to),
    ranks: context.ranks,
    workers: facts.workers,
    files: { total: facts.files, written: facts.filesWritten, skipped: facts.filesSkipped },
    objects: { written: facts.objectsWritten, skipped: facts.objectsSkipped },
    bytes_written: facts.bytesWritten,
    seconds: round(facts.seconds),
    MB_per_second: facts.seconds > 0 ? round(facts.bytesWritten / 1e6 / facts.seconds) : null,
    write_phase: writePhaseFigures(facts.phase),
    timeseries: timeSeries(facts.phase),
    notices: context.notices ?? [],
  };
}

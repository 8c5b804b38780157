/**
 * A phase's per-operation table for the terminal, in warp's shape: one row
 * per operation (count, operations per second and MB/s over the phase,
 * latency avg/p50/p90/p99/max, errors, retries), then the fastest, median
 * and slowest 1-s segment of its steady state. Rounded for people; the
 * figures are whole in generate.json and summary.json.
 */
import type { OperationFigures, PhaseFigures, Segment } from './phase-figures.ts';

/** Display order: whole objects, then the requests they are made of, then the rest. */
const ORDER = [
  'PUT',
  'WRITE',
  'MULTIPART',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'GET',
  'HEAD',
  'LIST',
  'DELETE',
];

const LABELS: Record<string, string> = {
  WRITE: 'WRITE (local file)',
  MULTIPART: 'MULTIPART (whole upload)',
};

const num = (x: number | null, digits: number) => (x === null ? 'n/a' : x.toFixed(digits));
const count = (n: number) => n.toLocaleString('en-US');

function row(name: string, o: OperationFigures): string[] {
  const l = o.latency;
  return [
    LABELS[name] ?? name,
    count(o.count),
    num(o.per_second, 1),
    num(o.MB_per_second, 2),
    num(l.mean_ms, 3),
    num(l.p50_ms, 3),
    num(l.p90_ms, 3),
    num(l.p99_ms, 3),
    num(l.max_ms, 3),
    count(o.errors),
    count(o.retries),
  ];
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '),
  );
}

function segment(s: Segment): string {
  const objects = s.objects_per_second === null ? '' : `, ${num(s.objects_per_second, 1)} obj/s`;
  return `${num(s.MB_per_second, 2)} MB/s (${num(s.requests_per_second, 1)} req/s${objects}) at ${num(s.start_s, 0)} s`;
}

const rank = (name: string) => {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
};

/** `tag`: WRITE or READ, the prefix of every line. */
export function renderPhaseTable(tag: string, phase: PhaseFigures): string[] {
  const names = Object.keys(phase.operations).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (names.length === 0) return [`[${tag}] no requests`];
  const header = [
    'operation',
    'count',
    'ops/s',
    'MB/s',
    'avg ms',
    'p50',
    'p90',
    'p99',
    'max',
    'errors',
    'retries',
  ];
  const lines = pad([header, ...names.map((n) => row(n, phase.operations[n] as OperationFigures))]).map(
    (l) => `[${tag}] ${l.trimEnd()}`,
  );
  const over = `[${tag}] rates over the ${num(phase.seconds, 2)} s from the first request to the last byte; MB = 10^6 B; latency in ms`;
  const s = phase.segments;
  const segments = s
    ? `[${tag}] ${s.interval_s}-s segments of the steady state (${s.count}): fastest ${segment(s.fastest)}; median ${segment(s.median)}; slowest ${segment(s.slowest)}`
    : `[${tag}] ${'segments: none (the phase holds no whole second)'}`;
  return [...lines, over, segments];
}

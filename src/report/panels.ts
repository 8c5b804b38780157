/**
 * report.html's tables beyond the headline figures: what was tested (the
 * workload panel, from each run's config.yaml and generate.json), the
 * per-operation tables of both phases (summary.json `read_phase`,
 * generate.json `write_phase`), and where the run ran (hosts.json's ranks,
 * cloud.json's readers). A screenshot of the page says what was measured.
 */
import { parse } from 'yaml';
import { formatFigure } from '../metrics/compare-table.ts';
import type { OperationFigures, PhaseFigures } from '../metrics/phase-figures.ts';
import type { LoadedRun } from '../metrics/run-results.ts';
import type { RunName } from './labels.ts';
import { escapeHtml, type HeadCell, tableHtml } from './page.ts';

type Config = Record<string, Record<string, unknown> | undefined>;

const head = (names: RunName[]): HeadCell[] => [
  { text: '' },
  ...names.map((n) => ({ text: n.short, title: n.title })),
];
const text = (v: unknown) =>
  v === undefined || v === null ? '–' : typeof v === 'string' ? v : JSON.stringify(v);
const count = (n: number) => n.toLocaleString('en-US');

function configOf(run: LoadedRun): Config | null {
  if (run.configYaml === null) return null;
  try {
    return parse(run.configYaml) as Config;
  } catch {
    return null;
  }
}

interface ColumnSpec {
  name?: string;
  dtype?: string;
  size?: number;
  read?: boolean;
}

function columnsText(c: Config): string {
  const parquet = (c.dataset?.parquet ?? {}) as { columns?: ColumnSpec[] };
  const columns = parquet.columns ?? [];
  if (columns.length === 0)
    return `one binary column of ${text(c.dataset?.record_length_bytes)} B per sample`;
  const read = columns.filter((col) => col.read !== false);
  const shown = columns
    .slice(0, 8)
    .map(
      (col) =>
        `${col.name} ${col.dtype}${(col.size ?? 1) > 1 ? `[${col.size}]` : ''}${col.read === false ? ' (not read)' : ''}`,
    );
  return `${read.length} of ${columns.length} read: ${shown.join(', ')}${columns.length > 8 ? ', …' : ''}`;
}

/** computation_time as configured: seconds, or a distribution's parameters. */
function computeText(v: unknown): string {
  if (typeof v === 'number') return `${v} s`;
  if (v === null || typeof v !== 'object') return text(v);
  const { type, ...rest } = v as Record<string, unknown>;
  if (type === 'constant' || (Object.keys(rest).length === 1 && 'mean' in rest))
    return `${text(rest.mean)} s`;
  return `${text(type)}: ${Object.entries(rest)
    .map(([k, x]) => `${k} ${text(x)}`)
    .join(', ')} (s)`;
}

const parquetOf = (c: Config) => (c.dataset?.parquet ?? {}) as Record<string, unknown>;

function objectSize(run: LoadedRun): string {
  const g = run.generate;
  if (!g || g.objects.written === 0) return 'not recorded (no generate.json beside these results)';
  return `${formatFigure(g.bytes_written / g.objects.written / 1e6)} MB mean (${count(g.objects.written)} objects written)`;
}

const WORKLOAD_ROWS: [string, (c: Config, run: LoadedRun) => string][] = [
  ['storage', (c) => `${text(c.storage?.storage_type)} ${text(c.storage?.storage_root)}`],
  [
    'objects',
    (c, run) =>
      `${count(run.summary.num_files_train)} files × ${count(run.summary.num_samples_per_file)} samples${
        parquetOf(c).partition_by ? `, Hive partitions by ${text(parquetOf(c).partition_by)}` : ''
      }`,
  ],
  ['object size', (_c, run) => objectSize(run)],
  ['row group', (c) => `${text(parquetOf(c).row_group_size)} rows`],
  ['columns', columnsText],
  [
    'codec, layout',
    (c) =>
      `${text(c.dataset?.compression)}${c.dataset?.compression_level != null ? ` level ${text(c.dataset?.compression_level)}` : ''}, vectors ${text(parquetOf(c).vector_layout)}`,
  ],
  ['read mode', (c) => text(parquetOf(c).read_mode)],
  [
    'batch, read_threads, prefetch',
    (c) => `${text(c.reader?.batch_size)}, ${text(c.reader?.read_threads)}, ${text(c.reader?.prefetch_size)}`,
  ],
  ['decode, verify', (c) => `${text(c.reader?.decode)}, ${text(c.reader?.verify)}`],
  [
    'accelerators × hosts',
    (_c, run) => `${run.summary.num_accelerators} on ${run.summary.num_hosts} host(s)`,
  ],
  ['compute per step', (c) => computeText(c.train?.computation_time)],
  [
    'epochs, metric window',
    (c) =>
      `${text(c.train?.epochs)}, steps excluded ${text(c.metric?.exclude_start_steps)} / ${text(c.metric?.exclude_end_steps)}`,
  ],
];

export function workloadPanel(runs: LoadedRun[], names: RunName[]): string {
  const configs = runs.map(configOf);
  const rows = WORKLOAD_ROWS.map(([label, value]) => [
    label,
    ...runs.map((run, i) => {
      const c = configs[i];
      return c ? value(c, run) : 'no config.yaml';
    }),
  ]);
  return `<section id="workload"><h2>Workload: what was tested</h2>${tableHtml(head(names), rows)}</section>`;
}

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
const rank = (op: string) => (ORDER.indexOf(op) < 0 ? ORDER.length : ORDER.indexOf(op));

function phaseTable(phase: PhaseFigures, caption: string): string {
  const ops = Object.keys(phase.operations).sort((a, b) => rank(a) - rank(b));
  const rows = ops.map((op) => {
    const o = phase.operations[op] as OperationFigures;
    const l = o.latency;
    return [
      op,
      count(o.count),
      formatFigure(o.per_second),
      formatFigure(o.MB_per_second),
      ...[l.mean_ms, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms].map(formatFigure),
      count(o.errors),
      count(o.retries),
    ];
  });
  const s = phase.segments;
  const seg = s
    ? `<p>${s.interval_s}-s segments of the steady state (${s.count}): fastest ${formatFigure(s.fastest.MB_per_second)} MB/s, median ${formatFigure(s.median.MB_per_second)} MB/s, slowest ${formatFigure(s.slowest.MB_per_second)} MB/s.</p>`
    : '<p>No whole second in this phase: no 1-s segments.</p>';
  const table = tableHtml(
    [
      'operation',
      'count',
      'ops/s',
      'MB/s',
      'avg ms',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'errors',
      'retries',
    ],
    rows,
    `${caption} — ${formatFigure(phase.seconds)} s from the first request to the last byte`,
  );
  return `<div class="phase">${table}${seg}</div>`;
}

export function operationTables(runs: LoadedRun[], names: RunName[]): string {
  const tables = runs.flatMap((run, i) => {
    const who = runs.length > 1 ? `${(names[i] as RunName).short}: ` : '';
    return [
      ...(run.generate ? [phaseTable(run.generate.write_phase, `${who}write phase (generate)`)] : []),
      ...(run.summary.read_phase ? [phaseTable(run.summary.read_phase, `${who}read phase (training)`)] : []),
    ];
  });
  if (tables.length === 0) return '';
  return `<section id="operations"><h2>Requests by operation</h2><p>Rates over each phase (MB = 10^6 B); latency from start to last byte. A 404 of generate's existence check is a miss, not an error.</p>${tables.join('\n')}</section>`;
}

export function hostsTable(runs: LoadedRun[], names: RunName[]): string {
  const parts = runs.flatMap((run, i) => {
    const h = run.hosts;
    if (!h) return [];
    const rows = h.hosts.map((x) => [
      `rank ${x.rank}`,
      x.host,
      x.accelerators.length > 0 ? `${x.accelerators[0]}..${x.accelerators[x.accelerators.length - 1]}` : '–',
      ...[
        x.late_ms,
        x.finish_after_first_ms,
        x.clock_offset_ms,
        x.au_mean_percentage,
        x.throughput_mean_samples_per_second,
        x.io_mean_MB_per_second,
        x.cpu_utilisation_percentage,
      ].map(formatFigure),
      count(x.requests),
    ]);
    const caption = `${runs.length > 1 ? `${(names[i] as RunName).short}: ` : ''}${h.ranks_reported} of ${h.world} ranks (${h.launcher}); missing: ${h.missing_ranks.join(', ') || 'none'}; clock skew ${formatFigure(h.clock.skew_ms)} ms`;
    return [
      tableHtml(
        [
          'rank',
          'host',
          'accelerators',
          'late ms',
          'finish after first ms',
          'clock offset ms',
          'AU %',
          'samples/s',
          'MB/s',
          'CPU %',
          'requests',
        ],
        rows,
        caption,
      ),
    ];
  });
  return parts.length === 0 ? '' : `<section id="hosts"><h2>Hosts</h2>${parts.join('\n')}</section>`;
}

export function cloudTable(runs: LoadedRun[], names: RunName[]): string {
  const parts = runs.flatMap((run, i) => {
    const c = run.cloud;
    if (!c) return [];
    const d = (x: { min: number | null; median: number | null; p99: number | null; max: number | null }) =>
      `${formatFigure(x.min)} / ${formatFigure(x.median)} / ${formatFigure(x.p99)} / ${formatFigure(x.max)}`;
    const rows = [
      ['readers reported', `${c.readers_reported} of ${c.readers} (${c.ranks_per_host} accelerator(s) each)`],
      ['cold starts (readers, generators)', `${c.cold_starts.readers}, ${c.cold_starts.generators}`],
      ['reader init ms (min / median / p99 / max)', d(c.reader_init_ms)],
      ['wait for the common start ms', d(c.reader_wait_for_start_ms)],
      ['late to the first step ms', `${d(c.reader_late_ms)}; ${c.readers_late} late`],
      [
        'all readers together',
        `${formatFigure(c.overlap.duration_s)} s: ${formatFigure(c.overlap.samples_per_second)} samples/s, ${formatFigure(c.overlap.MB_per_second)} MB/s`,
      ],
    ];
    return [tableHtml(['', (names[i] as RunName).short], rows, 'cloud.json')];
  });
  return parts.length === 0
    ? ''
    : `<section id="cloud"><h2>Readers (cloud)</h2>${parts.join('\n')}</section>`;
}

export { escapeHtml };

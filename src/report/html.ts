/**
 * report.html: one self-contained file — the charting library, its styles,
 * the page script and the data inline; a Content-Security-Policy that
 * forbids every network request, so the page looks the same offline, from an
 * e-mail attachment or years later. Tables are rendered here; charts are
 * drawn in the browser from the ChartSpecs (charts.ts) by client.js.
 */
import { compareRuns, type RunComparison } from '../metrics/compare.ts';
import { formatFigure } from '../metrics/compare-table.ts';
import type { LoadedRun } from '../metrics/run-results.ts';
import type { Verdict } from '../metrics/verdict.ts';
import { TOOL_VERSION } from '../version.ts';
import type { ReportAssets } from './assets.ts';
import { reportCharts } from './charts.ts';
import { type RunName, runNames } from './labels.ts';
import { escapeHtml, type HeadCell, pageHtml, tableHtml } from './page.ts';
import { cloudTable, hostsTable, operationTables, workloadPanel } from './panels.ts';

export { RUN_COLOURS } from './page.ts';

const runHead = (names: RunName[]): HeadCell[] => [
  { text: '' },
  ...names.map((n) => ({ text: n.short, title: n.title })),
];

function clientCpu(r: LoadedRun): string {
  const c = r.summary.client;
  const host = c?.hosts[0];
  if (!c || !host || c.cpu_utilisation_percentage === null) return 'not measured';
  return `${formatFigure(c.cpu_utilisation_percentage)} % of ${host.cores} core(s)`;
}

const VERDICT_CLASS = { valid: 'valid', warn: 'warn', invalid: 'invalid', unknown: 'warn' } as const;
const VERDICT_WORDS: Record<keyof typeof VERDICT_CLASS, string> = {
  valid: 'nothing found that would make these figures measure something other than the storage',
  warn: 'read the reasons before comparing these figures',
  invalid: 'these figures do not measure the storage',
  unknown: 'no verdict: results written before pqbench judged its runs',
};

/** Each run's verdict, first thing on the page: whether its figures measure the storage. */
function verdictHtml(runs: LoadedRun[], names: RunName[]): string {
  const items = runs.map((r, i) => {
    // Results written before verdicts existed have none.
    const v = r.summary.verdict as Verdict | undefined;
    const status: keyof typeof VERDICT_CLASS = v?.status ?? 'unknown';
    const reasons = (v?.reasons ?? [])
      .map((x) => `<li><b>${escapeHtml(x.severity)} ${escapeHtml(x.code)}</b>: ${escapeHtml(x.detail)}</li>`)
      .join('');
    const what = VERDICT_WORDS[status];
    return `<div class="verdict ${VERDICT_CLASS[status]}" data-verdict="${status}"><b title="${escapeHtml((names[i] as RunName).title)}">${escapeHtml((names[i] as RunName).short)}: ${status}</b> — ${escapeHtml(what)}${reasons ? `<ul>${reasons}</ul>` : ''}</div>`;
  });
  return `<section id="verdict">${items.join('\n')}</section>`;
}

function runsTable(runs: LoadedRun[], names: RunName[]): string {
  const row = (label: string, value: (r: LoadedRun) => string) => [label, ...runs.map(value)];
  return tableHtml(runHead(names), [
    row('run id', (r) => r.summary.run_id),
    row('results directory', (r) => r.dir),
    row('workload', (r) => r.summary.workload),
    row('storage', (r) => `${r.summary.storage_type}, read_mode ${r.summary.read_mode}`),
    row('start (UTC)', (r) => r.summary.start),
    row('end (UTC)', (r) => r.summary.end),
    row('accelerators (hosts)', (r) => `${r.summary.num_accelerators} on ${r.summary.num_hosts} host(s)`),
    row('client CPU (busiest host)', (r) => clientCpu(r)),
    row('epochs', (r) => String(r.summary.epochs)),
    row(
      'AU expectation',
      (r) =>
        `${r.summary.metric.train_au_meet_expectation} (≥ ${r.summary.metric.train_au_expectation_percentage} %)`,
    ),
    row('pqbench', (r) => r.summary.tool_version),
  ]);
}

function figuresTable(names: RunName[], comparison: RunComparison): string {
  const head = runHead(names);
  head.push(...names.slice(1).map((n) => ({ text: `Δ% ${n.short}`, title: n.title })));
  const rows = comparison.figures.map((f) => [
    `${f.label}${f.unit ? ` (${f.unit})` : ''}`,
    ...f.values.map(formatFigure),
    ...f.delta_percentages
      .slice(1)
      .map((d) => (d === null ? '–' : `${d > 0 ? '+' : ''}${formatFigure(d)} %`)),
  ]);
  return tableHtml(head, rows);
}

function costTable(runs: LoadedRun[], names: RunName[]): string {
  const row = (label: string, value: (r: LoadedRun) => number | null) => [
    label,
    ...runs.map((r) => formatFigure(value(r))),
  ];
  const ops = [...new Set(runs.flatMap((r) => Object.keys(r.summary.requests)))].filter(
    (k) => !['total', 'errors', 'retries'].includes(k),
  );
  const requests = (r: LoadedRun, op: string) =>
    (r.summary.requests as unknown as Record<string, { count: number } | undefined>)[op]?.count ?? 0;
  return tableHtml(runHead(names), [
    row('bytes read (MB)', (r) => r.summary.io.bytes_transferred / 1e6),
    row('projected column-chunk bytes (MB)', (r) => r.summary.io.projected_bytes / 1e6),
    row('read amplification (×)', (r) => r.summary.io.read_amplification),
    ...ops.map((op) => row(`${op} requests`, (r) => requests(r, op))),
    row('request cost (USD)', (r) => r.summary.cost.requests_usd),
    row('serverless cost (USD)', (r) => r.summary.cost.serverless_usd),
    row('total cost (USD)', (r) => r.summary.cost.total_usd),
    row('cost per TB read (USD)', (r) => r.summary.cost.per_TB_read_usd),
  ]);
}

function differencesHtml(runs: LoadedRun[], names: RunName[], comparison: RunComparison): string {
  if (runs.length < 2) return '';
  const warnings = comparison.warnings
    .map((w) => `<p class="warning">warning: ${escapeHtml(w)}</p>`)
    .join('\n');
  const table =
    comparison.config_differences.length === 0
      ? '<p>No configuration differences (output.* is not compared).</p>'
      : tableHtml(
          [{ text: 'key' }, ...runHead(names).slice(1)],
          comparison.config_differences.map((d) => [d.key, ...d.values.map((v) => v ?? '(absent)')]),
        );
  return `<section id="differences"><h2>Configuration differences</h2>\n${warnings}\n${table}</section>`;
}

function noticesHtml(runs: LoadedRun[], names: RunName[]): string {
  const items = runs.flatMap((r, i) => {
    const who = (names[i] as RunName).short;
    return [
      ...(r.timeseries
        ? []
        : [
            `${who}: no timeseries.json (a run recorded before time series existed): its charts over time are missing`,
          ]),
      ...r.summary.notices.map((n) => `${who}: ${n}`),
    ];
  });
  if (items.length === 0) return '';
  return `<section id="notices"><h2>Notices</h2><ul>${items.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`;
}

/** report.html for one run, or several overlaid (the first is the baseline of the deltas). */
export function renderReportHtml(runs: LoadedRun[], assets: ReportAssets, generatedAt = new Date()): string {
  if (runs.length === 0) throw new RangeError('renderReportHtml: no run');
  const comparison = compareRuns(runs);
  const names = runNames(runs);
  const title = `pqbench report — ${runs.map((r) => r.summary.run_id || r.dir).join(' vs ')}`;
  const body = `${verdictHtml(runs, names)}
<p>Generated ${escapeHtml(generatedAt.toISOString())} by pqbench ${escapeHtml(TOOL_VERSION)}. MB = 10^6 bytes, MiB = 2^20 bytes.${runs.length > 1 ? ' Runs are lettered A, B, …; hover a letter for the run id.' : ''}</p>
<section id="runs"><h2>Runs</h2>${runsTable(runs, names)}</section>
${workloadPanel(runs, names)}
<section id="figures"><h2>Headline figures</h2>${figuresTable(names, comparison)}</section>
${operationTables(runs, names)}
${hostsTable(runs, names)}
${cloudTable(runs, names)}
<section id="charts-section"><h2>Charts</h2><div class="charts" id="charts"></div></section>
<section id="cost"><h2>Read amplification and cost</h2>${costTable(runs, names)}</section>
${differencesHtml(runs, names, comparison)}
${noticesHtml(runs, names)}`;
  return pageHtml(title, body, reportCharts(runs, names), assets);
}

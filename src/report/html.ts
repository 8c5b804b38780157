/**
 * report.html: one self-contained file — the charting library, its styles,
 * the page script and the data inline; a Content-Security-Policy that
 * forbids every network request, so the page looks the same offline, from an
 * e-mail attachment or years later. Tables are rendered here; charts are
 * drawn in the browser from the ChartSpecs (charts.ts) by client.js.
 */
import { compareRuns, type RunComparison } from '../metrics/compare.ts';
import { formatFigure } from '../metrics/compare-table.ts';
import { type LoadedRun, runLabel } from '../metrics/run-results.ts';
import type { Verdict } from '../metrics/verdict.ts';
import { TOOL_VERSION } from '../version.ts';
import type { ReportAssets } from './assets.ts';
import { reportCharts } from './charts.ts';

/** Run colours (also in client.js, by run index): distinguishable, colour-blind friendly (Okabe–Ito). */
export const RUN_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside a <script> element: `<` escaped so no text can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const scriptText = (js: string) => js.replace(/<\/script/gi, '<\\/script');

function tableHtml(head: string[], rows: string[][], caption?: string): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 ? `<th>${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}<thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const runHead = (runs: LoadedRun[]) => ['', ...runs.map(runLabel)];

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
function verdictHtml(runs: LoadedRun[]): string {
  const items = runs.map((r) => {
    // Results written before verdicts existed have none.
    const v = r.summary.verdict as Verdict | undefined;
    const status: keyof typeof VERDICT_CLASS = v?.status ?? 'unknown';
    const reasons = (v?.reasons ?? [])
      .map((x) => `<li><b>${escapeHtml(x.severity)} ${escapeHtml(x.code)}</b>: ${escapeHtml(x.detail)}</li>`)
      .join('');
    const what = VERDICT_WORDS[status];
    return `<div class="verdict ${VERDICT_CLASS[status]}" data-verdict="${status}"><b>${escapeHtml(runLabel(r))}: ${status}</b> — ${escapeHtml(what)}${reasons ? `<ul>${reasons}</ul>` : ''}</div>`;
  });
  return `<section id="verdict">${items.join('\n')}</section>`;
}

function runsTable(runs: LoadedRun[]): string {
  const row = (label: string, value: (r: LoadedRun) => string) => [label, ...runs.map(value)];
  return tableHtml(runHead(runs), [
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

function figuresTable(runs: LoadedRun[], comparison: RunComparison): string {
  const head = runHead(runs);
  if (runs.length > 1) head.push(...runs.slice(1).map((r) => `Δ% ${runLabel(r)}`));
  const rows = comparison.figures.map((f) => [
    `${f.label}${f.unit ? ` (${f.unit})` : ''}`,
    ...f.values.map(formatFigure),
    ...f.delta_percentages
      .slice(1)
      .map((d) => (d === null ? '–' : `${d > 0 ? '+' : ''}${formatFigure(d)} %`)),
  ]);
  return tableHtml(head, rows);
}

function costTable(runs: LoadedRun[]): string {
  const row = (label: string, value: (r: LoadedRun) => number | null) => [
    label,
    ...runs.map((r) => formatFigure(value(r))),
  ];
  const ops = [...new Set(runs.flatMap((r) => Object.keys(r.summary.requests)))].filter(
    (k) => !['total', 'errors', 'retries'].includes(k),
  );
  const requests = (r: LoadedRun, op: string) =>
    (r.summary.requests as unknown as Record<string, { count: number } | undefined>)[op]?.count ?? 0;
  return tableHtml(runHead(runs), [
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

function differencesHtml(runs: LoadedRun[], comparison: RunComparison): string {
  if (runs.length < 2) return '';
  const warnings = comparison.warnings
    .map((w) => `<p class="warning">warning: ${escapeHtml(w)}</p>`)
    .join('\n');
  const table =
    comparison.config_differences.length === 0
      ? '<p>No configuration differences (output.* is not compared).</p>'
      : tableHtml(
          ['key', ...runs.map(runLabel)],
          comparison.config_differences.map((d) => [d.key, ...d.values.map((v) => v ?? '(absent)')]),
        );
  return `<section><h2>Configuration differences</h2>\n${warnings}\n${table}</section>`;
}

function noticesHtml(runs: LoadedRun[]): string {
  const items = runs.flatMap((r) => [
    ...(r.timeseries
      ? []
      : [
          `${runLabel(r)}: no timeseries.json (a run recorded before time series existed): its charts over time are missing`,
        ]),
    ...r.summary.notices.map((n) => `${runLabel(r)}: ${n}`),
  ]);
  if (items.length === 0) return '';
  return `<section><h2>Notices</h2><ul>${items.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{text-align:left;font-weight:600;background:#f6f6f6}
thead th{text-align:right}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:18px}
.chart h3{font-size:15px;margin:4px 0}.chart .note{color:#666;font-size:12px;margin:0 0 4px}
.warning{color:#a33;font-weight:600}.u-legend{font-size:12px}
.verdict{padding:8px 12px;margin:8px 0;border-radius:4px;border:1px solid}.verdict ul{margin:4px 0 0 18px;padding:0}
.verdict.valid{background:#e9f6ee;border-color:#2e7d4f}.verdict.warn{background:#fff6e0;border-color:#b7791f}
.verdict.invalid{background:#fdecea;border-color:#b3261e}`;

/** report.html for one run, or several overlaid (the first is the baseline of the deltas). */
export function renderReportHtml(runs: LoadedRun[], assets: ReportAssets, generatedAt = new Date()): string {
  if (runs.length === 0) throw new RangeError('renderReportHtml: no run');
  const comparison = compareRuns(runs);
  const charts = reportCharts(runs);
  const title = `pqbench report — ${runs.map(runLabel).join(' vs ')}`;
  const data = { colours: RUN_COLOURS, charts };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pqbench ${escapeHtml(TOOL_VERSION)}">
<title>${escapeHtml(title)}</title>
<style>${assets.uplotCss}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${verdictHtml(runs)}
<p>Generated ${escapeHtml(generatedAt.toISOString())} by pqbench ${escapeHtml(TOOL_VERSION)}. MB = 10^6 bytes, MiB = 2^20 bytes.</p>
<section><h2>Runs</h2>${runsTable(runs)}</section>
<section><h2>Headline figures</h2>${figuresTable(runs, comparison)}</section>
<section><h2>Charts</h2><div class="charts" id="charts"></div></section>
<section><h2>Read amplification and cost</h2>${costTable(runs)}</section>
${differencesHtml(runs, comparison)}
${noticesHtml(runs)}
<script type="application/json" id="pqbench-data">${scriptJson(data)}</script>
<script>${scriptText(assets.uplotJs)}</script>
<script>${scriptText(assets.clientJs)}</script>
</body>
</html>
`;
}

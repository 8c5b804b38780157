/**
 * What report.html and sweep.html share: one self-contained page — the
 * charting library, its styles, the page script (client.js) and the data
 * inline — under a Content-Security-Policy that forbids every network
 * request, so a page looks the same offline, from an e-mail attachment or
 * years later; and the HTML helpers the sections are written with.
 */
import { TOOL_VERSION } from '../version.ts';
import type { ReportAssets } from './assets.ts';
import type { ChartSpec } from './charts.ts';

/** Palette (also the run colours, by run index): distinguishable, colour-blind friendly (Okabe–Ito). */
export const RUN_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside a <script> element: `<` escaped so no text can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const scriptText = (js: string) => js.replace(/<\/script/gi, '<\\/script');

/** A header cell: its text, and the full name on hover. */
export interface HeadCell {
  text: string;
  title?: string;
}

const headCell = (h: string | HeadCell) =>
  typeof h === 'string'
    ? `<th>${escapeHtml(h)}</th>`
    : `<th${h.title ? ` title="${escapeHtml(h.title)}"` : ''}>${escapeHtml(h.text)}</th>`;

/** A table: the first cell of each row is a header cell. */
export function tableHtml(head: (string | HeadCell)[], rows: string[][], caption?: string): string {
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 ? `<th>${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}<thead><tr>${head.map(headCell).join('')}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{text-align:left;font-weight:600;background:#f6f6f6}
thead th{text-align:right}th[title]{text-decoration:underline dotted;cursor:help}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:18px}
.chart h3{font-size:15px;margin:4px 0}.chart .note{color:#666;font-size:12px;margin:0 0 4px}
.warning{color:#a33;font-weight:600}.u-legend{font-size:12px}.panels{display:flex;flex-wrap:wrap;gap:8px 32px}
.answer{font-size:17px;font-weight:600;padding:8px 12px;border:1px solid #2e7d4f;background:#e9f6ee;border-radius:4px}
.verdict{padding:8px 12px;margin:8px 0;border-radius:4px;border:1px solid}.verdict ul{margin:4px 0 0 18px;padding:0}
.verdict.valid{background:#e9f6ee;border-color:#2e7d4f}.verdict.warn{background:#fff6e0;border-color:#b7791f}
.verdict.invalid{background:#fdecea;border-color:#b3261e}`;

/** The whole page: `body` (sections) and the charts drawn into #charts by client.js. */
export function pageHtml(title: string, body: string, charts: ChartSpec[], assets: ReportAssets): string {
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
${body}
<script type="application/json" id="pqbench-data">${scriptJson(data)}</script>
<script>${scriptText(assets.uplotJs)}</script>
<script>${scriptText(assets.clientJs)}</script>
</body>
</html>
`;
}

/**
 * sweep.html: a sweep on one page, drawn like report.html (uPlot inline, no
 * network) — the answer first, then AU, throughput and read rate against
 * the varied key with error bars (± the sample stdev over each point's
 * repeats) and the AU threshold as a line, then the points with every
 * repeat's verdict and a link to its report.html.
 */
import { formatFigure } from '../metrics/compare-table.ts';
import { pointLabel, type SweepFigure, type SweepJson, type SweepPoint } from '../metrics/sweep.ts';
import type { ReportAssets } from './assets.ts';
import { alignColumns, type ChartSpec, type Column } from './charts.ts';
import { escapeHtml, pageHtml, tableHtml } from './page.ts';

/** The key on the x axis: the searched one, or the first varied one. */
const xKey = (sweep: SweepJson) => sweep.find_max?.key ?? sweep.vary[0]?.key ?? '';

/** Points in series: one per setting of the other varied keys. */
function seriesOf(sweep: SweepJson): { label: string; points: SweepPoint[] }[] {
  const key = xKey(sweep);
  const groups = new Map<string, SweepPoint[]>();
  for (const p of sweep.points) {
    const others = Object.fromEntries(Object.entries(p.settings).filter(([k]) => k !== key));
    const label = Object.keys(others).length === 0 ? sweep.workload : pointLabel(others);
    groups.set(label, [...(groups.get(label) ?? []), p]);
  }
  return [...groups].map(([label, points]) => ({ label, points }));
}

function xPositions(sweep: SweepJson): { of: (v: unknown) => number; categories?: string[] } {
  const key = xKey(sweep);
  const values = sweep.points.map((p) => p.settings[key]);
  if (values.every((v) => typeof v === 'number')) return { of: (v) => v as number };
  const categories = [...new Set(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))))];
  return { of: (v) => categories.indexOf(typeof v === 'string' ? v : JSON.stringify(v)), categories };
}

function figureChart(
  sweep: SweepJson,
  spec: { id: string; title: string; yLabel: string; figure: SweepFigure },
): ChartSpec[] {
  const key = xKey(sweep);
  const x = xPositions(sweep);
  const groups = seriesOf(sweep);
  const columns = groups.map(
    (g, i): Column => ({
      series: { label: g.label, run: i },
      x: g.points.map((p) => x.of(p.settings[key])),
      y: g.points.map((p) => p.mean?.[spec.figure] ?? null),
    }),
  );
  const aligned = alignColumns(columns);
  if (!aligned) return [];
  const xs = aligned.data[0];
  const errorBars = aligned.series.map((s, i) => {
    const points = (groups[s.run] as { points: SweepPoint[] }).points;
    const at = (xv: number) => points.find((p) => x.of(p.settings[key]) === xv);
    const bound = (xv: number, sign: 1 | -1) => {
      const p = at(xv);
      const m = p?.mean?.[spec.figure] ?? null;
      const sd = p?.stdev?.[spec.figure] ?? null;
      return m === null || sd === null ? null : m + sign * sd;
    };
    return { series: i, low: xs.map((xv) => bound(xv, -1)), high: xs.map((xv) => bound(xv, 1)) };
  });
  return [
    {
      id: spec.id,
      title: spec.title,
      note: `Mean over each point's repeats; error bars ± the sample standard deviation (${sweep.repeats} repeat(s) per point).`,
      xLabel: key,
      yLabel: spec.yLabel,
      style: 'points',
      yFromZero: true,
      ...(x.categories ? { categories: x.categories } : { xIntegers: true }),
      ...(spec.figure === 'au_mean_percentage'
        ? { thresholds: [{ y: sweep.au_min_percentage, label: `AU ≥ ${sweep.au_min_percentage} %` }] }
        : {}),
      errorBars,
      ...aligned,
    },
  ];
}

export function sweepCharts(sweep: SweepJson): ChartSpec[] {
  return [
    ...figureChart(sweep, {
      id: 'sweep-au',
      title: 'AU against the varied key',
      yLabel: 'AU %',
      figure: 'au_mean_percentage',
    }),
    ...figureChart(sweep, {
      id: 'sweep-throughput',
      title: 'Throughput against the varied key',
      yLabel: 'samples/s',
      figure: 'throughput_samples_per_second',
    }),
    ...figureChart(sweep, {
      id: 'sweep-read-rate',
      title: 'Read rate over the read phase against the varied key',
      yLabel: 'MB/s (10^6 B/s)',
      figure: 'read_phase_MB_per_second',
    }),
  ];
}

const spread = (p: SweepPoint, f: SweepFigure) => {
  const m = p.mean?.[f] ?? null;
  const s = p.stdev?.[f] ?? null;
  return m === null ? '–' : `${formatFigure(m)}${s === null ? '' : ` ± ${formatFigure(s)}`}`;
};

function pointsHtml(sweep: SweepJson): string {
  const rows = sweep.points.map((p) => [
    p.label,
    String(p.repeats.length),
    spread(p, 'au_mean_percentage'),
    spread(p, 'throughput_samples_per_second'),
    spread(p, 'read_phase_MB_per_second'),
    spread(p, 'request_p99_ms'),
    spread(p, 'client_cpu_percentage'),
    p.outcome ?? 'incomplete',
    p.repeats
      .map(
        (r) => `${r.verdict.status}${r.verdict.codes.length > 0 ? ` (${r.verdict.codes.join(', ')})` : ''}`,
      )
      .join('; '),
  ]);
  const table = tableHtml(
    [
      'point',
      'repeats',
      'AU %',
      'samples/s',
      'read MB/s',
      'request p99 ms',
      'client CPU %',
      'outcome',
      'verdicts',
    ],
    rows,
  );
  const links = sweep.points
    .flatMap((p) =>
      p.repeats.map(
        (r) => `<a href="${escapeHtml(r.dir)}/report.html">${escapeHtml(`${p.label} #${r.repeat}`)}</a>`,
      ),
    )
    .join(' · ');
  return `<section><h2>Points</h2><p>± is the sample standard deviation over a point's repeats; outcome against AU ≥ ${sweep.au_min_percentage} % (a point whose verdict is invalid is no answer).</p>${table}<p>Each repeat's report: ${links || 'none yet'}</p></section>`;
}

export function renderSweepHtml(sweep: SweepJson, assets: ReportAssets): string {
  const mode = sweep.find_max
    ? `search of ${sweep.find_max.key} from ${sweep.find_max.from} up to ${sweep.find_max.max}`
    : `grid over ${sweep.vary.map((v) => `${v.key} (${v.values.length})`).join(' × ')}`;
  const answer =
    sweep.answer?.text ??
    (sweep.status === 'complete' ? 'no single answer: read the points' : 'no answer yet');
  const body = `<p class="answer" id="answer">${escapeHtml(answer)}</p>
<p>Sweep ${escapeHtml(sweep.sweep_id)} of workload ${escapeHtml(sweep.workload)} (${escapeHtml(sweep.workload_file)}${sweep.overrides.length > 0 ? ` with ${escapeHtml(sweep.overrides.join(' '))}` : ''}): ${escapeHtml(mode)}, ${sweep.repeats} repeat(s) per point; ${escapeHtml(sweep.status)}, updated ${escapeHtml(sweep.updated_utc)}.</p>
<section><h2>Charts</h2><div class="charts" id="charts"></div></section>
${pointsHtml(sweep)}`;
  return pageHtml(`pqbench sweep — ${sweep.sweep_id}`, body, sweepCharts(sweep), assets);
}

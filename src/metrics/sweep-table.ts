/**
 * A sweep for the terminal: one row per point (its settings, AU, throughput
 * and read-phase rate as mean ± sample stdev over the repeats, the verdicts,
 * the outcome), then the answer. Rounded for people; sweep.json is exact.
 */
import type { SweepFigure, SweepJson, SweepPoint } from './sweep.ts';

function spread(p: SweepPoint, figure: SweepFigure, digits: number): string {
  const m = p.mean?.[figure] ?? null;
  if (m === null) return 'n/a';
  const s = p.stdev?.[figure] ?? null;
  return `${m.toFixed(digits)}${s === null ? '' : ` ± ${s.toFixed(digits)}`}`;
}

function verdicts(p: SweepPoint): string {
  const counts = new Map<string, number>();
  for (const r of p.repeats) counts.set(r.verdict.status, (counts.get(r.verdict.status) ?? 0) + 1);
  const codes = [...new Set(p.repeats.flatMap((r) => r.verdict.codes))];
  return `${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
}

export function renderSweepTable(sweep: SweepJson): string[] {
  const rows = [
    ['point', 'n', 'AU %', 'samples/s', 'read MB/s', 'outcome', 'verdicts'],
    ...sweep.points.map((p) => [
      p.label,
      String(p.repeats.length),
      spread(p, 'au_mean_percentage', 1),
      spread(p, 'throughput_samples_per_second', 0),
      spread(p, 'read_phase_MB_per_second', 2),
      p.outcome ?? 'incomplete',
      verdicts(p),
    ]),
  ];
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map(
    (r) =>
      `[SWEEP] ${r
        .map((c, i) => (i === 0 || i >= 5 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd()}`,
  );
  lines.push(
    `[SWEEP] ± is the sample standard deviation over a point's repeats; outcome against AU ≥ ${sweep.au_min_percentage} %`,
  );
  lines.push(`[SWEEP] answer: ${sweep.answer?.text ?? 'none (a grid over several keys: read the table)'}`);
  return lines;
}

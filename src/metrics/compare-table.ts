/**
 * The terminal rendering of a RunComparison: runs named A, B, C… (A is the
 * baseline), one row per headline figure with each later run's value, its
 * delta and its delta in percent, then the config differences and the
 * warnings. Numbers are rounded for reading; `--json` has them exact.
 */
import type { ComparedFigure, RunComparison } from './compare.ts';

const letter = (i: number) => (i < 26 ? String.fromCharCode(65 + i) : `R${i + 1}`);

/** Four significant digits, thousands grouped; integers as they are. */
export function formatFigure(x: number | null): string {
  if (x === null) return '–';
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  return String(Number(x.toPrecision(4)));
}

const sign = (x: number) => (x > 0 ? '+' : x < 0 ? '-' : '±');
const signed = (x: number | null) => (x === null ? '–' : `${sign(x)}${formatFigure(Math.abs(x))}`);
/** A percentage to one decimal: enough to see a change, no false precision. */
const signedPercent = (x: number | null) => (x === null ? '–' : `${sign(x)}${Math.abs(x).toFixed(1)}%`);

/** A column's value: the mean ± the spread of its repeats, or the run's value. */
export function valueWithSpread(f: ComparedFigure, i: number): string {
  const v = f.values[i] ?? null;
  const s = f.spreads?.[i] ?? null;
  return s === null || s === 0 || v === null ? formatFigure(v) : `${formatFigure(v)} ± ${formatFigure(s)}`;
}

/** Δ% and, where the spreads overlap, "(noise)". */
export function deltaWithNoise(f: ComparedFigure, i: number): string {
  const d = signedPercent(f.delta_percentages[i] ?? null);
  return f.within_noise?.[i] === true ? `${d} (noise)` : d;
}

function figureRow(f: ComparedFigure): string[] {
  const cells = [`${f.label}${f.unit ? ` (${f.unit})` : ''}`, valueWithSpread(f, 0)];
  for (let i = 1; i < f.values.length; i++) {
    cells.push(valueWithSpread(f, i), signed(f.deltas[i] ?? null), deltaWithNoise(f, i));
  }
  return cells;
}

/** Columns padded to a common width: the first left-aligned, the others right-aligned (numbers) or left. */
function table(rows: string[][], align: 'right' | 'left' = 'right'): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((row) =>
    row
      .map((c, i) =>
        i === 0 || align === 'left' ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number),
      )
      .join('  ')
      .trimEnd(),
  );
}

export function renderComparison(c: RunComparison): string[] {
  const lines: string[] = [`runs (${letter(0)} is the baseline; Δ = run − ${letter(0)}):`];
  c.runs.forEach((r, i) => {
    const repeats = (r.repeats ?? 1) > 1 ? `${r.repeats} runs, ` : '';
    lines.push(
      `  ${letter(i)}  ${r.label}  ${r.dir}  (${repeats}workload ${r.workload}, AU ${r.au_meets_expectation}, verdict ${r.verdict}${r.verdict_reasons.length > 0 ? `: ${r.verdict_reasons.join(', ')}` : ''})`,
    );
  });
  if (c.runs.some((r) => (r.repeats ?? 1) > 1))
    lines.push(
      '  a column of several runs shows their mean ± sample stdev; "(noise)": the two columns\' mean ± stdev overlap, the delta is within run-to-run noise',
    );
  lines.push('');
  const header = ['', letter(0)];
  for (let i = 1; i < c.runs.length; i++) header.push(letter(i), `Δ ${letter(i)}`, `Δ% ${letter(i)}`);
  lines.push(...table([header, ...c.figures.map(figureRow)]));
  lines.push('');
  if (c.config_differences.length === 0) {
    lines.push('config differences: none (output.* is not compared)');
  } else {
    lines.push('config differences (output.* is not compared):');
    const rows = c.config_differences.map((d) => [
      `  ${d.key}`,
      ...d.values.map((v, i) => `${letter(i)}: ${v ?? '(absent)'}`),
    ]);
    lines.push(...table(rows, 'left'));
  }
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines;
}

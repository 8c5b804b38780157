/**
 * Writing report.html: beside a run's results (`writeRunReport`, called
 * right after summary.json is written, and by `pqbench report <dir>`), or
 * one page overlaying several runs (`writeReport`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type LoadedRun, readRunResults } from '../metrics/run-results.ts';
import { reportAssets } from './assets.ts';
import { renderReportHtml } from './html.ts';

export const REPORT_FILE = 'report.html';

/** Renders the runs (the first is the baseline) into `path`; returns it. */
export async function writeReport(runs: LoadedRun[], path: string): Promise<string> {
  const html = renderReportHtml(runs, reportAssets());
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, html);
  return path;
}

/** `<dir>/report.html` from the results already in `dir`; returns its path. */
export async function writeRunReport(dir: string): Promise<string> {
  return writeReport([await readRunResults(dir)], join(dir, REPORT_FILE));
}

/** Writing sweep.html beside sweep.json. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepJson } from '../metrics/sweep.ts';
import { reportAssets } from './assets.ts';
import { renderSweepHtml } from './sweep-html.ts';

export const SWEEP_REPORT_FILE = 'sweep.html';

export async function writeSweepReport(sweep: SweepJson, dir: string): Promise<string> {
  const path = join(dir, SWEEP_REPORT_FILE);
  await writeFile(path, renderSweepHtml(sweep, reportAssets()));
  return path;
}

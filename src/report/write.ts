/**
 * Writing report.html: beside a run's results (`writeRunReport`, called
 * right after summary.json is written, and by `pqbench report <dir>`), one
 * page overlaying several runs (`writeReport`), or as one more result file
 * of a multi-host run, which rank 0 puts into the results folder — a shared
 * directory or an `s3://` folder (`reportResultFile`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { S3Options } from '../config/types.ts';
import type { ResultFile } from '../metrics/results.ts';
import { type LoadedRun, openResultsFolder, readRunResults, runFromFiles } from '../metrics/run-results.ts';
import { isS3Url } from '../storage/endpoint.ts';
import { describeKey } from '../storage/keys.ts';
import { reportAssets } from './assets.ts';
import { renderReportHtml } from './html.ts';

export const REPORT_FILE = 'report.html';

/**
 * Renders the runs (the first is the baseline) into `path` — a file, or
 * `s3://bucket/prefix/name.html` (`s3`: its options) — and returns where it went.
 */
export async function writeReport(runs: LoadedRun[], path: string, s3?: S3Options): Promise<string> {
  const html = renderReportHtml(runs, reportAssets());
  if (isS3Url(path)) {
    const slash = path.lastIndexOf('/');
    const folder = openResultsFolder(path.slice(0, slash), s3);
    try {
      await folder.put(path.slice(slash + 1), new TextEncoder().encode(html));
      return describeKey(folder.location, path.slice(slash + 1));
    } finally {
      await folder.close();
    }
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, html);
  return path;
}

/** `<dir>/report.html` from the results already in `dir`; returns its path. */
export async function writeRunReport(dir: string): Promise<string> {
  return writeReport([await readRunResults(dir)], join(dir, REPORT_FILE));
}

/** report.html of a run whose result files were just rendered (`dir`: where they go, for the page's labels). */
export async function reportResultFile(dir: string, files: readonly ResultFile[]): Promise<ResultFile> {
  const run = await runFromFiles(dir, files);
  return { name: REPORT_FILE, body: renderReportHtml([run], reportAssets()) };
}

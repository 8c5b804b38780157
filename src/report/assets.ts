/**
 * What report.html inlines: uPlot (script and styles) and the page script
 * (client.js). Built code (dist/, scripts/build.mjs) has them substituted as
 * PQBENCH_REPORT_ASSETS at build time; running from source reads them from
 * node_modules and beside this file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface ReportAssets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
}

declare const PQBENCH_REPORT_ASSETS: ReportAssets | undefined;

let cached: ReportAssets | undefined;

export function reportAssets(): ReportAssets {
  if (typeof PQBENCH_REPORT_ASSETS === 'object') return PQBENCH_REPORT_ASSETS;
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  cached = {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    clientJs: readFileSync(new URL('./client.js', import.meta.url), 'utf8'),
  };
  return cached;
}

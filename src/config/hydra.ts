/**
 * Hydra's own settings, as dlio_benchmark's command line carries them
 * (`++hydra.run.dir=<dir> ++hydra.output_subdir=dlio_config` from mlpstorage).
 * They are not part of the workload: pqbench takes the two that place a run's
 * files and names every other one in a notice.
 */
import type { ConfigIssue } from '../errors.ts';
import { showValue } from './quote.ts';
import { isMap, type Raw } from './raw.ts';

/** Hydra's default for hydra.output_subdir. */
export const HYDRA_DEFAULT_OUTPUT_SUBDIR = '.hydra';

export interface HydraSettings {
  /** hydra.run.dir: DLIO's output folder — results go straight into it. */
  runDir?: string;
  /** hydra.output_subdir: where the composed config, hydra.yaml and overrides.yaml go under runDir; null = nowhere. */
  outputSubdir: string | null;
}

function leafPaths(value: unknown, prefix: string): string[] {
  if (!isMap(value) || Object.keys(value).length === 0) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, `${prefix}.${k}`));
}

/** A path Hydra would take: a non-empty string (a number from YAML typing is its digits). */
function pathValue(value: unknown, key: string, issues: ConfigIssue[]): string | undefined {
  if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  issues.push({ path: key, message: `${showValue(value)} is not a directory path` });
  return undefined;
}

/** Takes `hydra` out of the raw document. */
export function extractHydra(raw: Raw): { hydra: HydraSettings; notices: string[]; issues: ConfigIssue[] } {
  const hydra: HydraSettings = { outputSubdir: HYDRA_DEFAULT_OUTPUT_SUBDIR };
  const notices: string[] = [];
  const issues: ConfigIssue[] = [];
  const given = raw.hydra;
  delete raw.hydra;
  if (given === undefined) return { hydra, notices, issues };
  if (!isMap(given)) {
    issues.push({ path: 'hydra', message: `${showValue(given)} is not a mapping` });
    return { hydra, notices, issues };
  }
  const run = isMap(given.run) ? given.run : undefined;
  if (run && 'dir' in run) {
    hydra.runDir = pathValue(run.dir, 'hydra.run.dir', issues);
    delete run.dir;
    if (Object.keys(run).length === 0) delete given.run;
  }
  if ('output_subdir' in given) {
    const subdir = given.output_subdir;
    hydra.outputSubdir = subdir === null ? null : (pathValue(subdir, 'hydra.output_subdir', issues) ?? null);
    delete given.output_subdir;
  }
  for (const key of leafPaths(given, 'hydra')) {
    if (key !== 'hydra') notices.push(`${key} is a Hydra setting pqbench ignores`);
  }
  return { hydra, notices, issues };
}

/**
 * How report.html names runs: short enough for a legend ("quickstart" for
 * one run; A, B, C … for several, as `pqbench compare` letters them), with
 * the run id and folder as the tooltip.
 */
import { type LoadedRun, runLabel } from '../metrics/run-results.ts';

export interface RunName {
  short: string;
  /** run id (folder): shown on hover. */
  title: string;
}

const letter = (i: number) => (i < 26 ? String.fromCharCode(65 + i) : `R${i + 1}`);

export function runNames(runs: LoadedRun[]): RunName[] {
  return runs.map((run, i) => ({
    short: runs.length === 1 ? run.summary.workload || runLabel(run) : letter(i),
    title: `${runLabel(run)} (${run.dir})`,
  }));
}

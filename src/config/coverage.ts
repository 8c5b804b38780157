/**
 * What pqbench covers of DLIO: parquet datasets, generated and/or read by a
 * training loop. A DLIO workload that only checkpoints (the llama* files),
 * only evaluates, or uses another dataset format is rejected with one line
 * saying so — never accepted and then "nothing to do".
 */
import { ExitCode, PqbenchError } from '../errors.ts';
import { isMap, type Raw } from './raw.ts';

export const PQBENCH_COVERS =
  'pqbench covers DLIO parquet training workloads (dataset.format: parquet, with workflow.generate_data and/or workflow.train)';

/** A valid DLIO workload that is not a parquet training workload. */
export class UnsupportedWorkloadError extends PqbenchError {
  readonly exitCode = ExitCode.badInput;
}

/** Throws UnsupportedWorkloadError for a workload outside what pqbench covers; checks the raw document as DLIO reads it. */
export function assertCoveredWorkload(raw: Raw, source?: string): void {
  const where = source ? `${source}: ` : '';
  const dataset = isMap(raw.dataset) ? raw.dataset : {};
  const format = dataset.format;
  if (typeof format === 'string' && format !== 'parquet') {
    throw new UnsupportedWorkloadError(
      `${where}dataset.format ${format} is not supported; ${PQBENCH_COVERS}`,
    );
  }
  const workflow = isMap(raw.workflow) ? raw.workflow : {};
  // DLIO's defaults: train true, everything else false.
  const train = workflow.train ?? true;
  const generate = workflow.generate_data ?? false;
  if (train !== false || generate !== false) return;
  const only = ['checkpoint', 'evaluation'].filter((k) => workflow[k] === true);
  if (only.length === 0) return;
  throw new UnsupportedWorkloadError(
    `${where}a ${only.join(' and ')}-only workload (workflow.train and workflow.generate_data are false) is not supported; ${PQBENCH_COVERS}`,
  );
}

/**
 * `pqbench clean <workload>`: removes what interrupted writes left under the
 * dataset — incomplete multipart uploads (S3: invisible to LIST, billed until
 * aborted) and temp files (local_fs) — whatever their age, and prints the
 * counts. Complete objects and the manifest are never touched. A generate
 * still writing this dataset would lose its in-flight uploads: run it when
 * none is.
 */
import { resolveRun } from '../../dataset/run-plan.ts';
import {
  ANY_TIME,
  cleanDatasetLeftovers,
  datasetWritePrefixes,
  describeCleanup,
} from '../../generate/leftovers.ts';
import { openStorage } from '../../storage/open.ts';
import type { CliCommand } from '../command.ts';
import { loadCommandWorkload } from '../flags.ts';

export const command: CliCommand = {
  async run(ctx) {
    const { workload } = await loadCommandWorkload(ctx);
    const layout = resolveRun(workload).dataset.layout;
    const storage = openStorage(workload.storage);
    try {
      const cleaned = await cleanDatasetLeftovers(layout, storage, ANY_TIME);
      const where = datasetWritePrefixes(layout).join(', ') || '(no split has files)';
      ctx.stdout(`cleaned ${storage.location} (${where}): ${describeCleanup(storage.kind, cleaned)}`);
    } finally {
      await storage.close();
    }
  },
};

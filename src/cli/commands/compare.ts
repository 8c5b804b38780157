/**
 * `pqbench compare <run> <run> […]`: the runs' headline figures side by side
 * with deltas against the first, the config keys that differ, and warnings
 * when the runs are not like for like; `--json` prints the same as JSON.
 */
import { UsageError } from '../../errors.ts';
import { compareRuns } from '../../metrics/compare.ts';
import { renderComparison } from '../../metrics/compare-table.ts';
import { readRunResults } from '../../metrics/run-results.ts';
import { isS3Url, locationS3Options } from '../../storage/endpoint.ts';
import type { CliCommand } from '../command.ts';
import { locationFlags } from '../flags.ts';

export const command: CliCommand = {
  async run(ctx) {
    const dirs = ctx.positionals;
    if (dirs.length < 2)
      throw new UsageError(`compare needs at least two results directories; usage: ${ctx.usage}`);
    // Resolved only for s3:// folders: a local comparison never depends on the S3 environment.
    const s3 = dirs.some(isS3Url) ? locationS3Options(locationFlags(ctx)) : undefined;
    const runs = [];
    for (const dir of dirs) runs.push(await readRunResults(dir, s3));
    const comparison = compareRuns(runs);
    if (ctx.values.json === true) {
      ctx.stdout(JSON.stringify(comparison, null, 2));
      return;
    }
    for (const line of renderComparison(comparison)) ctx.stdout(line);
  },
};

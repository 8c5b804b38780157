/**
 * `pqbench compare <run> <run> […]`: the runs' headline figures side by side
 * with deltas against the first, the config keys that differ, and warnings
 * when the runs are not like for like; `--json` prints the same as JSON. A
 * folder of runs (repeats) or a sweep's folder gives columns of repeats:
 * mean ± spread, and deltas within the noise marked.
 */
import { UsageError } from '../../errors.ts';
import { compareGroups, type RunGroup } from '../../metrics/compare.ts';
import { renderComparison } from '../../metrics/compare-table.ts';
import { readRunGroups } from '../../metrics/run-groups.ts';
import { isS3Url, locationS3Options } from '../../storage/endpoint.ts';
import type { CliCommand } from '../command.ts';
import { locationFlags } from '../flags.ts';

export const command: CliCommand = {
  async run(ctx) {
    const dirs = ctx.positionals;
    if (dirs.length === 0) throw new UsageError(`compare needs results directories; usage: ${ctx.usage}`);
    // Resolved only for s3:// folders: a local comparison never depends on the S3 environment.
    const s3 = dirs.some(isS3Url) ? locationS3Options(locationFlags(ctx)) : undefined;
    const groups: RunGroup[] = [];
    for (const dir of dirs) groups.push(...(await readRunGroups(dir, s3)));
    if (groups.length < 2)
      throw new UsageError(
        `compare needs at least two columns (runs, folders of runs or a sweep's points), got ${groups.length}; usage: ${ctx.usage}`,
      );
    const comparison = compareGroups(groups);
    if (ctx.values.json === true) {
      ctx.stdout(JSON.stringify(comparison, null, 2));
      return;
    }
    for (const line of renderComparison(comparison)) ctx.stdout(line);
  },
};
